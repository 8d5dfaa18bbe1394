// `quantizeFolder()`: GPTQ beats round-to-nearest on held-out perplexity at the same bits and group
// size, the written folder loads back to the weights its packed values say, and our RTN equals the
// independent reference's RTN fixture (bytellama-12L-rtn-3bit-g32) tensor for tensor.
// Calibration: the first 2,048 bytes of testdata/texts/tinystories_heldout.txt; measured on the
// bytes from 8,192 on (disjoint text).
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isPacked } from "../backend/ops.ts";
import { cutWindows } from "../calibration.ts";
import { perplexity } from "../eval/perplexity.ts";
import { TensorStore } from "../io/store.ts";
import type { LlamaBlock } from "../models/llama/model.ts";
import { loadModel, ModelFolder } from "../models/load.ts";
import { modelDir } from "../testing/golden.ts";
import { test } from "../testing/harness.ts";
import { main } from "../cli.ts";
import { forward } from "../models/forward.ts";
import { quantizeFolder } from "./quantize.ts";

const bytes = readFileSync("testdata/texts/tinystories_heldout.txt");
const CALIBRATION = cutWindows([...bytes.subarray(0, 2048)], 128); // 16 windows
const HELD_OUT = cutWindows([...bytes.subarray(8192, 8192 + 2048)], 256); // 8 windows

test("GPTQ 3-bit g32 beats RTN on held-out perplexity, and the folder loads back as written", async () => {
  const dir = mkdtempSync(join(tmpdir(), "shortgpt-quantize-"));
  try {
    const src = new ModelFolder(modelDir("bytellama-12L"));
    const spec = { bits: 3, groupSize: 32, sym: true, descAct: false } as const;
    const layers: number[] = [];
    quantizeFolder(src, join(dir, "gptq"), CALIBRATION, { ...spec, method: "gptq" }, {
      onLayer: (i) => layers.push(i),
    });
    quantizeFolder(src, join(dir, "rtn"), [], { ...spec, method: "rtn" });
    src.close();
    assert.deepEqual(layers, [...Array(12).keys()], "progress once per layer, in order");
    const config = JSON.parse(readFileSync(join(dir, "gptq", "config.json"), "utf8"));
    assert.equal(config.quantization_config.bits, 3);
    assert.equal(config.quantization_config.checkpoint_format, "gptq");
    const gptq = loadModel(join(dir, "gptq")), rtn = loadModel(join(dir, "rtn"));
    const b = gptq.blocks[5] as LlamaBlock<Float32Array>;
    assert.ok(isPacked(b.w.down_proj) && b.w.down_proj.gptq.bits === 3);
    const dense = (await perplexity(loadModel(modelDir("bytellama-12L")), HELD_OUT)).ppl;
    const pg = (await perplexity(gptq, HELD_OUT)).ppl, pr = (await perplexity(rtn, HELD_OUT)).ppl;
    assert.ok(pg < pr, `held-out ppl: GPTQ ${pg} should beat RTN ${pr} (dense ${dense})`);
    assert.ok(pg > dense * 0.98, `GPTQ ${pg} vs dense ${dense}`);
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test("quantize --method rtn reproduces the reference's RTN fixture's packed tensors byte for byte", () => {
  const dir = mkdtempSync(join(tmpdir(), "shortgpt-rtn-"));
  try {
    const src = new ModelFolder(modelDir("bytellama-12L"));
    quantizeFolder(src, join(dir, "rtn"), [], { method: "rtn", bits: 3, groupSize: 32, sym: true, descAct: false });
    src.close();
    const ours = TensorStore.open(join(dir, "rtn")), ref = TensorStore.open(modelDir("bytellama-12L-rtn-3bit-g32"));
    try {
      const packed = ref.names().filter((n) => /\.(qweight|qzeros|scales|g_idx)$/.test(n));
      assert.equal(packed.length, 84 * 4);
      for (const n of packed) {
        assert.deepEqual(ours.info(n)?.shape, ref.info(n)!.shape, n);
        assert.ok(Buffer.compare(ours.readBytes(n), ref.readBytes(n)) === 0, `${n} differs from the reference`);
      }
    } finally {
      ours.close();
      ref.close();
    }
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test("shortgpt quantize --method rtn --bits 2 --asym writes a folder that loads and runs", async () => {
  const dir = mkdtempSync(join(tmpdir(), "shortgpt-quantize-cli-"));
  try {
    const out = join(dir, "q");
    const argv = ["quantize", modelDir("stories260K"), "--out", out, "--method", "rtn", "--bits", "2", "--asym"];
    assert.equal(await main([...argv, "--group-size", "64", "--quiet"]), 0);
    const qc = JSON.parse(readFileSync(join(out, "quantize_config.json"), "utf8"));
    assert.deepEqual([qc.bits, qc.group_size, qc.sym, qc.quant_method], [2, 64, false, "gptq"]);
    // The MLP is 172 wide, which AutoGPTQ cannot pack: it stays float and the config says so.
    assert.deepEqual(qc.modules_in_block_to_quantize, [
      ["self_attn.k_proj", "self_attn.v_proj", "self_attn.q_proj"],
      ["self_attn.o_proj"],
    ]);
    const model = loadModel(out);
    assert.ok((model.blocks[0] as LlamaBlock<Float32Array>).w.up_proj instanceof Float32Array);
    const { logits } = await forward(model, Int32Array.from([1, 403, 407]));
    assert.ok(logits!.every(Number.isFinite));
    assert.equal(await main([...argv, "--bits", "5", "--force"]), 1);
  } finally {
    rmSync(dir, { recursive: true });
  }
});

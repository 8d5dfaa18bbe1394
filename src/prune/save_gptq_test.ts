// Layer removal on GPTQ folders: the packed tensors are copied byte for byte (never dequantized),
// quantization_config and quantize_config.json stay, and the result loads and equals the
// in-memory removal and passes the Hugging Face load checks (src/testing/hf_gptq_check.ts). Head
// removal refuses packed attention with a message naming the tensor.
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UserError } from "../errors.ts";
import { TensorStore } from "../io/store.ts";
import { forward } from "../models/forward.ts";
import { loadModel } from "../models/load.ts";
import { assertAllClose } from "../testing/assert.ts";
import { modelDir } from "../testing/golden.ts";
import { test } from "../testing/harness.ts";
import { hfFolderProblems } from "../testing/hf_folder_check.ts";
import { GPTQ_FIXTURES } from "../testing/hf_gptq_check.ts";
import { withoutHeads } from "./remove_heads.ts";
import { saveHeadPruned } from "./remove_heads_save.ts";
import { withoutLayers } from "./remove_layers.ts";
import { savePrunedLayers } from "./save.ts";

const IDS = Int32Array.from(new TextEncoder().encode("Once upon a time, there was a little dog."));

for (const name of ["bytellama-12L-gptq-4bit-g32-actorder", "stories260K-gptq-8bit-g64"]) {
  test(`savePrunedLayers() on ${name} copies packed bytes unchanged and reloads equal to in-memory removal`, async () => {
    const dir = mkdtempSync(join(tmpdir(), "shortgpt-gptq-prune-"));
    try {
      const src = modelDir(name), out = join(dir, "pruned");
      const removed = [1, 3];
      savePrunedLayers(src, out, removed, { metric: "bi" });
      const config = JSON.parse(readFileSync(join(out, "config.json"), "utf8"));
      const before = JSON.parse(readFileSync(join(src, "config.json"), "utf8"));
      assert.deepEqual(config.quantization_config, before.quantization_config, "quantization_config kept");
      assert.ok(existsSync(join(out, "quantize_config.json")), "AutoGPTQ's quantize_config.json kept");
      const a = TensorStore.open(src), b = TensorStore.open(out);
      try {
        // Source layer 4 is layer 2 of the pruned folder (layers 1 and 3 removed).
        let packed = 0;
        for (const n of a.names().filter((t) => t.startsWith("model.layers.4."))) {
          const to = n.replace("model.layers.4.", "model.layers.2.");
          assert.deepEqual(b.info(to)!.dtype, a.info(n)!.dtype, to);
          assert.ok(Buffer.compare(b.readBytes(to), a.readBytes(n)) === 0, `${to} is byte for byte ${n}`);
          if (/\.(qweight|qzeros|g_idx)$/.test(n)) packed++;
        }
        assert.ok(packed >= 12, "the packed tensors were among those compared");
      } finally {
        a.close();
        b.close();
      }
      const expected = await forward(withoutLayers(loadModel(src), removed), IDS);
      assertAllClose((await forward(loadModel(out), IDS)).logits!, expected.logits!, { atol: 0, label: "logits" });
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
}

test("head removal on a GPTQ folder refuses packed attention, on disk and in memory", async () => {
  const dir = mkdtempSync(join(tmpdir(), "shortgpt-gptq-heads-"));
  try {
    const src = modelDir("stories260K-gptq-8bit-g64");
    for (const mode of ["physical", "mask"] as const) {
      assert.throws(
        () => saveHeadPruned(src, join(dir, mode), [[1, 2]], { mode }),
        (e: unknown) =>
          e instanceof UserError && /model\.layers\.1\.self_attn\.\w_proj\.qweight" is GPTQ-packed/.test(e.message),
      );
      await assert.rejects(
        withoutHeads(loadModel(src), [[1, 2]], { mode }),
        (e: unknown) => e instanceof UserError && /Layer 1's self_attn\.\w_proj is GPTQ-packed/.test(e.message),
      );
    }
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test("every GPTQ fixture, pruned, still passes the transformers/optimum/AutoGPTQ/GPTQModel load checks", () => {
  const dir = mkdtempSync(join(tmpdir(), "shortgpt-gptq-hf-"));
  try {
    for (const name of GPTQ_FIXTURES) {
      const out = join(dir, name);
      savePrunedLayers(modelDir(name), out, [0, 2, 3], { metric: "bi" }); // the first layer too: renumbered from 0
      assert.deepEqual(hfFolderProblems(out), [], name);
    }
  } finally {
    rmSync(dir, { recursive: true });
  }
});

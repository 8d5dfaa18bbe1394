// Folders `shortgpt quantize` writes pass the transformers/optimum/AutoGPTQ/GPTQModel load checks
// (src/testing/hf_gptq_check.ts): GPTQ and RTN at 2, 3, 4 and 8 bits, symmetric and not, act-order,
// group size -1, a model whose MLP is not a multiple of 32 wide (kept dense, listed in
// modules_in_block_to_quantize), one whose linears all pack, and Qwen2's q/k/v biases.
// 2-bit asymmetric with groups of 32 is where a group's zero point would round to 0, which the v1
// format cannot store; kernels/cpu/gptq_quantize.ts `findParams` moves it to 1.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../cli.ts";
import { forward } from "../models/forward.ts";
import { loadModel, ModelFolder } from "../models/load.ts";
import { TensorStore } from "../io/store.ts";
import { modelDir } from "../testing/golden.ts";
import { test } from "../testing/harness.ts";
import { hfFolderProblems } from "../testing/hf_folder_check.ts";
import { writeRandomModel } from "../testing/random_model.ts";
import { quantizeFolder, type QuantizeSpec } from "./quantize.ts";

/** 4 windows of 32 token ids below 64 (the random models' vocabulary). */
const WINDOWS = Array.from({ length: 4 }, (_, w) => Int32Array.from({ length: 32 }, (_, t) => (w * 37 + t * 11) % 64));

const SPECS: QuantizeSpec[] = [
  ...[2, 3, 4, 8].map((bits) => ({ method: "rtn", bits, groupSize: 32, sym: true, descAct: false }) as QuantizeSpec),
  ...[3, 4, 8].map((bits) => ({ method: "rtn", bits, groupSize: 32, sym: false, descAct: false }) as QuantizeSpec),
  { method: "rtn", bits: 2, groupSize: -1, sym: false, descAct: false },
  { method: "rtn", bits: 2, groupSize: 32, sym: false, descAct: false },
  { method: "gptq", bits: 2, groupSize: 32, sym: false, descAct: false },
  { method: "gptq", bits: 2, groupSize: 32, sym: true, descAct: true },
  { method: "gptq", bits: 3, groupSize: -1, sym: false, descAct: false },
  { method: "gptq", bits: 4, groupSize: 32, sym: false, descAct: true },
  { method: "gptq", bits: 8, groupSize: 32, sym: true, descAct: false },
];

/** A random Llama-family folder: 2 layers, D = 64, 4 heads of 16, 2 KV heads. */
function randomModel(dir: string, extra: Record<string, unknown>): string {
  mkdirSync(dir);
  const base = { model_type: "llama", hidden_size: 64, num_attention_heads: 4, num_key_value_heads: 2 };
  writeRandomModel(dir, { ...base, num_hidden_layers: 2, vocab_size: 64, rms_norm_eps: 1e-6, ...extra }, { shards: 2 });
  return dir;
}

test("quantize writes folders that pass the Hugging Face GPTQ load checks, for every bits / sym / act-order / group size", () => {
  const root = mkdtempSync(join(tmpdir(), "shortgpt-quantize-hf-"));
  try {
    const models = {
      "all linears packed (F = 128)": randomModel(join(root, "llama"), { intermediate_size: 128 }),
      "MLP width 80 kept dense": randomModel(join(root, "narrow"), { intermediate_size: 80 }),
    };
    for (const [what, dir] of Object.entries(models)) {
      for (const spec of SPECS) {
        const out = join(root, "out");
        const src = new ModelFolder(dir);
        quantizeFolder(src, out, WINDOWS, spec, { force: true });
        src.close();
        const label = `${what}: ${JSON.stringify(spec)}`;
        assert.deepEqual(hfFolderProblems(out), [], label);
        const qc = JSON.parse(readFileSync(join(out, "config.json"), "utf8")).quantization_config;
        assert.equal(qc.modules_in_block_to_quantize === undefined, what.startsWith("all"), label);
      }
    }
  } finally {
    rmSync(root, { recursive: true });
  }
});

test("a packed linear's bias is written as float16, the dtype of QuantLinear's bias buffer (Qwen2's q/k/v)", async () => {
  const root = mkdtempSync(join(tmpdir(), "shortgpt-quantize-bias-"));
  try {
    const dir = randomModel(join(root, "qwen2"), {
      model_type: "qwen2",
      intermediate_size: 80,
      tie_word_embeddings: false,
    });
    const src = new ModelFolder(dir), out = join(root, "q");
    quantizeFolder(src, out, [], { method: "rtn", bits: 4, groupSize: 32, sym: true, descAct: false });
    src.close();
    assert.deepEqual(hfFolderProblems(out), []);
    const { logits } = await forward(loadModel(out), Int32Array.from([1, 5, 9]));
    assert.ok(logits!.every(Number.isFinite), "the folder loads here and runs");
    const store = TensorStore.open(out);
    try {
      assert.equal(store.info("model.layers.1.self_attn.q_proj.bias")!.dtype, "F16", "packed: float16");
      assert.ok(store.has("model.layers.1.mlp.up_proj.weight"), "80 wide: dense");
    } finally {
      store.close();
    }
  } finally {
    rmSync(root, { recursive: true });
  }
});

test("shortgpt quantize --desc-act --group-size -1 passes the checks; a group size GPTQModel has no kernel for exits 1", async () => {
  const dir = mkdtempSync(join(tmpdir(), "shortgpt-quantize-cli-hf-"));
  try {
    const out = join(dir, "q");
    const calibration = [
      "--text-file",
      "testdata/texts/tinystories_heldout.txt",
      "--window",
      "64",
      "--max-windows",
      "4",
    ];
    const argv = ["quantize", modelDir("stories260K"), "--out", out, "--bits", "4", "--quiet", ...calibration];
    assert.equal(await main([...argv, "--desc-act", "--group-size", "-1"]), 0);
    assert.deepEqual(hfFolderProblems(out), []);
    assert.equal(await main([...argv, "--group-size", "48", "--force"]), 1);
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test("2-bit asymmetric groups of 32 of stories260K, some of whose zero points round to 0, pass the checks", () => {
  // A zero point of 0 has no v1 field; findParams moves it to 1 (docs/quantization.md, "Zero points").
  const root = mkdtempSync(join(tmpdir(), "shortgpt-quantize-zero-"));
  try {
    for (const method of ["rtn", "gptq"] as const) {
      const src = new ModelFolder(modelDir("stories260K")), out = join(root, method);
      quantizeFolder(src, out, WINDOWS, { method, bits: 2, groupSize: 32, sym: false, descAct: false });
      src.close();
      assert.deepEqual(hfFolderProblems(out), [], method);
    }
  } finally {
    rmSync(root, { recursive: true });
  }
});

// The GPTQ rules of hfFolderProblems (src/testing/hf_gptq_check.ts): the reference's fixtures, made
// by an independent implementation, pass; each deliberately broken copy of one is reported with the
// rule it breaks.
import assert from "node:assert/strict";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { encodeSafetensors } from "../io/safetensors_header.ts";
import { TensorStore } from "../io/store.ts";
import { type DType, f16ToNumber, fromFloat32 } from "../tensor.ts";
import { copyTestModel } from "./folders.ts";
import { modelDir } from "./golden.ts";
import { test } from "./harness.ts";
import { hfFolderProblems } from "./hf_folder_check.ts";
import { GPTQ_FIXTURES } from "./hf_gptq_check.ts";

interface Entry {
  name: string;
  dtype: DType;
  shape: number[];
  bytes: Uint8Array;
}

/** Rewrites `dir`'s model.safetensors through `edit` (which may rename, drop, add or change tensors). */
function editTensors(dir: string, edit: (entries: Entry[]) => Entry[]): void {
  const store = TensorStore.open(dir);
  let entries: Entry[];
  try {
    entries = store.names().map((name) => {
      const { dtype, shape } = store.info(name)!;
      return { name, dtype, shape: [...shape], bytes: store.readBytes(name).slice() };
    });
  } finally {
    store.close();
  }
  writeFileSync(join(dir, "model.safetensors"), encodeSafetensors(edit(entries), { format: "pt" }));
}

/** Rewrites config.json's quantization_config through `edit`. */
function editQuantizationConfig(dir: string, edit: (qc: Record<string, unknown>) => void): void {
  const cfg = JSON.parse(readFileSync(join(dir, "config.json"), "utf8"));
  edit(cfg.quantization_config);
  writeFileSync(join(dir, "config.json"), JSON.stringify(cfg));
}

for (const name of GPTQ_FIXTURES) {
  test(`the reference's ${name} passes every transformers/optimum/AutoGPTQ/GPTQModel load check`, () => {
    assert.deepEqual(hfFolderProblems(modelDir(name)), []);
  });
}

test("the checker reports broken GPTQ buffers: qzeros shape, float32 scales, a leftover .weight, a gap in the layers, an unlisted packed linear, v1 zero point 0, g_idx", () => {
  const dir = copyTestModel("stories260K-gptq-8bit-g64"); // 5 layers, q/k/v/o packed (64 → 64, 64 → 32), MLP dense
  try {
    editTensors(dir, (entries) => {
      const at = (n: string) => entries.find((e) => e.name === n)!;
      at("model.layers.0.self_attn.q_proj.qzeros").shape = [2, 8]; // [1, 16]: same bytes, wrong shape
      const scales = at("model.layers.1.self_attn.k_proj.scales");
      const f16 = new Uint16Array(scales.bytes.buffer, scales.bytes.byteOffset, scales.bytes.byteLength / 2);
      Object.assign(scales, { dtype: "F32", bytes: fromFloat32(Float32Array.from(f16, f16ToNumber), "F32") });
      at("model.layers.3.self_attn.k_proj.qzeros").bytes[5] = 0xff; // zero point 0 of output 5 in v1
      new Int32Array(at("model.layers.3.self_attn.v_proj.g_idx").bytes.buffer)[7] = 1; // group 1 of 1
      const leftover = { name: "model.layers.2.self_attn.v_proj.weight", dtype: "F16" as DType, shape: [32, 64] };
      const renamed = entries.map((e) => ({ ...e, name: e.name.replace(/^model\.layers\.4\./, "model.layers.5.") }));
      return [...renamed, { ...leftover, bytes: new Uint8Array(32 * 64 * 2) }];
    });
    editQuantizationConfig(dir, (qc) => {
      qc.modules_in_block_to_quantize = [["self_attn.k_proj", "self_attn.v_proj", "self_attn.q_proj"]]; // o_proj dropped
    });
    rmSync(join(dir, "quantize_config.json"));
    const problems = hfFolderProblems(dir).join("\n");
    assert.match(problems, /layers\.0\.self_attn\.q_proj\.qzeros: shape \[2,8\], QuantLinear's buffer is \[1,16\]/);
    assert.match(problems, /layers\.1\.self_attn\.k_proj\.scales: dtype F32, QuantLinear's buffer is F16/);
    assert.match(problems, /unexpected model\.layers\.2\.self_attn\.v_proj\.weight/);
    assert.match(problems, /num_hidden_layers is 5 but the stored blocks are model\.layers\.\{0,1,2,3,5\}/);
    assert.match(problems, /unexpected model\.layers\.0\.self_attn\.o_proj\.qweight/);
    assert.match(problems, /missing model\.layers\.0\.self_attn\.o_proj\.weight/);
    assert.match(problems, /layers\.3\.self_attn\.k_proj\.qzeros\[0, 5\] stores 255: a zero point of 0/);
    assert.match(problems, /layers\.3\.self_attn\.v_proj\.g_idx\[7\] is 1; groups run 0\.\.0/);
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test("the checker reports what GPTQConfig.post_init, optimum and GPTQModel refuse: bits 5, group size 48, no quant_method, a disagreeing quantize_config.json", () => {
  const dir = copyTestModel("bytellama-12L-gptq-4bit-g32");
  try {
    editQuantizationConfig(dir, (qc) => {
      qc.bits = 5;
      delete qc.quant_method;
      qc.damp_percent = 1;
    });
    let problems = hfFolderProblems(dir).join("\n");
    assert.match(problems, /bits 5: GPTQConfig\.post_init takes 2, 3, 4, 8/);
    assert.match(problems, /quantization_config has no quant_method/);
    assert.match(problems, /damp_percent 1: must be in \(0, 1\)/);
    assert.match(problems, /quantize_config\.json bits 4 ≠ quantization_config's 5/);
    editQuantizationConfig(
      dir,
      (qc) => Object.assign(qc, { bits: 4, quant_method: "gptq", damp_percent: 0.01, group_size: 48 }),
    );
    problems = hfFolderProblems(dir).join("\n");
    assert.match(problems, /group_size 48: GPTQModel's kernels take -1, 16, 32/);
    editQuantizationConfig(dir, (qc) => Object.assign(qc, { group_size: 32, desc_act: false }));
    editTensors(dir, (entries) => {
      const gIdx = entries.find((e) => e.name === "model.layers.0.mlp.up_proj.g_idx")!;
      new Int32Array(gIdx.bytes.buffer).reverse(); // an act-order permutation in a desc_act false folder
      return entries;
    });
    assert.match(
      hfFolderProblems(dir).join("\n"),
      /layers\.0\.mlp\.up_proj\.g_idx is not k \/\/ 32 but desc_act is false/,
    );
  } finally {
    rmSync(dir, { recursive: true });
  }
});

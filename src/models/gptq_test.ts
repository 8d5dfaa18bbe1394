// GPTQ folders: the four fixtures made by an independent GPTQ implementation (testdata/models,
// PROVENANCE.md) against their golden outputs (float64 forward on the exactly dequantized
// weights; testdata/golden/README.md). Tolerance: 1e-4 absolute on logits, every hidden state
// and the final-norm state, as for the float Llama fixtures.
import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { dequantizeGptqNaive, gptqLinearNaive, packCodes, packedWords, unpackCode } from "../../kernels/cpu/gptq.ts";
import { isPacked } from "../backend/ops.ts";
import { main } from "../cli.ts";
import { UserError } from "../errors.ts";
import { SafetensorsFile } from "../io/safetensors.ts";
import { type TensorEntry, writeSafetensors } from "../io/safetensors_write.ts";
import { test } from "../testing/harness.ts";
import { assertAllClose } from "../testing/assert.ts";
import { GPTQ_MODELS, llamaGolden, modelDir } from "../testing/golden.ts";
import { forward } from "./forward.ts";
import type { LlamaBlock } from "./llama/model.ts";
import { loadModel, openModel } from "./load.ts";

const ATOL = 1e-4;

for (const name of GPTQ_MODELS) {
  test(`forward() on GPTQ folder ${name} matches the golden logits, hidden states and final norm`, async () => {
    const model = loadModel(modelDir(name));
    for (const seq of llamaGolden(name)) {
      const hidden: Float32Array[] = [];
      const { logits, final } = await forward(model, Int32Array.from(seq.ids), {
        onHidden: (_i, x) => void hidden.push(x),
      });
      const label = `${name}/${seq.name}`;
      assertAllClose(logits!, seq.logits, { atol: ATOL, label: `${label} logits` });
      assertAllClose(final!, seq.finalNorm, { atol: ATOL, label: `${label} final_norm` });
      const flat = new Float32Array(seq.hiddenRaw.length);
      hidden.forEach((h, i) => flat.set(h, i * h.length));
      assertAllClose(flat, seq.hiddenRaw, { atol: ATOL, label: `${label} hidden_raw` });
    }
  });
}

test("a GPTQ linear stays packed in memory; modules_in_block_to_quantize leaves the MLP dense", () => {
  const byte = loadModel(modelDir("bytellama-12L-gptq-4bit-g32")).blocks[0] as LlamaBlock<Float32Array>;
  for (const n of ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"] as const) {
    assert.ok(isPacked(byte.w[n]), `bytellama ${n} is packed`);
  }
  const w = byte.w.gate_proj;
  assert.ok(isPacked(w));
  assert.equal(w.gptq.qweight.length, (128 * 4 / 32) * 352, "qweight [K·b/32, N] int32: 4 bits per weight");
  const stories = loadModel(modelDir("stories260K-gptq-8bit-g64")).blocks[2] as LlamaBlock<Float32Array>;
  assert.ok(isPacked(stories.w.q_proj) && isPacked(stories.w.o_proj));
  assert.ok(stories.w.gate_proj instanceof Float32Array, "MLP width 172 stays float");
  assert.equal(stories.w.gate_proj.length, 172 * 64);
});

test("the act-order folder's g_idx is used: reading groups as k // group_size gives other weights", () => {
  const block = loadModel(modelDir("bytellama-12L-gptq-4bit-g32-actorder")).blocks[0] as LlamaBlock<Float32Array>;
  const w = block.w.q_proj;
  assert.ok(isPacked(w));
  assert.ok(w.gptq.g_idx.some((g, k) => g !== Math.floor(k / 32)), "g_idx is permuted");
  const plain = { ...w.gptq, g_idx: Int32Array.from(w.gptq.g_idx, (_, k) => Math.floor(k / 32)) };
  const x = new Float32Array(128).fill(1), a = new Float32Array(128), b = new Float32Array(128);
  gptqLinearNaive(a, x, w.gptq, 1);
  gptqLinearNaive(b, x, plain, 1);
  assert.ok(a.some((v, i) => v !== b[i]));
  assert.ok(dequantizeGptqNaive(w.gptq).every(Number.isFinite));
});

test("layer streaming on a GPTQ folder gives the in-memory forward's logits", async () => {
  const name = "stories260K-gptq-8bit-g64";
  const ids = Int32Array.from(llamaGolden(name)[0].ids.slice(0, 40));
  const whole = await forward(loadModel(modelDir(name)), ids);
  const { parts, close } = openModel(modelDir(name));
  try {
    let x = parts.embed(ids);
    const run = { pos0: 0, state: new Map() };
    for (let i = 0; i < parts.numLayers; i++) x = parts.loadBlock(i).forward(x, ids.length, run, false);
    const logits = parts.head(parts.finalNorm(x, ids.length), ids.length);
    assertAllClose(logits, whole.logits!, { atol: 0, label: "streamed logits" });
  } finally {
    close();
  }
});

// ---- bad input: one broken thing per copy of stories260K-gptq-8bit-g64 ----

const ROOT = mkdtempSync(join(tmpdir(), "shortgpt-gptq-"));
process.on("exit", () => rmSync(ROOT, { recursive: true, force: true }));

/** A copy of the 8-bit fixture with its tensors (and config) edited. */
function brokenCopy(
  label: string,
  edit: (entries: TensorEntry[]) => TensorEntry[],
  editConfig?: (c: Record<string, unknown>) => void,
): string {
  const from = modelDir("stories260K-gptq-8bit-g64"), to = join(ROOT, label);
  mkdirSync(to, { recursive: true });
  for (const f of readdirSync(from)) copyFileSync(join(from, f), join(to, f));
  const f = SafetensorsFile.open(join(from, "model.safetensors"));
  const entries = [...f.tensors.values()].map((i) => ({
    name: i.name,
    dtype: i.dtype,
    shape: [...i.shape],
    bytes: f.readBytes(i.name),
  }));
  f.close();
  writeSafetensors(join(to, "model.safetensors"), edit(entries));
  if (editConfig) {
    const c = JSON.parse(readFileSync(join(to, "config.json"), "utf8"));
    editConfig(c.quantization_config);
    writeFileSync(join(to, "config.json"), JSON.stringify(c));
  }
  return to;
}

const Q = "model.layers.1.self_attn.k_proj";

const BAD: { what: string; dir: () => string; expect: RegExp }[] = [
  {
    what: "unsupported bits",
    dir: () => brokenCopy("bits5", (e) => e, (qc) => (qc.bits = 5)),
    expect: /quantization_config has bits 5; supported: 2, 3, 4, 8/,
  },
  {
    what: "a qweight whose shape disagrees with bits, in and out",
    dir: () =>
      brokenCopy(
        "qweight-shape",
        (es) => es.map((e) => e.name === `${Q}.qweight` ? { ...e, shape: [e.shape[0] / 2, e.shape[1] * 2] } : e),
      ),
    expect: new RegExp(`Tensor "${Q}.qweight" has shape \\[8, 64\\] but bits 8, group_size 64, in_features 64`),
  },
  {
    what: "a g_idx out of range",
    dir: () =>
      brokenCopy("g-idx", (es) =>
        es.map((e) => {
          if (e.name !== `${Q}.g_idx`) return e;
          const b = new Uint8Array(e.bytes as Uint8Array);
          new DataView(b.buffer).setInt32(4 * 5, 3, true);
          return { ...e, bytes: b };
        })),
    expect: new RegExp(`Tensor "${Q}.g_idx" holds group 3 at input 5; groups run 0..0`),
  },
  {
    what: "missing scales",
    dir: () => brokenCopy("no-scales", (es) => es.filter((e) => e.name !== `${Q}.scales`)),
    expect: new RegExp(`Tensor "${Q}.scales" is missing`),
  },
  {
    what: "another quantization method",
    dir: () => brokenCopy("awq", (e) => e, (qc) => (qc.quant_method = "awq")),
    expect: /quant_method "awq"; only "gptq"/,
  },
];

for (const { what, dir, expect } of BAD) {
  test(`a GPTQ folder with ${what} is a UserError naming it, and exit 1 with one line from the CLI`, async () => {
    const d = dir();
    assert.throws(() => loadModel(d), (e: unknown) => e instanceof UserError && expect.test(e.message));
    const err: string[] = [];
    const write = process.stderr.write;
    process.stderr.write = ((chunk: string | Uint8Array) => {
      err.push(typeof chunk === "string" ? chunk : new TextDecoder().decode(chunk));
      return true;
    }) as typeof process.stderr.write;
    let code: number;
    try {
      code = await main(["forward", d, "--ids", "1,2,3"]);
    } finally {
      process.stderr.write = write;
    }
    assert.equal(code, 1);
    const lines = err.join("").trim().split("\n");
    assert.equal(lines.length, 1, `one line, got: ${err.join("")}`);
    assert.match(lines[0], expect);
  });
}

test("a gptq_v2 folder (zero points stored as they are) gives the v1 folder's logits", async () => {
  const N_OF = (shape: number[]) => shape[1] * 32 / 8; // 8 bits: 4 zero points per word
  const v2 = brokenCopy("v2", (es) =>
    es.map((e) => {
      if (!e.name.endsWith(".qzeros")) return e;
      const b = e.bytes as Uint8Array;
      const words = new Int32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
      const [G] = e.shape, N = N_OF(e.shape), zWords = packedWords(N, 8);
      const out = new Int32Array(words.length);
      for (let g = 0; g < G; g++) {
        const z = Array.from({ length: N }, (_, n) => unpackCode(words, g * zWords, 1, n, 8) + 1);
        assert.ok(z.every((v) => v < 256), "every v1 zero point fits 8 bits after the +1");
        packCodes(out, g * zWords, 1, z, 8);
      }
      return { ...e, bytes: new Uint8Array(out.buffer) };
    }), (qc) => (qc.checkpoint_format = "gptq_v2"));
  const ids = Int32Array.from([1, 403, 407, 261, 30]);
  const a = await forward(loadModel(modelDir("stories260K-gptq-8bit-g64")), ids);
  const b = await forward(loadModel(v2), ids);
  assertAllClose(b.logits!, a.logits!, { atol: 0, label: "v2 vs v1 logits" });
});

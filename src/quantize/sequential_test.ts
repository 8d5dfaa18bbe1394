// The streamed quantizer (one block at a time, driven by the folder writer) writes exactly what
// the whole-model sequential loop computes: every block in memory, each group's Hessian from a
// full forward of the block, every linear packed before anything is written. Also with the
// input's shards listing layers out of order and with the activations spilled to disk.
// Calibration: the first 512 bytes of testdata/texts/tinystories_heldout.txt.
import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dequantizeGptqNaive, type GptqLinear } from "../../kernels/cpu/gptq.ts";
import { gptqQuantize, packGptq } from "../../kernels/cpu/gptq_quantize.ts";
import { cpu } from "../backend/cpu.ts";
import type { Ops } from "../backend/ops.ts";
import { cutWindows } from "../calibration.ts";
import { writeSafetensors } from "../io/safetensors_write.ts";
import { TensorStore } from "../io/store.ts";
import { type LayerWeights, LlamaBlock } from "../models/llama/model.ts";
import { loadModel, ModelFolder } from "../models/load.ts";
import { f16Round, fromFloat32 } from "../tensor.ts";
import { modelDir } from "../testing/golden.ts";
import { test } from "../testing/harness.ts";
import { fileStore } from "../stream/activations.ts";
import { quantizeFolder, type QuantizeSpec } from "./quantize.ts";
import { checkpointName, type LinearName, SEQUENTIAL } from "./sequential.ts";

const bytes = readFileSync("testdata/texts/tinystories_heldout.txt");
const CALIBRATION = cutWindows([...bytes.subarray(0, 512)], 128); // 4 windows

/** The whole-model twin: name → packed linear, every block in memory, full forwards. */
function quantizeInMemory(
  dir: string,
  windows: readonly Int32Array[],
  spec: QuantizeSpec,
  packed: ReadonlySet<LinearName>,
): Map<string, GptqLinear> {
  const model = loadModel(dir);
  const out = new Map<string, GptqLinear>();
  let xs = windows.map((ids) => model.embed(ids));
  model.blocks.forEach((b, i) => {
    const block = b as LlamaBlock<Float32Array>;
    const w = block.w as LayerWeights<Float32Array>;
    for (const group of SEQUENTIAL.map((g) => g.filter((n) => packed.has(n))).filter((g) => g.length > 0)) {
      const inputs: Float32Array[] = []; // the inputs [T,K] of the group's linears, window by window
      const recorder: Ops<Float32Array> = {
        ...cpu,
        linear(x, wt, T, K, N, bias) {
          if (wt === w[group[0]]) inputs.push(x.slice(0, T * K));
          return cpu.linear(x, wt, T, K, N, bias);
        },
      };
      const probe = new LlamaBlock(recorder, block.shape, w, i);
      xs.forEach((x, k) => probe.forward(x, windows[k].length, { pos0: 0, state: new Map() }, false));
      const K = inputs[0].length / windows[0].length;
      const H = new Float64Array(K * K);
      let n = 0;
      for (const x of inputs) {
        const T = x.length / K;
        for (let t = 0; t < T; t++) {
          for (let a = 0; a < K; a++) for (let c = 0; c < K; c++) H[a * K + c] += x[t * K + a] * x[t * K + c];
        }
        n += T;
      }
      for (let j = 0; j < H.length; j++) H[j] *= 2 / n;
      for (const name of group) {
        const N = (w[name] as Float32Array).length / K;
        const q = gptqQuantize(w[name] as Float32Array, H, N, K, {
          ...spec,
          dampPercent: spec.dampPercent ?? 0.01,
          roundScale: f16Round,
        })!;
        const p = packGptq(q, spec.bits, 1);
        out.set(`model.layers.${i}.${checkpointName(name)}`, p);
        w[name] = dequantizeGptqNaive(p);
      }
    }
    xs = xs.map((x, k) => block.forward(x, windows[k].length, { pos0: 0, state: new Map() }, false));
  });
  return out;
}

/** Asserts that folder `dir` stores exactly the packed linears of `expected`. */
function assertStores(dir: string, expected: ReadonlyMap<string, GptqLinear>): void {
  const store = TensorStore.open(dir);
  try {
    const stored = store.names().filter((n) => n.endsWith(".qweight")).map((n) => n.replace(/\.qweight$/, ""));
    assert.deepEqual(stored.sort(), [...expected.keys()].sort());
    const i32 = (b: Uint8Array) => new Int32Array(b.slice().buffer);
    for (const [base, p] of expected) {
      assert.deepEqual(i32(store.readBytes(`${base}.qweight`)), p.qweight, `${base}.qweight`);
      assert.deepEqual(i32(store.readBytes(`${base}.qzeros`)), p.qzeros, `${base}.qzeros`);
      assert.deepEqual(i32(store.readBytes(`${base}.g_idx`)), p.g_idx, `${base}.g_idx`);
      assert.deepEqual(store.readBytes(`${base}.scales`), fromFloat32(p.scales, "F16"), `${base}.scales`);
    }
  } finally {
    store.close();
  }
}

/** A copy of single-shard folder `src` in two shards: the later layers (and the head) first. */
function scrambledShards(src: string, dir: string, from: number): void {
  mkdirSync(dir);
  const store = TensorStore.open(src);
  const late = (n: string) => {
    const layer = /^model\.layers\.(\d+)\./.exec(n);
    return layer ? Number(layer[1]) >= from : !n.startsWith("model.embed_tokens");
  };
  const shards = [store.names().filter(late), store.names().filter((n) => !late(n))];
  const weightMap: Record<string, string> = {};
  shards.forEach((names, s) => {
    const file = `model-0000${s + 1}-of-00002.safetensors`;
    writeSafetensors(
      join(dir, file),
      names.map((name) => {
        const info = store.info(name)!;
        weightMap[name] = file;
        return {
          name,
          dtype: info.dtype,
          shape: info.shape,
          bytes: { path: info.file, begin: info.begin, end: info.end },
        };
      }),
    );
  });
  store.close();
  writeFileSync(join(dir, "model.safetensors.index.json"), JSON.stringify({ weight_map: weightMap }));
  for (const f of readdirSync(src).filter((f) => !f.endsWith(".safetensors"))) copyFileSync(join(src, f), join(dir, f));
}

test("quantizeFolder() streamed writes what the whole-model GPTQ loop computes: bytellama-12L 4-bit g32", () => {
  const dir = mkdtempSync(join(tmpdir(), "shortgpt-sequential-"));
  try {
    const spec: QuantizeSpec = { method: "gptq", bits: 4, groupSize: 32, sym: true, descAct: false };
    const src = new ModelFolder(modelDir("bytellama-12L"));
    quantizeFolder(src, join(dir, "q"), CALIBRATION, spec);
    src.close();
    const expected = quantizeInMemory(modelDir("bytellama-12L"), CALIBRATION, spec, new Set(SEQUENTIAL.flat()));
    assert.equal(expected.size, 12 * 7);
    assertStores(join(dir, "q"), expected);
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test("quantizeFolder() gives the same bytes with shards listing layers out of order and activations on disk", () => {
  const dir = mkdtempSync(join(tmpdir(), "shortgpt-sequential-shards-"));
  try {
    const spec: QuantizeSpec = { method: "gptq", bits: 2, groupSize: 64, sym: false, descAct: true };
    const windows = CALIBRATION.map((w) => w.map((b) => b % 512)); // stories260K's vocabulary
    scrambledShards(modelDir("stories260K"), join(dir, "in"), 3); // layers 3-4 in the first shard, 0-2 in the second
    const layers: number[] = [];
    const src = new ModelFolder(join(dir, "in"));
    quantizeFolder(src, join(dir, "q"), windows, spec, {
      activations: (lengths, D) => fileStore(lengths, D),
      onLayer: (i) => layers.push(i),
    });
    src.close();
    assert.deepEqual(layers, [0, 1, 2, 3, 4], "every layer once, in order, whatever the shards' order");
    // stories260K's MLP (172 wide) stays float: only the attention linears are packed.
    const attention = new Set<LinearName>(["q_proj", "k_proj", "v_proj", "o_proj"]);
    assertStores(join(dir, "q"), quantizeInMemory(modelDir("stories260K"), windows, spec, attention));
  } finally {
    rmSync(dir, { recursive: true });
  }
});

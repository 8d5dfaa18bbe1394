// Head removal (docs/conventions.md "Head removal"): parsing and checking head lists, the row/column edits, and the
// properties that pin the method on real models and on qwen2 (q/k/v biases) and baichuan
// (fused W_pack, ALiBi) folders built from stories260K:
// - mask and physical removal give the same logits, in memory and saved;
// - removing a head whose o_proj columns are already zero changes nothing;
// - a grouped-query model written out as multi-head gives identical outputs (stories260K-mha);
// - removing several heads in one call equals removing them one at a time;
// - a saved folder reloads to exactly the logits of the in-memory removal.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { randomArray } from "../../kernels/cpu/_random.ts";
import { UserError } from "../errors.ts";
import type { RawLlamaConfig } from "../models/llama/config.ts";
import { readRawConfig } from "../io/config_json.ts";
import { writeSafetensors } from "../io/safetensors_write.ts";
import { TensorStore } from "../io/store.ts";
import { forward } from "../models/forward.ts";
import { loadModel } from "../models/load.ts";
import type { LlamaBlock } from "../models/llama/model.ts";
import type { CausalLM } from "../models/model.ts";
import { fromFloat32, type Tensor } from "../tensor.ts";
import { assertAllClose, maxAbsDiff } from "../testing/assert.ts";
import { modelDir } from "../testing/golden.ts";
import { test } from "../testing/harness.ts";
import {
  checkHeadList,
  expandKvHeads,
  formatHeadList,
  headCounts,
  type HeadRef,
  parseHeadList,
  planHeadRemoval,
  takeColBlocks,
  takeRowBlocks,
  withoutHeads,
  zeroColBlocks,
} from "./remove_heads.ts";
import { saveHeadPruned } from "./remove_heads_save.ts";

const IDS = Int32Array.from([1, 403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315]);
/** babyllama105 has a vocabulary of 105. */
const idsFor = (model: CausalLM) => IDS.map((id) => id % model.info.vocabSize);

const userError = (re: RegExp) => (e: unknown) => e instanceof UserError && re.test(e.message);

async function logits(model: CausalLM): Promise<Float32Array> {
  return (await forward(model, idsFor(model))).logits!;
}

// ---------------------------------------------------------------------------------------------
// Head lists

test("parseHeadList() reads L:H pairs with spaces and round-trips formatHeadList()", () => {
  assert.deepEqual(parseHeadList("0:1,3:5"), [[0, 1], [3, 5]]);
  assert.deepEqual(parseHeadList(" 2 : 7 , 0:0 "), [[2, 7], [0, 0]]);
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat(1000), fc.nat(1000)), { minLength: 1, maxLength: 20 }), (heads) => {
      assert.deepEqual(parseHeadList(formatHeadList(heads)), heads);
    }),
  );
});

test("parseHeadList() rejects malformed items, naming the item and the expected form", () => {
  for (
    const bad of [
      "",
      "1",
      "1:",
      ":2",
      "1:2:3",
      "a:1",
      "1:-2",
      "1-2",
      "1:2,",
      "1:2,,3:4",
      "1.5:2",
      "99999999999999999999:1",
    ]
  ) {
    assert.throws(() => parseHeadList(bad), userError(/--heads/), `"${bad}" must be rejected`);
  }
  assert.throws(() => parseHeadList("0:1,x"), userError(/item 2 is "x"; expected LAYER:HEAD/));
  assert.throws(() => parseHeadList("0:1,"), userError(/item 2 is an empty item/));
});

test("checkHeadList() rejects no heads, layers and heads out of range, duplicates, and all heads of a layer", () => {
  const H = [8, 8, 4];
  assert.throws(() => checkHeadList([], H), userError(/No heads to remove/));
  assert.throws(() => checkHeadList([[3, 0]], H), userError(/layer 3 is out of range; the model has layers 0\.\.2/));
  assert.throws(() => checkHeadList([[2, 4]], H), userError(/head 4 is out of range; layer 2 has heads 0\.\.3/));
  assert.throws(() => checkHeadList([[0, -1]], H), userError(/out of range/));
  assert.throws(() => checkHeadList([[0, 1], [1, 1], [0, 1]], H), userError(/Head 0:1 is listed twice/));
  assert.throws(
    () => checkHeadList([[2, 0], [2, 1], [2, 2], [2, 3]], H),
    userError(/Removing all 4 heads of layer 2.*shortgpt prune <model> --out DIR --layers 2/),
  );
  checkHeadList([[2, 0], [2, 1], [2, 2], [0, 7]], H); // three of four is fine
});

test("planHeadRemoval() follows docs/heads.md: H=4, Hkv=2, remove head 1", () => {
  // Query heads 0,1 read kv head 0; heads 2,3 read kv head 1. Head 1 goes; head 0 keeps its own
  // copy of kv head 0, heads 2 and 3 each get a copy of kv head 1.
  assert.deepEqual(planHeadRemoval(4, 2, [1]), { H: 4, Hkv: 2, keptHeads: [0, 2, 3], kvSource: [0, 1, 1] });
  assert.deepEqual(planHeadRemoval(4, 4, [1]), { H: 4, Hkv: 4, keptHeads: [0, 2, 3], kvSource: [0, 2, 3] });
  assert.deepEqual(planHeadRemoval(8, 2, []).kvSource, [0, 0, 0, 0, 1, 1, 1, 1]);
  assert.deepEqual(planHeadRemoval(8, 1, [0, 7]).kvSource, [0, 0, 0, 0, 0, 0]);
});

// ---------------------------------------------------------------------------------------------
// Row and column edits against plain element loops

test("takeRowBlocks / takeColBlocks / zeroColBlocks equal element-by-element selection", () => {
  const cases = fc.record({
    rows: fc.integer({ min: 1, max: 5 }),
    nBlocks: fc.integer({ min: 1, max: 6 }),
    bs: fc.integer({ min: 1, max: 4 }), // block size (Hd)
    size: fc.constantFrom(1, 2, 4, 8), // bytes per element
    seed: fc.nat(),
  }).chain((c) => fc.tuple(fc.constant(c), fc.shuffledSubarray(Array.from({ length: c.nBlocks }, (_, b) => b))));
  fc.assert(
    fc.property(cases, ([{ rows, nBlocks, bs, size, seed }, pick]) => {
      const cols = nBlocks * bs;
      const bytes = Uint8Array.from(randomArray(rows * cols * size, seed), (x) => Math.floor((x + 1) * 127));
      const el = (r: number, c: number, w: number) => [...bytes.subarray((r * w + c) * size, (r * w + c + 1) * size)];
      const at = (
        a: Uint8Array,
        r: number,
        c: number,
        w: number,
      ) => [...a.subarray((r * w + c) * size, (r * w + c + 1) * size)];
      // columns of a [rows, cols] matrix
      const taken = takeColBlocks(bytes, rows, cols, size, bs, pick);
      const zeroed = zeroColBlocks(bytes, rows, cols, size, bs, pick);
      const w2 = pick.length * bs;
      for (let r = 0; r < rows; r++) {
        for (let c = 0; c < cols; c++) {
          assert.deepEqual(
            at(zeroed, r, c, cols),
            pick.includes(Math.floor(c / bs)) ? Array(size).fill(0) : el(r, c, cols),
          );
        }
        for (let c = 0; c < w2; c++) {
          assert.deepEqual(at(taken, r, c, w2), el(r, pick[Math.floor(c / bs)] * bs + (c % bs), cols));
        }
      }
      // rows: the same bytes read as a [nBlocks·bs, rows] matrix
      const rowsOut = takeRowBlocks(bytes, rows, size, bs, pick);
      for (let r = 0; r < pick.length * bs; r++) {
        for (let c = 0; c < rows; c++) {
          assert.deepEqual(at(rowsOut, r, c, rows), el(pick[Math.floor(r / bs)] * bs + (r % bs), c, rows));
        }
      }
    }),
    { numRuns: 60 },
  );
});

// ---------------------------------------------------------------------------------------------
// Family variants built from stories260K (as src/models/families_test.ts does)

function readTensors(dir: string): Map<string, Tensor> {
  const store = TensorStore.open(dir);
  const m = new Map(store.names().map((n) => [n, store.read(n)] as const));
  store.close();
  return m;
}

function writeFolder(config: RawLlamaConfig, tensors: Map<string, Tensor>): string {
  const dir = mkdtempSync(join(tmpdir(), "shortgpt-heads-family-"));
  writeFileSync(join(dir, "config.json"), JSON.stringify(config));
  writeSafetensors(
    join(dir, "model.safetensors"),
    [...tensors].map(([name, t]) => ({
      name,
      dtype: "F32" as const,
      shape: t.shape,
      bytes: fromFloat32(t.data, "F32"),
    })),
  );
  return dir;
}

/** stories260K as qwen2: random (nonzero) q/k/v biases, so bias rows must move with their heads. */
function qwen2Folder(): string {
  const raw = readRawConfig(modelDir("stories260K")) as RawLlamaConfig;
  const t = readTensors(modelDir("stories260K"));
  const { num_hidden_layers: L, num_attention_heads: H, num_key_value_heads: Hkv, head_dim: Hd } = raw as Required<
    RawLlamaConfig
  >;
  for (let i = 0; i < L; i++) {
    for (const [x, n] of [["q", H], ["k", Hkv], ["v", Hkv]] as const) {
      t.set(`model.layers.${i}.self_attn.${x}_proj.bias`, {
        data: randomArray(n * Hd, 17 * i + x.charCodeAt(0), 0.3),
        shape: [n * Hd],
      });
    }
  }
  return writeFolder({ ...raw, model_type: "qwen2" }, t);
}

/** stories260K as baichuan: q/k/v fused into W_pack (grouped-query rows: 8 q, 4 k, 4 v heads). */
function baichuanFolder(source: string, extra: RawLlamaConfig = {}, drop: string[] = []): string {
  const raw = readRawConfig(modelDir(source)) as RawLlamaConfig;
  const t = readTensors(modelDir(source));
  for (let i = 0; i < raw.num_hidden_layers!; i++) {
    const p = `model.layers.${i}.self_attn`;
    const parts = ["q", "k", "v"].map((x) => t.get(`${p}.${x}_proj.weight`)!);
    const pack = new Float32Array(parts.reduce((n, x) => n + x.data.length, 0));
    let o = 0;
    for (const x of parts) pack.set(x.data, o), o += x.data.length;
    for (const x of ["q", "k", "v"]) t.delete(`${p}.${x}_proj.weight`);
    t.set(`${p}.W_pack.weight`, { data: pack, shape: [pack.length / raw.hidden_size!, raw.hidden_size!] });
  }
  const config: RawLlamaConfig = { ...raw, model_type: "baichuan", ...extra };
  for (const k of drop) delete config[k];
  return writeFolder(config, t);
}

interface Fixture {
  name: string;
  /** The model folder: a bundled one, or a temporary one built for the test. */
  dir?: string;
  build?: () => string;
}

const FIXTURES: Fixture[] = [
  { name: "stories260K (GQA 8/4)", dir: modelDir("stories260K") },
  { name: "stories260K-mha", dir: modelDir("stories260K-mha") },
  { name: "babyllama105 (GQA 8/4)", dir: modelDir("babyllama105") },
  { name: "qwen2 (q/k/v biases, GQA)", build: qwen2Folder },
  { name: "baichuan (W_pack, GQA)", build: () => baichuanFolder("stories260K") },
  {
    name: "baichuan (W_pack, MHA, ALiBi)",
    build: () => baichuanFolder("stories260K-mha", {}, ["max_position_embeddings", "rope_theta"]),
  },
];

/** Runs `fn` on the fixture's folder, removing a built one afterwards. */
async function withFixture(fx: Fixture, fn: (dir: string) => Promise<void> | void): Promise<void> {
  const dir = fx.dir ?? fx.build!();
  try {
    await fn(dir);
  } finally {
    if (!fx.dir) rmSync(dir, { recursive: true, force: true });
  }
}

/** Any set of heads that leaves every layer at least one head, at least one head in all. */
function headSets(numHeads: readonly number[], maxPerLayer = 3): fc.Arbitrary<HeadRef[]> {
  return fc.tuple(
    ...numHeads.map((H, l) =>
      fc.subarray(Array.from({ length: H }, (_, h) => [l, h] as HeadRef), { maxLength: Math.min(maxPerLayer, H - 1) })
    ),
  ).map((perLayer) => perLayer.flat()).filter((hs) => hs.length > 0);
}

for (const fx of FIXTURES) {
  test(`${fx.name}: mask and physical removal give the same logits, for any set of heads`, () =>
    withFixture(fx, async (dir) => {
      const model = loadModel(dir);
      const dense = await logits(model);
      await fc.assert(
        fc.asyncProperty(headSets(headCounts(model)), async (heads) => {
          const physical = await logits(await withoutHeads(model, heads));
          const masked = await logits(await withoutHeads(model, heads, { mode: "mask" }));
          assertAllClose(physical, masked, { atol: 1e-6, label: `${fx.name} without ${formatHeadList(heads)}` });
          assert.ok(maxAbsDiff(physical, dense) > 0, "removing a head must change the logits");
        }),
        { numRuns: 20 },
      );
      assertAllClose(await logits(model), dense, { atol: 0, label: "the model itself is untouched" });
    }));

  test(`${fx.name}: removing a head whose o_proj columns are already zero changes nothing`, () =>
    withFixture(fx, async (dir) => {
      const model = loadModel(dir);
      await fc.assert(
        fc.asyncProperty(headSets(headCounts(model), 1), async (heads) => {
          const [l, h] = heads[0];
          const zeroed = await withoutHeads(model, [[l, h]], { mode: "mask" });
          const expected = await logits(zeroed);
          assertAllClose(await logits(await withoutHeads(zeroed, [[l, h]])), expected, {
            atol: 1e-6,
            label: `physical ${l}:${h}`,
          });
          assertAllClose(await logits(await withoutHeads(zeroed, [[l, h]], { mode: "mask" })), expected, {
            atol: 0,
            label: `mask ${l}:${h} again`,
          });
        }),
        { numRuns: 6 },
      );
    }));

  test(`${fx.name}: removing several heads in one call equals removing them one at a time`, () =>
    withFixture(fx, async (dir) => {
      const model = loadModel(dir);
      await fc.assert(
        fc.asyncProperty(
          headSets(headCounts(model)),
          fc.constantFrom("physical" as const, "mask" as const),
          async (heads, mode) => {
            const once = await logits(await withoutHeads(model, heads, { mode }));
            // One at a time, highest head first within a layer, so the lower numbers stay valid.
            let m = model;
            for (const hd of [...heads].sort((a, b) => b[1] - a[1])) m = await withoutHeads(m, [hd], { mode });
            assertAllClose(await logits(m), once, { atol: 0, label: `${mode} ${formatHeadList(heads)}` });
          },
        ),
        { numRuns: 6 },
      );
    }));

  test(`${fx.name}: saved folders (physical, mask) reload to the in-memory logits exactly`, () =>
    withFixture(fx, async (src) => {
      const out = mkdtempSync(join(tmpdir(), "shortgpt-heads-out-"));
      try {
        const model = loadModel(src);
        const L = model.blocks.length;
        const heads: HeadRef[] = [[0, 1], [L - 1, 0], [L - 1, 5], [1, 7]];
        for (const mode of ["physical", "mask"] as const) {
          const dir = join(out, mode);
          saveHeadPruned(src, dir, heads, { mode });
          const reloaded = loadModel(dir);
          const expected = await logits(await withoutHeads(model, heads, { mode }));
          assertAllClose(await logits(reloaded), expected, { atol: 0, label: `${fx.name} saved ${mode}` });
          const H = headCounts(reloaded);
          assert.deepEqual(
            H,
            mode === "mask"
              ? headCounts(model)
              : headCounts(model).map((n, l) => n - heads.filter(([x]) => x === l).length),
          );
        }
      } finally {
        rmSync(out, { recursive: true });
      }
    }));
}

test("the family fixtures are what they claim (biases, W_pack, ALiBi)", async () => {
  await withFixture(FIXTURES[3], (dir) => {
    const qwen = TensorStore.open(dir);
    assert.ok(qwen.has("model.layers.0.self_attn.k_proj.bias"));
    qwen.close();
  });
  await withFixture(FIXTURES[4], (dir) => {
    const pack = TensorStore.open(dir);
    assert.deepEqual(pack.info("model.layers.0.self_attn.W_pack.weight")!.shape, [128, 64]); // (8 + 2·4)·8 rows
    pack.close();
  });
  await withFixture(FIXTURES[5], (dir) => {
    const alibi = loadModel(dir).blocks[0] as LlamaBlock<Float32Array>;
    assert.ok(alibi.shape.alibi !== null && alibi.shape.rope === null);
  });
});

// ---------------------------------------------------------------------------------------------
// Grouped-query attention written out as multi-head

test("a GQA model expanded to multi-head gives identical outputs, and equals testdata/models/stories260K-mha", async () => {
  const gqa = loadModel(modelDir("stories260K"));
  const expanded = await expandKvHeads(gqa);
  const blocks = expanded.blocks as LlamaBlock<Float32Array>[];
  assert.deepEqual(blocks.map((b) => [b.shape.H, b.shape.Hkv]), Array(5).fill([8, 8]));
  assertAllClose(await logits(expanded), await logits(gqa), { atol: 1e-6, label: "expanded vs GQA" });
  const mha = loadModel(modelDir("stories260K-mha"));
  assertAllClose(await logits(expanded), await logits(mha), { atol: 1e-6, label: "expanded vs stories260K-mha" });
  // The expansion's weights are exactly the stored MHA folder's.
  const mhaBlocks = mha.blocks as LlamaBlock<Float32Array>[];
  for (let l = 0; l < 5; l++) {
    for (const w of ["q_proj", "k_proj", "v_proj", "o_proj"] as const) {
      assertAllClose(blocks[l].w[w], mhaBlocks[l].w[w], { atol: 0, label: `layer ${l} ${w}` });
    }
  }
  const baby = loadModel(modelDir("babyllama105"));
  assertAllClose(await logits(await expandKvHeads(baby)), await logits(baby), {
    atol: 1e-6,
    label: "babyllama105 expanded",
  });
});

test("physical removal in a GQA layer leaves plain multi-head attention with one head fewer", async () => {
  const model = loadModel(modelDir("stories260K"));
  const pruned = await withoutHeads(model, [[2, 3]]);
  const b = pruned.blocks[2] as LlamaBlock<Float32Array>;
  assert.deepEqual([b.shape.H, b.shape.Hkv], [7, 7]);
  assert.equal(b.w.q_proj.length, 7 * 8 * 64);
  assert.equal(b.w.k_proj.length, 7 * 8 * 64);
  assert.equal(b.w.o_proj.length, 64 * 7 * 8);
  assert.strictEqual(pruned.blocks[1], model.blocks[1], "untouched blocks are shared");
  // Query head 4 (now 3) read kv head 2 and still does: its key rows are kv head 2's.
  const orig = model.blocks[2] as LlamaBlock<Float32Array>;
  assertAllClose(b.w.k_proj.subarray(3 * 8 * 64, 4 * 8 * 64), orig.w.k_proj.subarray(2 * 8 * 64, 3 * 8 * 64), {
    atol: 0,
    label: "k rows",
  });
});

test("withoutHeads() refuses RWKV models and bad head lists", async () => {
  const rwkv = loadModel("testdata/models/tiny-rwkv-5v2-730K");
  await assert.rejects(() => withoutHeads(rwkv, [[0, 0]]), userError(/Head removal needs a Llama-family model/));
  const model = loadModel(modelDir("stories260K"));
  await assert.rejects(() => withoutHeads(model, [[0, 8]]), userError(/head 8 is out of range/));
  await assert.rejects(
    () => withoutHeads(model, Array.from({ length: 8 }, (_, h) => [4, h] as HeadRef)),
    userError(/--layers 4/),
  );
});

/**
 * Attention-head removal (paper Sec. 4.2, Fig. 6; docs/conventions.md "Head removal"), in memory.
 *
 * Self-attention is a sum over heads: with `o_h` = head h's output [T,Hd] and `W_o[:, h]` its
 * `Hd` columns of `o_proj` [D, H·Hd],
 *
 *   ATTN(x) = Σ_h o_h · W_o[:, h]ᵀ  (+ o_bias)
 *
 * so a head can be taken out two ways that give the same block output:
 *
 * - **mask**: zero `W_o[:, h]`. Shapes stay stock; the head is still computed, then ignored.
 * - **physical**: drop head h's `Hd` rows of `q_proj` (and biases) and its `Hd` columns of
 *   `o_proj`. Its key/value rows go too, but only when no other query head reads them: under
 *   grouped-query attention (Hkv < H) query head h reads kv head ⌊h / (H/Hkv)⌋, shared with its
 *   group. We then first write the layer's key/value projections out per query head (what
 *   attention does at run time) and drop afterwards, so the layer becomes plain multi-head
 *   attention with one head fewer (Hkv = H). See docs/heads.md for a worked example.
 *
 * The same row/column selection serves the in-memory models here and the folder writer in
 * `remove_heads_save.ts`; it works on bytes, so stored F32/F16/BF16 values are copied exactly.
 *
 * Layer and head numbers are the model's own (0-based): for a model loaded from a pruned folder,
 * its current layers and heads.
 *
 * @module
 */
import { isPacked } from "../backend/ops.ts";
import { UserError } from "../errors.ts";
import { type LayerWeights, LlamaBlock } from "../models/llama/model.ts";
import type { CausalLM } from "../models/model.ts";
import { withBlocks } from "./remove_layers.ts";

/** One attention head: `[layer, head]`, 0-based. */
export type HeadRef = readonly [layer: number, head: number];

/** How a head is taken out: `"physical"` drops its rows and columns, `"mask"` zeroes its o_proj columns. */
export type HeadMode = "physical" | "mask";

/** The modes {@link HeadMode} allows, for flag parsing. */
export const HEAD_MODES: readonly HeadMode[] = ["physical", "mask"];

/**
 * Parses `--heads` syntax `L:H[,L:H...]` (spaces allowed) into `[layer, head]` pairs.
 * Only the syntax is checked here; {@link checkHeadList} checks ranges against a model.
 *
 * @example
 * ```ts
 * import { parseHeadList } from "./remove_heads.ts";
 * parseHeadList("0:1, 3:5"); // [[0, 1], [3, 5]]
 * ```
 */
export function parseHeadList(text: string, where = "--heads"): [number, number][] {
  const items = text.split(",").map((s) => s.trim());
  if (items.length === 1 && items[0] === "") {
    throw new UserError(`${where} is empty; give heads as LAYER:HEAD pairs, e.g. ${where} 0:1,3:5`);
  }
  return items.map((item, i) => {
    const m = /^(\d+)\s*:\s*(\d+)$/.exec(item);
    if (!m) {
      const shown = item === "" ? "an empty item" : `"${item}"`;
      throw new UserError(
        `${where}: item ${i + 1} is ${shown}; expected LAYER:HEAD with 0-based numbers, e.g. 3:5 (layer 3, head 5)`,
      );
    }
    const layer = Number(m[1]), head = Number(m[2]);
    if (!Number.isSafeInteger(layer) || !Number.isSafeInteger(head)) {
      throw new UserError(`${where}: item ${i + 1} "${item}" holds a number too large to be a layer or head`);
    }
    return [layer, head];
  });
}

/** Formats heads as `--heads` syntax: `0:1,3:5`. */
export function formatHeadList(heads: readonly HeadRef[]): string {
  return heads.map(([l, h]) => `${l}:${h}`).join(",");
}

/**
 * Checks `heads` against a model with `numHeads[l]` query heads in layer l: at least one head,
 * layers and heads in range, no duplicates, and never every head of a layer (that is removing
 * the layer's attention; the message suggests removing the layer instead).
 */
export function checkHeadList(heads: readonly HeadRef[], numHeads: readonly number[]): void {
  const L = numHeads.length;
  if (heads.length === 0) throw new UserError(`No heads to remove; give at least one LAYER:HEAD, e.g. --heads 0:1`);
  const seen = new Set<string>();
  const perLayer = new Map<number, number>();
  for (const [layer, head] of heads) {
    if (!Number.isInteger(layer) || layer < 0 || layer >= L) {
      throw new UserError(`Head ${layer}:${head}: layer ${layer} is out of range; the model has layers 0..${L - 1}`);
    }
    const H = numHeads[layer];
    if (!Number.isInteger(head) || head < 0 || head >= H) {
      throw new UserError(`Head ${layer}:${head}: head ${head} is out of range; layer ${layer} has heads 0..${H - 1}`);
    }
    const key = `${layer}:${head}`;
    if (seen.has(key)) throw new UserError(`Head ${key} is listed twice; list each head once`);
    seen.add(key);
    perLayer.set(layer, (perLayer.get(layer) ?? 0) + 1);
  }
  for (const [layer, n] of perLayer) {
    if (n === numHeads[layer]) {
      throw new UserError(
        `Removing all ${n} heads of layer ${layer} leaves it no attention; remove at most ${n - 1}, ` +
          `or remove the whole layer instead: shortgpt prune <model> --out DIR --layers ${layer}`,
      );
    }
  }
}

/** The heads to remove, grouped by layer, each list ascending; layers ascending. */
export function headsByLayer(heads: readonly HeadRef[]): Map<number, number[]> {
  const m = new Map<number, number[]>();
  for (const [l, h] of [...heads].sort((a, b) => a[0] - b[0] || a[1] - b[1])) {
    if (!m.has(l)) m.set(l, []);
    m.get(l)!.push(h);
  }
  return m;
}

// ---------------------------------------------------------------------------------------------
// The plan of one layer: which query heads stay and where each new key/value head comes from.

/** How physical removal rebuilds one layer's attention. */
export interface LayerHeadPlan {
  /** Query heads before removal (H). */
  H: number;
  /** Key/value heads before removal (Hkv). */
  Hkv: number;
  /** Query heads kept, ascending: their rows of q_proj and columns of o_proj, in this order. */
  keptHeads: number[];
  /**
   * For each new key/value head, the old kv head its rows are copied from: kv head
   * ⌊h / (H/Hkv)⌋ of each kept query head h. One per kept query head, so the new layer is
   * plain multi-head (H' = Hkv' = keptHeads.length). Under MHA this is just `keptHeads`.
   */
  kvSource: number[];
}

/**
 * The physical-removal plan of a layer with `H` query and `Hkv` key/value heads that loses
 * `removed`. With `removed = []` and Hkv < H it is the plain expansion of grouped-query
 * attention to multi-head attention.
 *
 * @example
 * ```ts
 * import { planHeadRemoval } from "./remove_heads.ts";
 * planHeadRemoval(4, 2, [1]); // { H: 4, Hkv: 2, keptHeads: [0, 2, 3], kvSource: [0, 1, 1] }
 * ```
 */
export function planHeadRemoval(H: number, Hkv: number, removed: readonly number[]): LayerHeadPlan {
  if (!(H % Hkv === 0)) throw new Error(`planHeadRemoval: H=${H} is not a multiple of Hkv=${Hkv}`);
  const gone = new Set(removed);
  const keptHeads = Array.from({ length: H }, (_, h) => h).filter((h) => !gone.has(h));
  const group = H / Hkv; // query heads per kv head
  return { H, Hkv, keptHeads, kvSource: keptHeads.map((h) => Math.floor(h / group)) };
}

// ---------------------------------------------------------------------------------------------
// Row and column selection on row-major matrices, in bytes (`size` bytes per element), so the
// same code edits float32 arrays in memory and F32/F16/BF16 tensors as stored.

/**
 * Blocks of `blockRows` rows of a row-major matrix with `cols` columns, in the order of `blocks`:
 * block b is rows b·blockRows .. (b+1)·blockRows − 1. (A head's rows of q_proj are one block of
 * Hd rows; a bias is a matrix with one column.)
 */
export function takeRowBlocks(
  bytes: Uint8Array,
  cols: number,
  size: number,
  blockRows: number,
  blocks: readonly number[],
): Uint8Array {
  const blockBytes = blockRows * cols * size;
  const out = new Uint8Array(blocks.length * blockBytes);
  blocks.forEach((b, i) => out.set(bytes.subarray(b * blockBytes, (b + 1) * blockBytes), i * blockBytes));
  return out;
}

/**
 * Blocks of `blockCols` columns of a row-major [rows, cols] matrix, in the order of `blocks`
 * (a head's columns of o_proj are one block of Hd columns). Result: [rows, blocks.length·blockCols].
 */
export function takeColBlocks(
  bytes: Uint8Array,
  rows: number,
  cols: number,
  size: number,
  blockCols: number,
  blocks: readonly number[],
): Uint8Array {
  const rowBytes = cols * size, blockBytes = blockCols * size;
  const outRowBytes = blocks.length * blockBytes;
  const out = new Uint8Array(rows * outRowBytes);
  for (let r = 0; r < rows; r++) {
    blocks.forEach((b, i) => {
      const from = r * rowBytes + b * blockBytes;
      out.set(bytes.subarray(from, from + blockBytes), r * outRowBytes + i * blockBytes);
    });
  }
  return out;
}

/** A copy of a row-major [rows, cols] matrix with column blocks `blocks` (of `blockCols`) set to zero bytes (+0.0). */
export function zeroColBlocks(
  bytes: Uint8Array,
  rows: number,
  cols: number,
  size: number,
  blockCols: number,
  blocks: readonly number[],
): Uint8Array {
  const out = bytes.slice();
  const rowBytes = cols * size, blockBytes = blockCols * size;
  for (let r = 0; r < rows; r++) {
    for (const b of blocks) out.fill(0, r * rowBytes + b * blockBytes, r * rowBytes + (b + 1) * blockBytes);
  }
  return out;
}

const bytesOf = (a: Float32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
const floatsOf = (b: Uint8Array) => new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);

// ---------------------------------------------------------------------------------------------
// In memory: new blocks for the affected layers, every other block shared with the model.

/** The blocks of `model` as Llama-family blocks, or a UserError for families without attention heads. */
function attentionBlocks<A>(model: CausalLM<A>): LlamaBlock<A>[] {
  return model.blocks.map((b, i) => {
    if (!(b instanceof LlamaBlock)) {
      throw new UserError(
        `Head removal needs a Llama-family model (llama, mistral, qwen2, baichuan); block ${i} of this "${model.info.family}" model has no attention heads`,
      );
    }
    return b as LlamaBlock<A>;
  });
}

/** Query heads per layer of `model` (H of each block). */
export function headCounts<A>(model: CausalLM<A>): number[] {
  return attentionBlocks(model).map((b) => b.shape.H);
}

/**
 * The float weight of attention linear `name` of `block`; a GPTQ-packed one is refused (its
 * columns share per-group scales, so a head's columns cannot be cut or zeroed in place).
 */
function denseWeight<A>(block: LlamaBlock<A>, name: "q_proj" | "k_proj" | "v_proj" | "o_proj"): A {
  const w = block.w[name];
  if (isPacked(w)) {
    throw new UserError(
      `Layer ${block.originalIndex}'s self_attn.${name} is GPTQ-packed; removing heads needs float weights ` +
        "(prune whole layers of a GPTQ folder with prune, or remove heads before quantizing)",
    );
  }
  return w;
}

/** A copy of `block` with the o_proj columns of heads `removed` zeroed (mask mode). */
async function maskBlock<A>(block: LlamaBlock<A>, removed: readonly number[]): Promise<LlamaBlock<A>> {
  const { ops, w, shape } = block;
  const { D, H, Hd } = shape;
  const o = bytesOf(await ops.read(denseWeight(block, "o_proj"))); // [D, H·Hd]
  const o_proj = ops.upload(floatsOf(zeroColBlocks(o, D, H * Hd, 4, Hd, removed)));
  return new LlamaBlock(ops, shape, { ...w, o_proj }, block.originalIndex);
}

/** A new block built from `block` by `plan` (physical removal, or GQA expansion when nothing is removed). */
async function rebuildBlock<A>(block: LlamaBlock<A>, plan: LayerHeadPlan): Promise<LlamaBlock<A>> {
  const { ops, w, shape } = block;
  const { D, H, Hd } = shape;
  const read = async (a: A) => bytesOf(await ops.read(a));
  const rows = async (a: A, cols: number, heads: readonly number[]) =>
    ops.upload(floatsOf(takeRowBlocks(await read(a), cols, 4, Hd, heads)));
  const bias = (a: A | undefined, heads: readonly number[]) => (a === undefined ? undefined : rows(a, 1, heads));
  const weights: LayerWeights<A> = {
    ...w,
    q_proj: await rows(denseWeight(block, "q_proj"), D, plan.keptHeads), // [H'·Hd, D]
    k_proj: await rows(denseWeight(block, "k_proj"), D, plan.kvSource), // [H'·Hd, D]
    v_proj: await rows(denseWeight(block, "v_proj"), D, plan.kvSource), // [H'·Hd, D]
    q_bias: await bias(w.q_bias, plan.keptHeads), // [H'·Hd]
    k_bias: await bias(w.k_bias, plan.kvSource),
    v_bias: await bias(w.v_bias, plan.kvSource),
    o_proj: ops.upload(
      floatsOf(takeColBlocks(await read(denseWeight(block, "o_proj")), D, H * Hd, 4, Hd, plan.keptHeads)),
    ), // [D, H'·Hd]
  };
  const n = plan.keptHeads.length;
  // ALiBi slopes belong to heads: the kept heads keep theirs (a fresh alibiSlopes(H') would not).
  const alibi = shape.alibi ? Float32Array.from(plan.keptHeads, (h) => shape.alibi![h]) : null;
  return new LlamaBlock(ops, { ...shape, H: n, Hkv: n, alibi }, weights, block.originalIndex);
}

/**
 * A view of `model` without the attention heads `heads` (`[layer, head]` in the model's own
 * numbering). `"physical"` (the default) rebuilds the affected layers with fewer heads, expanding
 * grouped-query layers to multi-head first; `"mask"` zeroes the heads' o_proj columns. Both give
 * the same outputs. Unaffected blocks and all other weights are shared; `model` is untouched.
 *
 * @example
 * ```ts
 * import { loadModel } from "../models/load.ts";
 * import { withoutHeads } from "./remove_heads.ts";
 * const model = loadModel("testdata/models/stories260K");
 * const pruned = await withoutHeads(model, [[0, 1], [3, 5]]);
 * const masked = await withoutHeads(model, [[0, 1], [3, 5]], { mode: "mask" }); // same logits
 * ```
 */
export async function withoutHeads<A>(
  model: CausalLM<A>,
  heads: readonly HeadRef[],
  { mode = "physical" }: { mode?: HeadMode } = {},
): Promise<CausalLM<A>> {
  const blocks = attentionBlocks(model);
  checkHeadList(heads, blocks.map((b) => b.shape.H));
  const out: CausalLM<A>["blocks"] = [...model.blocks];
  for (const [layer, removed] of headsByLayer(heads)) {
    const b = blocks[layer];
    out[layer] = mode === "mask"
      ? await maskBlock(b, removed)
      : await rebuildBlock(b, planHeadRemoval(b.shape.H, b.shape.Hkv, removed));
  }
  return withBlocks(model, out);
}

/**
 * A view of `model` whose grouped-query layers are written out as plain multi-head attention:
 * each query head gets its own copy of the key/value rows it reads. Outputs are identical (the
 * same numbers meet in the same order); `testdata/models/stories260K-mha` is this expansion of
 * `stories260K`, saved.
 *
 * @example
 * ```ts
 * import { loadModel } from "../models/load.ts";
 * import { expandKvHeads } from "./remove_heads.ts";
 * const mha = await expandKvHeads(loadModel("testdata/models/stories260K")); // 8 kv heads per layer
 * ```
 */
export async function expandKvHeads<A>(model: CausalLM<A>): Promise<CausalLM<A>> {
  const blocks = attentionBlocks(model);
  const out: CausalLM<A>["blocks"] = [];
  for (const b of blocks) {
    out.push(b.shape.Hkv === b.shape.H ? b : await rebuildBlock(b, planHeadRemoval(b.shape.H, b.shape.Hkv, [])));
  }
  return withBlocks(model, out);
}

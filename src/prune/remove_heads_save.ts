/**
 * Saving a model with attention heads removed (docs/conventions.md "Head removal", docs/heads.md): a new Hugging Face folder,
 * written by the folder rewriter layer removal uses (rewrite_folder.ts) with an edit callback.
 *
 * - `"physical"`: the affected layers' q/k/v projections (or Baichuan's fused `W_pack`) lose the
 *   removed heads' rows, after grouped-query layers are written out per query head; `o_proj`
 *   loses their columns; Qwen2-style q/k/v biases lose their entries. config.json gets per-layer
 *   `layer_num_attention_heads` / `layer_num_key_value_heads` lists and an explicit `head_dim`;
 *   `num_attention_heads` / `num_key_value_heads` keep the input's values. Stock
 *   Hugging Face transformers cannot build per-layer head counts; our loader can (docs/heads.md).
 * - `"mask"`: only `o_proj` changes (the heads' columns become zero); shapes and config counts
 *   stay stock, so every tool loads the folder.
 *
 * Edited tensors keep their stored dtype: rows and columns are selected (or zeroed) as bytes, so
 * F32, F16 and BF16 values are copied exactly, never re-rounded. Every other tensor is copied as
 * stored, in chunks straight from the input file; a sharded input stays sharded.
 *
 * Provenance: `shortgpt.removed_heads` lists `[layer, head]` pairs in the numbering of the
 * ORIGINAL checkpoint, across repeated pruning (layers through `removed_layers`, heads through the
 * earlier `removed_heads`), and `shortgpt.head_mode` says how they were removed.
 *
 * @module
 */
import { basename, resolve } from "node:path";
import { UserError } from "../errors.ts";
import { type LlamaConfig, resolveLlamaConfig, TRANSFORMER_TYPES } from "../models/llama/config.ts";
import type { RawConfig } from "../io/config_json.ts";
import type { TensorInfo } from "../io/safetensors.ts";
import { type ModelFolder, withModelFolder } from "../models/load.ts";
import { DTYPE_SIZE, shapeString } from "../tensor.ts";
import { version } from "../version.ts";
import { modelCard } from "./model_card.ts";
import { checkOutputFolder } from "./output_folder.ts";
import { rewriteFolder, type TensorEdit } from "./rewrite_folder.ts";
import {
  checkHeadList,
  type HeadMode,
  type HeadRef,
  headsByLayer,
  type LayerHeadPlan,
  planHeadRemoval,
  takeColBlocks,
  takeRowBlocks,
  zeroColBlocks,
} from "./remove_heads.ts";

/** Options of {@link saveHeadPruned}. */
export interface HeadSaveOptions {
  /** `"physical"` (default) or `"mask"`. */
  mode?: HeadMode;
  /** Replace a non-empty output folder. */
  force?: boolean;
}

/** What {@link saveHeadPruned} wrote. */
export interface HeadSaveSummary {
  /** The folder written. */
  outDir: string;
  /** How the heads were removed. */
  mode: HeadMode;
  /** The heads removed, `[layer, head]` in the input folder's numbering, sorted. */
  removedHeads: [number, number][];
  /** The same heads in the original checkpoint's numbering (as recorded in config.json). */
  originalHeads: [number, number][];
  /** Query heads per layer of the new folder. */
  numHeads: number[];
  /** Key/value heads per layer of the new folder. */
  numKvHeads: number[];
  /** Tensors written. */
  tensors: number;
  /** Bytes of tensor data written (the index's `total_size`). */
  bytes: number;
}

/** `model.layers.N.self_attn.(q_proj|k_proj|v_proj|o_proj|W_pack).(weight|bias)` */
const ATTN_TENSOR = /^model\.layers\.(\d+)\.self_attn\.(q_proj|k_proj|v_proj|o_proj|W_pack)\.(weight|bias)$/;

/**
 * Writes `src` (a path, or a {@link ModelFolder} already open, whose config.json and headers are
 * then not read again) without the attention heads `heads` (`[layer, head]`, the folder's own
 * 0-based numbering) to `outDir`.
 *
 * @example
 * ```ts
 * import { saveHeadPruned } from "./remove_heads_save.ts";
 * saveHeadPruned("testdata/models/stories260K", "/tmp/stories260K-heads", [[0, 1], [3, 5]], { force: true });
 * saveHeadPruned("testdata/models/stories260K", "/tmp/stories260K-masked", [[0, 1]], { mode: "mask", force: true });
 * ```
 */
export function saveHeadPruned(
  src: string | ModelFolder,
  outDir: string,
  heads: readonly HeadRef[],
  options: HeadSaveOptions = {},
): HeadSaveSummary {
  return withModelFolder(src, (folder) => saveFolder(folder, outDir, heads, options));
}

function saveFolder(
  folder: ModelFolder,
  outDir: string,
  heads: readonly HeadRef[],
  { mode = "physical", force = false }: HeadSaveOptions,
): HeadSaveSummary {
  const { dir: srcDir, raw } = folder;
  if (!TRANSFORMER_TYPES.includes(raw.model_type as never)) {
    throw new UserError(
      `Head removal needs a Llama-family model (${TRANSFORMER_TYPES.join(", ")}); "${srcDir}" has model_type ${
        JSON.stringify(raw.model_type)
      }`,
    );
  }
  const cfg = resolveLlamaConfig(raw);
  checkHeadList(heads, cfg.numHeads);
  const H = Number(raw.num_attention_heads);
  if (
    mode === "physical" && cfg.positionEmbedding === "alibi" && !cfg.alibiHeads && cfg.numHeads.some((n) => n !== H)
  ) {
    throw new UserError(
      `"${srcDir}" uses ALiBi with per-layer head counts but no "layer_alibi_heads", so the slopes of its heads cannot ` +
        `be carried over; use --mode mask (same outputs, stock shapes)`,
    );
  }
  checkOutputFolder(outDir, srcDir, force);

  const byLayer = headsByLayer(heads);
  // Every affected layer must hold the tensors the edit rewrites (a silent copy would be wrong).
  const store = folder.store;
  for (const l of byLayer.keys()) {
    const p = `model.layers.${l}.self_attn`;
    const needed = mode === "mask"
      ? ["o_proj"]
      : cfg.fusedQkv
      ? ["W_pack", "o_proj"]
      : ["q_proj", "k_proj", "v_proj", "o_proj"];
    for (const n of needed) {
      if (store.has(`${p}.${n}.qweight`)) {
        throw new UserError(
          `Tensor "${p}.${n}.qweight" is GPTQ-packed; prune-heads rewrites float attention weights only ` +
            "(remove whole layers of a GPTQ folder with prune, or remove heads before quantizing)",
        );
      }
      if (!store.has(`${p}.${n}.weight`)) {
        throw new UserError(
          `Tensor "${p}.${n}.weight" is missing from "${srcDir}"; the checkpoint does not match its config.json`,
        );
      }
    }
  }
  const plans = new Map<number, LayerHeadPlan>();
  for (const [l, removed] of byLayer) plans.set(l, planHeadRemoval(cfg.numHeads[l], cfg.numKvHeads[l], removed));
  // Mask mode keeps every shape; physical mode leaves each affected layer with H' = Hkv' heads.
  const physical = mode === "physical";
  const numHeads = cfg.numHeads.map((H, l) => (physical ? plans.get(l)?.keptHeads.length : undefined) ?? H);
  const numKvHeads = cfg.numKvHeads.map((Hkv, l) => (physical ? plans.get(l)?.kvSource.length : undefined) ?? Hkv);
  // ALiBi slopes belong to heads: each kept head keeps its slope, recorded by its index among the
  // original model's heads (config.json's layer_alibi_heads), since the count alone no longer gives it.
  const alibiHeads = physical && cfg.positionEmbedding === "alibi"
    ? cfg.numHeads.map((n, l) => {
      const original = cfg.alibiHeads?.heads[l] ?? Array.from({ length: n }, (_, h) => h);
      return plans.get(l)?.keptHeads.map((h) => original[h]) ?? [...original];
    })
    : null;

  /** The edit of one stored tensor, or null when it is copied as it is. */
  const editOf = (info: TensorInfo): TensorEdit | null => {
    const m = ATTN_TENSOR.exec(info.name);
    if (!m) return null;
    const layer = Number(m[1]), proj = m[2], kind = m[3];
    const removed = byLayer.get(layer);
    if (removed === undefined) return null;
    const { hiddenSize: D, headDim: Hd } = cfg;
    const H = cfg.numHeads[layer], Hkv = cfg.numKvHeads[layer];
    const size = DTYPE_SIZE[info.dtype];
    if (mode === "mask") {
      if (proj !== "o_proj" || kind !== "weight") return null;
      expectShape(info, [D, H * Hd]);
      return { shape: info.shape, edit: (b) => zeroColBlocks(b, D, H * Hd, size, Hd, removed) };
    }
    const plan = plans.get(layer)!;
    const n = plan.keptHeads.length; // H' = Hkv'
    const cols = kind === "weight" ? D : 1; // a bias is a matrix with one column
    const rowsShape = (rows: number) => (kind === "weight" ? [rows, D] : [rows]);
    switch (proj) {
      case "q_proj":
        expectShape(info, rowsShape(H * Hd));
        return { shape: rowsShape(n * Hd), edit: (b) => takeRowBlocks(b, cols, size, Hd, plan.keptHeads) };
      case "k_proj":
      case "v_proj":
        expectShape(info, rowsShape(Hkv * Hd));
        return { shape: rowsShape(n * Hd), edit: (b) => takeRowBlocks(b, cols, size, Hd, plan.kvSource) };
      case "W_pack": {
        // Fused [q; k; v] rows: head blocks 0..H-1 are q, H..H+Hkv-1 are k, H+Hkv.. are v.
        expectShape(info, rowsShape((H + 2 * Hkv) * Hd));
        const blocks = [
          ...plan.keptHeads,
          ...plan.kvSource.map((g) => H + g),
          ...plan.kvSource.map((g) => H + Hkv + g),
        ];
        return { shape: rowsShape(3 * n * Hd), edit: (b) => takeRowBlocks(b, cols, size, Hd, blocks) };
      }
      default: // o_proj: its columns are per head; its bias [D] is not
        if (kind === "bias") return null;
        expectShape(info, [D, H * Hd]);
        return { shape: [D, n * Hd], edit: (b) => takeColBlocks(b, D, H * Hd, size, Hd, plan.keptHeads) };
    }
  };

  const sorted = [...byLayer].flatMap(([l, hs]) => hs.map((h) => [l, h] as [number, number]));
  const toOriginal = originalNumbering(raw, cfg);
  const originalHeads = sorted.map(([l, h]) => toOriginal(l, h));
  const config = headPrunedConfig(raw, cfg, mode, numHeads, numKvHeads, originalHeads, srcDir, alibiHeads);
  const card = modelCard(srcDir, raw, {
    removedLayers: (config.shortgpt!.removed_layers as number[]) ?? [],
    removedHeads: config.shortgpt!.removed_heads as [number, number][],
    headMode: mode,
    layers: cfg.numLayers,
    metric: raw.shortgpt?.metric as string | null | undefined,
  });
  const { tensors, bytes } = rewriteFolder(folder, outDir, { edit: editOf, config, floats: folder.floats, card });
  return { outDir, mode, removedHeads: sorted, originalHeads, numHeads, numKvHeads, tensors, bytes };
}

function expectShape(info: TensorInfo, shape: readonly number[]): void {
  if (info.shape.length !== shape.length || info.shape.some((s, i) => s !== shape[i])) {
    throw new UserError(
      `Tensor "${info.name}" has shape ${shapeString(info.shape)} but config.json implies ${
        shapeString(shape)
      }; check the config's head counts`,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// config.json and provenance

/** Is `v` a list of `[layer, head]` pairs of non-negative integers? */
function isHeadPairs(v: unknown): v is [number, number][] {
  return Array.isArray(v) &&
    v.every((p) => Array.isArray(p) && p.length === 2 && p.every((n) => Number.isSafeInteger(n) && n >= 0));
}

const key = ([l, h]: readonly number[]) => `${l}:${h}`;
const byLayerThenHead = (a: readonly number[], b: readonly number[]) => a[0] - b[0] || a[1] - b[1];

/** Heads an earlier shortgpt run removed from the checkpoint, split by how (empty when there is no usable record). */
function earlierRemovals(raw: RawConfig): { removed: [number, number][]; masked: [number, number][] } {
  const prov = raw.shortgpt ?? {};
  const removed = isHeadPairs(prov.removed_heads) ? prov.removed_heads : [];
  const mode = prov.head_mode;
  const masked = mode === "mask"
    ? removed
    : mode === "mixed" && isHeadPairs(prov.masked_heads)
    ? prov.masked_heads
    : [];
  return { removed, masked };
}

/**
 * Maps `(layer, head)` of the folder to the original checkpoint's numbering, from its provenance:
 * layer l is the l-th layer not in `removed_layers`; in it, head h is the h-th head not
 * physically removed before. Without a (consistent) record, the folder's own numbering is used.
 */
export function originalNumbering(raw: RawConfig, cfg: LlamaConfig): (layer: number, head: number) => [number, number] {
  const prov = raw.shortgpt ?? {};
  const removedLayers = Array.isArray(prov.removed_layers) && prov.removed_layers.every(Number.isSafeInteger)
    ? new Set(prov.removed_layers as number[])
    : new Set<number>();
  const layers = Array.from({ length: cfg.numLayers + removedLayers.size }, (_, i) => i).filter((i) =>
    !removedLayers.has(i)
  );
  const { removed, masked } = earlierRemovals(raw);
  const maskedKeys = new Set(masked.map(key));
  const physical = removed.filter((p) => !maskedKeys.has(key(p)));
  return (layer, head) => {
    const ol = layers.length === cfg.numLayers ? layers[layer] : layer;
    const gone = new Set(physical.filter(([l]) => l === ol).map(([, h]) => h));
    const present = Array.from({ length: cfg.numHeads[layer] + gone.size }, (_, h) => h).filter((h) => !gone.has(h));
    return [ol, present.length === cfg.numHeads[layer] ? present[head] : head];
  };
}

/** config.json of the head-pruned model: per-layer counts (physical), provenance (both modes). */
export function headPrunedConfig(
  raw: RawConfig,
  cfg: LlamaConfig,
  mode: HeadMode,
  numHeads: readonly number[],
  numKvHeads: readonly number[],
  originalHeads: readonly (readonly [number, number])[],
  srcDir: string,
  alibiHeads: number[][] | null = null,
): RawConfig {
  const out: RawConfig = { ...raw };
  if (alibiHeads) out.layer_alibi_heads = alibiHeads;
  if (mode === "physical") {
    // Stock loaders read one head count for all layers; ours reads the per-layer lists. The scalar
    // fields keep the input's counts (consistent: kv heads divide heads), and head_dim is explicit
    // since D / H no longer gives it for the pruned layers.
    out.head_dim = cfg.headDim;
    out.layer_num_attention_heads = [...numHeads];
    out.layer_num_key_value_heads = [...numKvHeads];
  }
  const before = earlierRemovals(raw);
  const newKeys = new Set(originalHeads.map(key));
  const removed = new Map([...before.removed, ...originalHeads].map((p) => [key(p), [p[0], p[1]] as [number, number]]));
  // A head masked earlier and now removed physically is no longer masked.
  const masked = new Map(
    [...before.masked.filter((p) => mode === "mask" || !newKeys.has(key(p))), ...(mode === "mask" ? originalHeads : [])]
      .map((p) => [key(p), [p[0], p[1]] as [number, number]]),
  );
  const headMode = masked.size === 0 ? "physical" : masked.size === removed.size ? "mask" : "mixed";
  const prov: Record<string, unknown> = {
    ...(raw.shortgpt ?? {}),
    removed_layers: raw.shortgpt?.removed_layers ?? [],
    removed_heads: [...removed.values()].sort(byLayerThenHead),
    head_mode: headMode,
    source: basename(resolve(srcDir)),
    metric: raw.shortgpt?.metric ?? null,
    version,
  };
  if (headMode === "mixed") prov.masked_heads = [...masked.values()].sort(byLayerThenHead);
  else delete prov.masked_heads;
  out.shortgpt = prov;
  return out;
}

/**
 * The plan of a layer removal, without touching a file system (src/prune/save.ts writes it to a
 * folder, a browser page into downloads): how a family numbers its layers in tensor names and
 * config.json, each kept tensor's new name, and the pruned config.json with its provenance.
 *
 * @module
 */
import type { RawConfig } from "../io/config_fields.ts";
import { version } from "../version.ts";
import { checkLayerList } from "./remove_layers.ts";

/** How a family numbers its layers in tensor names and config.json. */
export interface LayerNaming {
  /** Matches `<prefix>.<N>.<rest>`. */
  pattern: RegExp;
  prefix: string;
  /** config.json key of the layer count. */
  countKey: string;
  /** Tensors stored in layer 0 that belong to the model, not the layer (RWKV's ln0 / pre_ln). */
  stem: RegExp | null;
}

/** The naming of the folder's checkpoint, from config.json and its tensor names. */
export function layerNaming(raw: RawConfig, names: readonly string[]): LayerNaming {
  if (names.some((n) => n.startsWith("rwkv.blocks."))) {
    return {
      pattern: /^rwkv\.blocks\.(\d+)\.(.*)$/,
      prefix: "rwkv.blocks",
      countKey: "num_hidden_layers",
      stem: /^pre_ln\./,
    };
  }
  if (raw.model_type === "rwkv") {
    return { pattern: /^blocks\.(\d+)\.(.*)$/, prefix: "blocks", countKey: "n_layer", stem: /^ln0\./ };
  }
  return { pattern: /^model\.layers\.(\d+)\.(.*)$/, prefix: "model.layers", countKey: "num_hidden_layers", stem: null };
}

/**
 * What removing layers `removed` (indices in the checkpoint's own numbering) does to a checkpoint
 * with config `raw` and tensor names `names`: its layer naming, layer count L, the layers kept,
 * and each tensor's name in the pruned model (null when it goes; the kept layers renumbered
 * 0..). Checks the list first.
 */
export function planLayerRemoval(
  raw: RawConfig,
  names: readonly string[],
  removed: readonly number[],
): { naming: LayerNaming; L: number; kept: number[]; rename: (name: string) => string | null } {
  const naming = layerNaming(raw, names);
  const L = Number(raw[naming.countKey]);
  checkLayerList(removed, L);
  const drop = new Set(removed);
  const kept = Array.from({ length: L }, (_, i) => i).filter((i) => !drop.has(i));
  const newIndex = new Map(kept.map((old, i) => [old, i]));
  const rename = (name: string): string | null => {
    const m = naming.pattern.exec(name);
    if (!m) return name;
    const layer = Number(m[1]), rest = m[2];
    if (naming.stem?.test(rest) && layer === 0) return name; // stays with the first block
    const j = newIndex.get(layer);
    return j === undefined ? null : `${naming.prefix}.${j}.${rest}`;
  };
  return { naming, L, kept, rename };
}

/** Orders tensor names with layer numbers numerically (layers.2 before layers.10). */
export function compareNames(a: string, b: string): number {
  return a.localeCompare(b, "en", { numeric: true });
}

/** Top-level lists that are not one entry per layer, whatever their length. */
const NOT_PER_LAYER = new Set([
  "architectures",
  "bos_token_id",
  "eos_token_id",
  "pad_token_id",
  "bad_words_ids",
  "suppress_tokens",
  "begin_suppress_tokens",
  "forced_decoder_ids",
]);

/** config.json of the pruned model: counts updated, per-layer lists filtered, provenance (`source`: the original folder's name) added. */
export function prunedConfig(
  raw: RawConfig,
  naming: LayerNaming,
  kept: number[],
  removed: readonly number[],
  source: string,
  prov: { metric?: string | null; scores?: number[] },
): RawConfig {
  const L = Number(raw[naming.countKey]);
  const cfg: RawConfig = { ...raw, [naming.countKey]: kept.length };
  // Every per-layer list (layer_types, layer_num_attention_heads, ...: any top-level list of
  // length L) keeps the kept layers' entries, so transformers' layer_type_validation passes.
  for (const [key, list] of Object.entries(raw)) {
    if (Array.isArray(list) && list.length === L && !NOT_PER_LAYER.has(key)) cfg[key] = kept.map((i) => list[i]);
  }
  // Qwen2: layers i ≥ max_window_layers use the window; count the kept layers below it.
  if (Number.isSafeInteger(raw.max_window_layers)) {
    cfg.max_window_layers = kept.filter((i) => i < (raw.max_window_layers as number)).length;
  }
  // Record removed layers in the numbering of the original checkpoint, across repeated pruning.
  const before = (raw.shortgpt?.removed_layers as number[] | undefined) ?? [];
  const original = originalIndices(before, Number(raw[naming.countKey]) + before.length);
  cfg.shortgpt = {
    ...(raw.shortgpt ?? {}),
    removed_layers: [...before, ...removed.map((i) => original[i])].sort((a, b) => a - b),
    removed_heads: raw.shortgpt?.removed_heads ?? [],
    source,
    metric: prov.metric ?? null,
    ...(prov.scores ? { scores: prov.scores } : {}),
    version,
  };
  return cfg;
}

/** Original layer index of each current layer, given the originals already removed. */
function originalIndices(removedBefore: readonly number[], originalL: number): number[] {
  const gone = new Set(removedBefore);
  return Array.from({ length: originalL }, (_, i) => i).filter((i) => !gone.has(i));
}

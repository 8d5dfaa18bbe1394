/**
 * Saving a model with layers removed (docs/conventions.md "Files we write", docs/pruning.md): a new Hugging Face folder whose
 * safetensors hold the kept tensors, renumbered `model.layers.0..` (`blocks.0..` for RWKV), with
 * config.json's layer count, per-layer lists and `max_window_layers` updated and a `shortgpt`
 * provenance block, written by the shared folder rewriter (rewrite_folder.ts). Tensor bytes are
 * copied as stored (no decoding), so memory does not grow with the model.
 *
 * @module
 */
import { basename, resolve } from "node:path";
import type { RawConfig } from "../io/config_json.ts";
import { type ModelFolder, withModelFolder } from "../models/load.ts";
import { version } from "../version.ts";
import { mergekitYaml } from "./mergekit.ts";
import { modelCard } from "./model_card.ts";
import { checkLayerList } from "./remove_layers.ts";
import { checkOutputFolder } from "./output_folder.ts";
import { rewriteFolder } from "./rewrite_folder.ts";

/** How a family numbers its layers in tensor names and config.json. */
interface LayerNaming {
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

/** What {@link savePrunedLayers} wrote. */
export interface SaveSummary {
  outDir: string;
  layers: number;
  removedLayers: number[];
  tensors: number;
  bytes: number;
}

/** Where the removal came from, recorded in config.json's `shortgpt` block. */
export interface PruneProvenance {
  metric?: string | null;
  scores?: number[];
  force?: boolean;
  /** Which text calibrated the scores (for the model card). */
  calibration?: string | null;
  /** Also write `mergekit.yaml`, the mergekit passthrough recipe that cuts the same layers. */
  mergekit?: boolean;
  /** Further files to write into the folder (name → text), e.g. an exported tokenizer. */
  extraFiles?: Record<string, string>;
}

/**
 * Writes `srcDir` without the layers `removed` (indices in `srcDir`'s own numbering) to `outDir`.
 *
 * @example
 * ```ts
 * import { savePrunedLayers } from "./save.ts";
 * savePrunedLayers("testdata/models/bytellama-12L", "/tmp/bytellama-10L", [9, 10], { metric: "bi" });
 * ```
 */
export function savePrunedLayers(
  src: string | ModelFolder,
  outDir: string,
  removed: readonly number[],
  prov: PruneProvenance = {},
): SaveSummary {
  return withModelFolder(src, (folder) => saveFolder(folder, outDir, removed, prov));
}

function saveFolder(
  folder: ModelFolder,
  outDir: string,
  removed: readonly number[],
  prov: PruneProvenance,
): SaveSummary {
  const { dir: srcDir, raw, store } = folder;
  const naming = layerNaming(raw, store.names());
  const L = Number(raw[naming.countKey]);
  checkLayerList(removed, L);
  checkOutputFolder(outDir, srcDir, prov.force ?? false);
  const drop = new Set(removed);
  const kept = Array.from({ length: L }, (_, i) => i).filter((i) => !drop.has(i));
  const newIndex = new Map(kept.map((old, i) => [old, i]));

  /** The tensor's name in the pruned model, or null when it goes. */
  const rename = (name: string): string | null => {
    const m = naming.pattern.exec(name);
    if (!m) return name;
    const layer = Number(m[1]), rest = m[2];
    if (naming.stem?.test(rest) && layer === 0) return name; // stays with the first block
    const j = newIndex.get(layer);
    return j === undefined ? null : `${naming.prefix}.${j}.${rest}`;
  };

  const config = prunedConfig(raw, naming, kept, removed, srcDir, prov);
  const card = modelCard(srcDir, raw, {
    removedLayers: config.shortgpt!.removed_layers as number[],
    removedHeads: (config.shortgpt!.removed_heads as [number, number][]) ?? [],
    headMode: config.shortgpt!.head_mode as string | undefined,
    layers: kept.length,
    metric: prov.metric,
    calibration: prov.calibration,
  });
  const extraFiles = { ...(prov.extraFiles ?? {}) };
  if (prov.mergekit) extraFiles["mergekit.yaml"] = mergekitYaml(srcDir, raw, kept, naming.countKey);
  const { tensors, bytes } = rewriteFolder(folder, outDir, { rename, config, floats: folder.floats, card, extraFiles });
  return { outDir, layers: kept.length, removedLayers: [...removed].sort((a, b) => a - b), tensors, bytes };
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

/** config.json of the pruned model: counts updated, per-layer lists filtered, provenance added. */
export function prunedConfig(
  raw: RawConfig,
  naming: LayerNaming,
  kept: number[],
  removed: readonly number[],
  srcDir: string,
  prov: PruneProvenance,
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
    source: basename(resolve(srcDir)),
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

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
import { type ModelFolder, withModelFolder } from "../models/load.ts";
import { rwkvConfigAfterRemoval } from "../models/rwkv/config.ts";
import { mergekitYaml } from "./mergekit.ts";
import { modelCard } from "./model_card.ts";
import { planLayerRemoval, prunedConfig } from "./layer_plan.ts";
import { checkOutputFolder } from "./output_folder.ts";
import { rewriteFolder } from "./rewrite_folder.ts";

export { layerNaming, prunedConfig } from "./layer_plan.ts";

/** What {@link savePrunedLayers} wrote. */
export interface SaveSummary {
  /** The folder written. */
  outDir: string;
  /** Layers in the new folder. */
  layers: number;
  /** The layers removed, in the input folder's numbering, ascending. */
  removedLayers: number[];
  /** Tensors written. */
  tensors: number;
  /** Bytes of tensor data written (the index's `total_size`). */
  bytes: number;
}

/** Where the removal came from, recorded in config.json's `shortgpt` block. */
export interface PruneProvenance {
  /** The metric that chose the layers (e.g. "bi"); null or absent: chosen by hand. */
  metric?: string | null;
  /** The metric's score of every layer of the input folder, recorded as they are. */
  scores?: number[];
  /** Replace a non-empty output folder. */
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
  const { naming, kept, rename } = planLayerRemoval(raw, store.names(), removed);
  checkOutputFolder(outDir, srcDir, prov.force ?? false);

  const pruned = prunedConfig(raw, naming, kept, removed, basename(resolve(srcDir)), prov);
  // RWKV's config.json also counts the parameters kept and drops what described the old weights.
  const numel = (n: string) => store.info(n)!.shape.reduce((a, b) => a * b, 1);
  const keptParams = store.names().reduce((sum, n) => sum + (rename(n) === null ? 0 : numel(n)), 0);
  const config = raw.model_type === "rwkv" ? rwkvConfigAfterRemoval(pruned, keptParams) : pruned;
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

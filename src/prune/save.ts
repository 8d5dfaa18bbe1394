/**
 * Saving a model with layers removed (DESIGN.md §4): a new Hugging Face folder whose
 * safetensors hold the kept tensors, renumbered `model.layers.0..` (`blocks.0..` for RWKV), with
 * config.json's layer count updated and a `shortgpt` provenance block. Tensor bytes are copied
 * as stored (no decoding), shard by shard, so memory does not grow with the model.
 *
 * @module
 */
import { copyFileSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { readRawConfig } from "../io/config_json.ts";
import { SafetensorsFile } from "../io/safetensors.ts";
import { type TensorEntry, writeSafetensors } from "../io/safetensors_write.ts";
import { TensorStore } from "../io/store.ts";
import { compareNames, planLayerRemoval, prunedConfig, type PruneProvenance } from "./layer_plan.ts";
import { checkOutputFolder, writeFolderAtomically } from "./output_folder.ts";

export { layerNaming, prunedConfig, type PruneProvenance } from "./layer_plan.ts";

/** Files never copied into a pruned folder: weights (rewritten) and outputs of the unpruned model. */
export const COPY_SKIP = [
  /\.safetensors$/,
  /^model\.safetensors\.index\.json$/,
  /^config\.json$/,
  /^pytorch_model.*\.bin$/,
  /\.(pth|pt|gguf)$/,
  /^expected_logits/,
];

/** What {@link savePrunedLayers} wrote. */
export interface SaveSummary {
  outDir: string;
  layers: number;
  removedLayers: number[];
  tensors: number;
  bytes: number;
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
  srcDir: string,
  outDir: string,
  removed: readonly number[],
  prov: PruneProvenance = {},
): SaveSummary {
  const raw = readRawConfig(srcDir);
  const store = TensorStore.open(srcDir);
  const names = store.names();
  store.close();
  const { naming, kept, rename } = planLayerRemoval(raw, names, removed);
  checkOutputFolder(outDir, srcDir, prov.force ?? false);

  let tensors = 0, bytes = 0;
  writeFolderAtomically(outDir, (tmp) => {
    const shardFiles = shardsOf(srcDir);
    const weightMap: Record<string, string> = {};
    shardFiles.forEach((shard, s) => {
      const src = SafetensorsFile.open(join(srcDir, shard));
      try {
        const outName = shardFiles.length === 1
          ? "model.safetensors"
          : `model-${pad(s + 1)}-of-${pad(shardFiles.length)}.safetensors`;
        const entries: TensorEntry[] = [];
        for (const info of [...src.tensors.values()].sort((a, b) => a.begin - b.begin)) {
          const to = rename(info.name);
          if (to === null) continue;
          entries.push({
            name: to,
            dtype: info.dtype,
            shape: info.shape,
            bytes: { path: info.file, begin: info.begin, end: info.end },
          });
          weightMap[to] = outName;
          bytes += info.end - info.begin;
        }
        entries.sort((a, b) => compareNames(a.name, b.name));
        tensors += entries.length;
        writeSafetensors(join(tmp, outName), entries, src.metadata);
      } finally {
        src.close();
      }
    });
    if (shardFiles.length > 1) {
      const sorted = Object.fromEntries(Object.entries(weightMap).sort(([a], [b]) => compareNames(a, b)));
      writeFileSync(
        join(tmp, "model.safetensors.index.json"),
        JSON.stringify({ metadata: { total_size: bytes }, weight_map: sorted }, null, 2),
      );
    }
    writeFileSync(
      join(tmp, "config.json"),
      JSON.stringify(prunedConfig(raw, naming, kept, removed, basename(resolve(srcDir)), prov), null, 2) + "\n",
    );
    for (const f of readdirSync(srcDir)) {
      if (COPY_SKIP.some((r) => r.test(f)) || !statSync(join(srcDir, f)).isFile()) continue;
      copyFileSync(join(srcDir, f), join(tmp, f));
    }
  });
  return { outDir, layers: kept.length, removedLayers: [...removed].sort((a, b) => a - b), tensors, bytes };
}

/** The safetensors files of a folder, as TensorStore reads them (already validated by it). */
export function shardsOf(dir: string): string[] {
  const indexPath = join(dir, "model.safetensors.index.json");
  if (existsSync(indexPath)) {
    const weightMap = JSON.parse(readFileSync(indexPath, "utf8")).weight_map as Record<string, string>;
    return [...new Set(Object.values(weightMap))].sort();
  }
  if (existsSync(join(dir, "model.safetensors"))) return ["model.safetensors"];
  return readdirSync(dir).filter((f) => f.endsWith(".safetensors")).sort();
}

const pad = (n: number) => String(n).padStart(5, "0");

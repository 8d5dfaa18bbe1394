/**
 * Saving a model with layers removed (docs/conventions.md "Files we write", docs/pruning.md): a new Hugging Face folder whose
 * safetensors hold the kept tensors, renumbered `model.layers.0..` (`blocks.0..` for RWKV), with
 * config.json's layer count updated and a `shortgpt` provenance block. Tensor bytes are copied
 * as stored (no decoding), shard by shard, so memory does not grow with the model.
 *
 * @module
 */
import { copyFileSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { type RawConfig, readRawConfig } from "../io/config_json.ts";
import { SafetensorsFile } from "../io/safetensors.ts";
import { type TensorEntry, writeSafetensors } from "../io/safetensors_write.ts";
import { TensorStore } from "../io/store.ts";
import { rwkvConfigAfterRemoval } from "../models/rwkv/config.ts";
import { version } from "../version.ts";
import { checkLayerList } from "./remove_layers.ts";
import { checkOutputFolder, writeFolderAtomically } from "./output_folder.ts";

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

/** Where the removal came from, recorded in config.json's `shortgpt` block. */
export interface PruneProvenance {
  metric?: string | null;
  scores?: number[];
  force?: boolean;
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
  const numel = new Map(names.map((n) => [n, store.info(n)!.shape.reduce((a, b) => a * b, 1)]));
  store.close();
  const naming = layerNaming(raw, names);
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

  /** RWKV's config.json also counts the parameters kept and drops what described the old weights. */
  const keptParams = names.reduce((sum, n) => sum + (rename(n) === null ? 0 : numel.get(n)!), 0);
  const configOf = (cfg: RawConfig) => raw.model_type === "rwkv" ? rwkvConfigAfterRemoval(cfg, keptParams) : cfg;

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
      JSON.stringify(configOf(prunedConfig(raw, naming, kept, removed, srcDir, prov)), null, 2) + "\n",
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

/** Orders tensor names with layer numbers numerically (layers.2 before layers.10). */
function compareNames(a: string, b: string): number {
  return a.localeCompare(b, "en", { numeric: true });
}

/** config.json of the pruned model: counts updated, per-layer lists filtered, provenance added. */
export function prunedConfig(
  raw: RawConfig,
  naming: LayerNaming,
  kept: number[],
  removed: readonly number[],
  srcDir: string,
  prov: PruneProvenance,
): RawConfig {
  const cfg: RawConfig = { ...raw, [naming.countKey]: kept.length };
  for (const key of ["layer_num_attention_heads", "layer_num_key_value_heads", "layer_alibi_heads"]) {
    const list = raw[key];
    if (Array.isArray(list)) cfg[key] = kept.map((i) => list[i]);
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

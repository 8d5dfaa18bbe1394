/**
 * The mergekit recipe that cuts the same layers as a `prune` run. mergekit's `passthrough`
 * merge stacks `slices`, each a `layer_range: [start, end)` of a source model; the kept layers
 * of a pruned model are runs of consecutive layers, one slice per run. Running
 * `mergekit-yaml mergekit.yaml OUT` on the same input folder gives the same layers in the same
 * order (mergekit writes its own config.json and shards).
 *
 * @module
 */
import { resolve } from "node:path";
import type { RawConfig } from "../io/config_json.ts";

/** Runs of consecutive layers in `kept` (sorted), as half-open `[start, end)` ranges. */
export function keptRanges(kept: readonly number[]): [number, number][] {
  const ranges: [number, number][] = [];
  for (const i of kept) {
    const last = ranges[ranges.length - 1];
    if (last && last[1] === i) last[1] = i + 1;
    else ranges.push([i, i + 1]);
  }
  return ranges;
}

/**
 * mergekit YAML keeping `kept` layers (the input folder's numbering) of the model in `srcDir`.
 *
 * @example
 * ```ts
 * mergekitYaml("models/llama", { torch_dtype: "bfloat16" }, [0, 1, 3], "num_hidden_layers");
 * // slices: [0, 2) and [3, 4) of models/llama, merge_method: passthrough, dtype: bfloat16
 * ```
 */
export function mergekitYaml(srcDir: string, raw: RawConfig, kept: readonly number[], countKey: string): string {
  const model = JSON.stringify(resolve(srcDir));
  const dtype = raw.dtype ?? raw.torch_dtype;
  const lines = [
    `# mergekit recipe for the same cut: keeps ${kept.length} of ${raw[countKey]} layers of ${model}.`,
    "# Run: mergekit-yaml mergekit.yaml OUTPUT_FOLDER",
    "slices:",
    ...keptRanges(kept).flatMap(([a, b]) => [
      "  - sources:",
      `      - model: ${model}`,
      `        layer_range: [${a}, ${b}]`,
    ]),
    "merge_method: passthrough",
  ];
  if (typeof dtype === "string") lines.push(`dtype: ${dtype}`);
  return lines.join("\n") + "\n";
}

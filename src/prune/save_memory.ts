/**
 * A model with layers removed, as the files of a new folder held in memory (config.json and
 * model.safetensors): what src/prune/save.ts writes to disk, for a browser page to offer as
 * downloads. The same plan (src/prune/layer_plan.ts), the same tensor order, the same config.
 *
 * @module
 */
import type { RawConfig } from "../io/config_fields.ts";
import { encodeSafetensors } from "../io/safetensors_header.ts";
import type { TensorReader } from "../io/tensor_reader.ts";
import { stringifyJsonFloats } from "../io/json_floats.ts";
import { rwkvConfigAfterRemoval } from "../models/rwkv/config.ts";
import { numel } from "../tensor.ts";
import { compareNames, planLayerRemoval, prunedConfig } from "./layer_plan.ts";

/**
 * The pruned folder's files by name: `config.json` (layer count updated, provenance added) and
 * `model.safetensors` (kept tensors renumbered, stored bytes copied as they are). `source` names
 * the original model in the provenance block.
 */
export function prunedFolderFiles(
  raw: RawConfig,
  floats: ReadonlySet<string>,
  tensors: TensorReader,
  removed: readonly number[],
  source: string,
  prov: { metric?: string | null; scores?: number[] } = {},
): Map<string, Uint8Array> {
  const { naming, kept, rename } = planLayerRemoval(raw, tensors.names(), removed);
  const entries = [];
  for (const name of tensors.names()) {
    const to = rename(name);
    if (to === null) continue;
    const info = tensors.info(name)!;
    entries.push({ name: to, dtype: info.dtype, shape: info.shape, bytes: tensors.readBytes(name) });
  }
  entries.sort((a, b) => compareNames(a.name, b.name));
  const pruned = prunedConfig(raw, naming, kept, removed, source, prov);
  // RWKV's config.json also counts the parameters kept (as save.ts does).
  const keptParams = entries.reduce((sum, e) => sum + numel(e.shape), 0);
  const written = raw.model_type === "rwkv" ? rwkvConfigAfterRemoval(pruned, keptParams) : pruned;
  const config = stringifyJsonFloats(written, floats) + "\n";
  return new Map([
    ["config.json", new TextEncoder().encode(config)],
    ["model.safetensors", encodeSafetensors(entries, { ...tensors.metadata, format: "pt" })],
  ]);
}

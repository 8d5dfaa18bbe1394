/**
 * The one folder rewriter layer and head pruning share: a new Hugging Face folder made from
 * `srcDir` tensor by tensor, through a temporary sibling renamed into place at the end.
 *
 * The caller says what changes with two callbacks, `rename` (a tensor's new name, or null to
 * drop it) and `edit` (a new shape and a function rebuilding its bytes), and gives the new
 * config.json and model card. Everything else is decided here, the same for every writer:
 *
 * - Tensors keep their input shard; a shard left empty is not written, and shards are named
 *   `model-0000i-of-0000n.safetensors` for the n written (`model.safetensors` when n = 1), with
 *   `model.safetensors.index.json` listing every tensor and the total size.
 * - Every header carries `__metadata__` with `"format": "pt"` (transformers < 4.48.2 fails on a
 *   header without it; `modeling_utils.load_state_dict` refuses other formats), plus the input's
 *   other metadata keys.
 * - Tensors are written sorted by name (layer numbers numerically); unedited bytes are copied
 *   from the input file in chunks, so memory does not grow with the model.
 * - Every value written is checked for NaN and ±Inf as it streams past (the copy's own chunks, so
 *   the input is read once): a bad value stops the write with a UserError naming the input
 *   tensor and element, and the temporary folder is removed, so no half-written folder survives.
 * - config.json keeps the input's floats floats (`8.0`, not `8`); README.md is the given card;
 *   other files (tokenizer, generation_config.json, ...) are copied, except weights and outputs
 *   of the unpruned model ({@link COPY_SKIP}); a llama2.c or SentencePiece tokenizer is also
 *   exported as tokenizer.json + tokenizer_config.json (io/tokenizer/export_hf.ts), so
 *   `AutoTokenizer` loads the folder.
 *
 * @module
 */
import { copyFileSync, existsSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { RawConfig } from "../io/config_json.ts";
import { stringifyJsonFloats } from "../io/json_floats.ts";
import { exportHfTokenizer } from "../io/tokenizer/export_hf.ts";
import type { TensorInfo } from "../io/safetensors.ts";
import { storedFiniteCheck } from "../io/stored_finite.ts";
import { type TensorEntry, writeSafetensors } from "../io/safetensors_write.ts";
import { DTYPE_SIZE, numel } from "../tensor.ts";
import { type ModelFolder, withModelFolder } from "../models/load.ts";
import { writeFolderAtomically } from "./output_folder.ts";
import { compareNames } from "./layer_plan.ts";

export { compareNames } from "./layer_plan.ts";

/** Files never copied into a rewritten folder: weights (rewritten), outputs of the input model, its card. */
export const COPY_SKIP = [
  /\.safetensors$/,
  /^model\.safetensors\.index\.json$/,
  /^config\.json$/,
  /^README\.md$/,
  /^pytorch_model.*\.bin$/,
  /\.(pth|pt|gguf)$/,
  /^expected_logits/,
];

/** A tensor's new shape and how its stored bytes become the new ones. */
export interface TensorEdit {
  /** The tensor's shape in the new folder. */
  shape: number[];
  /** The stored bytes (little-endian, the stored dtype) → the new ones, same dtype. */
  edit: (bytes: Uint8Array) => Uint8Array;
}

/** What changes between the input folder and the new one. */
export interface FolderEdits {
  /** The tensor's name in the new folder, or null to drop it (default: kept as is). */
  rename?: (name: string) => string | null;
  /** A new shape and bytes for a kept tensor, or null to copy it as stored (default: none edited). */
  edit?: (info: TensorInfo) => TensorEdit | null;
  /**
   * Tensors written instead of a stored one (names final), or null to treat it as usual: e.g. a
   * float `.weight` replaced by its GPTQ `qweight`, `qzeros`, `scales` and `g_idx`.
   */
  replace?: (info: TensorInfo) => TensorEntry[] | null;
  /** config.json of the new folder. */
  config: RawConfig;
  /** Paths in `config` whose numbers were floats in the input (see io/json_floats.ts). */
  floats: ReadonlySet<string>;
  /** README.md, the model card. */
  card: string;
  /** Further files to write (name → text), e.g. an exported tokenizer or a mergekit recipe. */
  extraFiles?: Record<string, string>;
}

/** What {@link rewriteFolder} wrote. */
export interface RewriteSummary {
  /** Tensors written. */
  tensors: number;
  /** Bytes of tensor data written (the index's `total_size`). */
  bytes: number;
  /** Names of the safetensors files written. */
  shards: string[];
}

const pad = (n: number) => String(n).padStart(5, "0");

/** The name of shard i (0-based) of n, as transformers' `save_pretrained` names them. */
export function shardName(i: number, n: number): string {
  return n === 1 ? "model.safetensors" : `model-${pad(i + 1)}-of-${pad(n)}.safetensors`;
}

/**
 * Writes `srcDir` with `edits` applied to `outDir` (checked by the caller with
 * `checkOutputFolder`).
 *
 * @example
 * ```ts
 * import { rewriteFolder } from "./rewrite_folder.ts";
 * import { readRawConfig } from "../io/config_json.ts";
 * const src = "testdata/models/stories260K";
 * rewriteFolder(src, "/tmp/stories-copy", { config: readRawConfig(src), floats: new Set(), card: "# A copy\n" });
 * ```
 */
export function rewriteFolder(src: string | ModelFolder, outDir: string, edits: FolderEdits): RewriteSummary {
  return withModelFolder(src, (folder) => rewrite(folder, outDir, edits));
}

function rewrite(folder: ModelFolder, outDir: string, edits: FolderEdits): RewriteSummary {
  const srcDir = folder.dir;
  const rename = edits.rename ?? ((name: string) => name);
  const editOf = edits.edit ?? (() => null);
  let tensors = 0, bytes = 0;
  const written: string[] = [];
  writeFolderAtomically(outDir, (tmp) => {
    // Plan every shard first: the index and the names depend on how many shards stay non-empty.
    const plans: { list: TensorEntry[]; metadata: Record<string, string> }[] = [];
    for (const file of folder.store.files) { // headers as the store read them, in shard order
      const list: TensorEntry[] = [];
      for (const info of file.tensors.values()) {
        const made = edits.replace?.(info);
        if (made) {
          list.push(...made);
          continue;
        }
        const to = rename(info.name);
        if (to === null) continue;
        const e = editOf(info);
        list.push({
          name: to,
          dtype: info.dtype,
          shape: e?.shape ?? info.shape,
          // Edited tensors are read and rebuilt one at a time; the rest is copied from the file in chunks.
          bytes: e ? () => e.edit(file.readBytes(info.name)) : { path: info.file, begin: info.begin, end: info.end },
          onBytes: storedFiniteCheck(info.name, info.dtype), // NaN/Inf scanned while copying: the source is read once
        });
      }
      if (list.length > 0) {
        plans.push({ list: list.sort((a, b) => compareNames(a.name, b.name)), metadata: file.metadata ?? {} });
      }
    }
    const weightMap: Record<string, string> = {};
    plans.forEach(({ list, metadata }, s) => {
      const outName = shardName(s, plans.length);
      for (const t of list) {
        weightMap[t.name] = outName;
        bytes += numel(t.shape) * DTYPE_SIZE[t.dtype];
      }
      tensors += list.length;
      writeSafetensors(join(tmp, outName), list, { ...metadata, format: "pt" });
      written.push(outName);
    });
    if (plans.length > 1) {
      const sorted = Object.fromEntries(Object.entries(weightMap).sort(([a], [b]) => compareNames(a, b)));
      writeFileSync(
        join(tmp, "model.safetensors.index.json"),
        JSON.stringify({ metadata: { total_size: bytes }, weight_map: sorted }, null, 2) + "\n",
      );
    }
    writeFileSync(join(tmp, "config.json"), stringifyJsonFloats(edits.config, edits.floats) + "\n");
    writeFileSync(join(tmp, "README.md"), edits.card);
    for (const f of readdirSync(srcDir)) {
      if (COPY_SKIP.some((r) => r.test(f)) || !statSync(join(srcDir, f)).isFile()) continue;
      if (edits.extraFiles && f in edits.extraFiles) continue; // written below
      copyFileSync(join(srcDir, f), join(tmp, f));
    }
    const tokenizer = exportHfTokenizer(srcDir, edits.config) ?? {};
    if (existsSync(join(srcDir, "tokenizer_config.json"))) delete tokenizer["tokenizer_config.json"]; // the input's own
    for (const [name, text] of Object.entries({ ...tokenizer, ...edits.extraFiles })) {
      writeFileSync(join(tmp, name), text);
    }
  });
  return { tensors, bytes, shards: written };
}

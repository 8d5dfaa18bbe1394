/**
 * A model folder as plain data that can be posted to a worker (a URL, or the chosen `File`s),
 * and the {@link FolderSource} it stands for.
 *
 * @module
 */
import { blobSource, urlSource } from "../src/io/byte_source.ts";
import { filesFolder, type FolderSource, urlFolder } from "../src/io/safetensors_source.ts";

/** A folder at a URL (absolute, or relative to the page), or chosen files under a folder name. */
export type FolderSpec = { url: string } | { name: string; files: File[] };

/** The folder `spec` describes; `base` resolves a relative URL (the page's address). */
export function folderOf(spec: FolderSpec, base: string): FolderSource {
  if ("url" in spec) return urlFolder(new URL(spec.url, base), (u) => urlSource(u));
  return filesFolder(spec.name, spec.files.map((f) => blobSource(f, f.name)));
}

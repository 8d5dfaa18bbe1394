/**
 * A model folder read through {@link ByteSource}s (a dropped folder, a URL, files on disk):
 * config.json, then every safetensors header, then the tensors one layer at a time (one read per
 * run of adjacent tensors, so one HTTP Range request per layer in the usual file layout), with
 * progress. What comes back is in memory ({@link MemoryTensors}); the model loaders take it as
 * they take a folder on disk.
 *
 * @module
 */
import { UserError } from "../errors.ts";
import type { ByteSource } from "./byte_source.ts";
import { parseConfigText, type RawConfig } from "./config_fields.ts";
import { MAX_HEADER_BYTES, parseHeader, type TensorInfo } from "./safetensors_header.ts";
import { MemoryTensors } from "./tensor_reader.ts";

/** The files of a model folder, by name. */
export interface FolderSource {
  /** The folder's name or address, for messages. */
  readonly name: string;
  /** File `name` of the folder; null when it is known not to be there. */
  file(name: string): ByteSource | null;
  /** Every file name, or null where the folder cannot be listed (a URL). */
  list(): string[] | null;
}

/** Where {@link readModelFolder} is: which stage, which file, and bytes done of the stage's total. */
export interface ReadProgress {
  /** `config`, `header` (a safetensors header) or `weights` (the tensors, layer by layer). */
  stage: "config" | "header" | "weights";
  /** The file being read. */
  file: string;
  /** Bytes read so far in this stage (for `weights`: over all shards). */
  done: number;
  /** Bytes this stage reads in all. */
  total: number;
}

/** A model folder read into memory: its config and its tensors. */
export interface FolderContents {
  /** config.json, parsed. */
  raw: RawConfig;
  /** The paths in config.json whose numbers were written as floats (kept floats when rewritten). */
  floats: ReadonlySet<string>;
  /** Every tensor of every shard. */
  tensors: MemoryTensors;
}

const INDEX = "model.safetensors.index.json";

/** A folder at URL `base` (`https://host/models/x/`), each file fetched with Range requests. */
export function urlFolder(base: string | URL, source: (url: string) => ByteSource): FolderSource {
  const root = new URL(base);
  if (!root.pathname.endsWith("/")) root.pathname += "/";
  return { name: root.href, file: (name) => source(new URL(name, root).href), list: () => null };
}

/** A folder of `File`s (a directory picker or a drop), by file name; subfolders are ignored. */
export function filesFolder(name: string, files: readonly ByteSource[]): FolderSource {
  const byName = new Map(files.map((f) => [f.name.split("/").pop()!, f]));
  return { name, file: (n) => byName.get(n) ?? null, list: () => [...byName.keys()] };
}

/** The whole of `src` as text. */
export async function readText(src: ByteSource): Promise<string> {
  return new TextDecoder().decode(await src.read(0, await src.size()));
}

/** The safetensors header of `src`, checked ({@link parseHeader}); tensor offsets are absolute. */
export async function readHeader(src: ByteSource): Promise<ReturnType<typeof parseHeader>> {
  const size = await src.size();
  if (size < 8) {
    throw new UserError(`Cannot load "${src.name}": the file has ${size} bytes, fewer than the 8-byte header length`);
  }
  const n = new DataView((await src.read(0, 8)).buffer).getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_BYTES) || n > BigInt(size - 8)) {
    throw new UserError(
      `Cannot load "${src.name}": header length ${n} exceeds ${
        n > BigInt(MAX_HEADER_BYTES) ? `the format's limit of ${MAX_HEADER_BYTES} bytes` : `file size ${size} - 8`
      }; the file is not safetensors or is truncated`,
    );
  }
  return parseHeader(src.name, await src.read(8, Number(n)), size);
}

/** The layer a tensor belongs to (`model.layers.3`), or "" for the embedding, final norm and head. */
function layerOf(name: string): string {
  return /^(.*?\b(?:layers|blocks|h)\.\d+)\./.exec(name)?.[1] ?? "";
}

/** The shard files of `folder`: from the index when there is one, else model.safetensors (or every .safetensors). */
async function shardsOf(folder: FolderSource): Promise<string[]> {
  const listed = folder.list();
  const index = folder.file(INDEX);
  if (index && (listed === null || listed.includes(INDEX))) {
    try {
      const map = JSON.parse(await readText(index))?.weight_map;
      if (typeof map !== "object" || map === null) throw new Error(`no "weight_map" object`);
      return [...new Set(Object.values(map as Record<string, string>))].sort();
    } catch (e) {
      if (listed !== null) throw new UserError(`Cannot read "${INDEX}" of "${folder.name}": ${(e as Error).message}`);
      // A URL folder without an index: fall through to model.safetensors.
    }
  }
  if (listed === null || listed.includes("model.safetensors")) return ["model.safetensors"];
  const all = listed.filter((n) => n.endsWith(".safetensors")).sort();
  if (all.length === 0) {
    throw new UserError(`No weights in "${folder.name}": expected model.safetensors or ${INDEX}`);
  }
  return all;
}

/**
 * Reads model folder `folder` into memory: config.json, every safetensors header, then the
 * tensors one layer at a time, calling `onProgress` as bytes arrive.
 */
export async function readModelFolder(
  folder: FolderSource,
  onProgress: (p: ReadProgress) => void = () => {},
): Promise<FolderContents> {
  const configSrc = folder.file("config.json");
  if (!configSrc) {
    throw new UserError(`"${folder.name}" has no config.json; a model folder needs one (Hugging Face layout)`);
  }
  onProgress({ stage: "config", file: "config.json", done: 0, total: 1 });
  const { raw, floats } = parseConfigText(await readText(configSrc), `${folder.name}/config.json`);

  const shards: { src: ByteSource; tensors: TensorInfo[] }[] = [];
  let metadata: Record<string, string> = {};
  for (const [i, file] of (await shardsOf(folder)).entries()) {
    const src = folder.file(file);
    if (!src) {
      throw new UserError(`"${folder.name}" lacks "${file}", which its index names; the download may be incomplete`);
    }
    onProgress({ stage: "header", file, done: i, total: shards.length + 1 });
    const header = await readHeader(src);
    if (i === 0) metadata = header.metadata;
    shards.push({ src, tensors: [...header.tensors.values()].sort((a, b) => a.begin - b.begin) });
  }

  const infos = new Map<string, TensorInfo>();
  const bytes = new Map<string, Uint8Array>();
  const total = shards.reduce((n, s) => n + s.tensors.reduce((m, t) => m + t.end - t.begin, 0), 0);
  let done = 0;
  for (const { src, tensors } of shards) {
    // One layer at a time; within it, one read per run of adjacent tensors.
    const layers = new Map<string, TensorInfo[]>();
    for (const t of tensors) layers.set(layerOf(t.name), [...(layers.get(layerOf(t.name)) ?? []), t]);
    for (const group of layers.values()) {
      for (let a = 0; a < group.length;) {
        let b = a + 1;
        while (b < group.length && group[b].begin === group[b - 1].end) b++;
        const run = group.slice(a, b), begin = run[0].begin;
        const before = done;
        const data = await src.read(begin, run[run.length - 1].end - begin, (n) => {
          done = before + n;
          onProgress({ stage: "weights", file: src.name, done, total });
        });
        for (const t of run) {
          if (infos.has(t.name)) throw new UserError(`Tensor "${t.name}" is in two shards of "${folder.name}"`);
          infos.set(t.name, t);
          bytes.set(t.name, data.subarray(t.begin - begin, t.end - begin));
        }
        a = b;
      }
    }
  }
  return { raw, floats, tensors: new MemoryTensors(folder.name, infos, bytes, metadata) };
}

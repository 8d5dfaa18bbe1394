/**
 * {@link ByteSource} over a file path, for Deno, Node and Bun (the runtime adapter; a browser
 * bundle does not import this module), and {@link folderOnDisk}, a model folder as a
 * {@link FolderSource}.
 *
 * @module
 */
import { open, readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { type ByteSource, checkRange } from "./byte_source.ts";
import type { FolderSource } from "./safetensors_source.ts";

/** A source over the file at `path`: each read opens it and reads the range. */
export function fileSource(path: string): ByteSource {
  return {
    name: path,
    size: async () => (await stat(path)).size,
    async read(offset, length, onBytes) {
      const fh = await open(path, "r");
      try {
        checkRange(path, offset, length, (await fh.stat()).size);
        const out = new Uint8Array(length);
        let done = 0;
        while (done < length) {
          const { bytesRead } = await fh.read(out, done, length - done, offset + done);
          if (bytesRead === 0) throw new Error(`"${path}" ended after ${offset + done} bytes`);
          done += bytesRead;
          onBytes?.(done);
        }
        return out;
      } finally {
        await fh.close();
      }
    },
  };
}

/** The model folder `dir` on disk as a {@link FolderSource}. */
export async function folderOnDisk(dir: string): Promise<FolderSource> {
  const names = new Set(await readdir(dir));
  return {
    name: dir,
    file: (name) => (names.has(name) ? fileSource(join(dir, name)) : null),
    list: () => [...names],
  };
}

/**
 * One small interface through which the engine reads a checkpoint's bytes wherever they are:
 * a `File` or `Blob` (a dropped folder), a URL (HTTP Range requests, one range per read), bytes
 * in memory, or a file path (src/io/byte_source_file.ts, the Deno/Node/Bun adapter). Reads are
 * asynchronous and report their progress as the bytes arrive. Built on the web platform only
 * (fetch, Blob, WHATWG streams), which Deno, Node, Bun and browsers all ship.
 *
 * @module
 */

/** Bytes `[offset, offset + length)` of one file, read on demand. */
export interface ByteSource {
  /** The file's name or address, for messages. */
  readonly name: string;
  /** The file's size in bytes. */
  size(): Promise<number>;
  /** `length` bytes from `offset`; `onBytes(n)` hears the running count as they arrive. */
  read(offset: number, length: number, onBytes?: (received: number) => void): Promise<Uint8Array>;
}

/** What a source throws when its file is not there (HTTP 404 or 410 from a URL). */
export class MissingFile extends Error {
  /** @param name the file's name or address */
  constructor(readonly file: string, why: string) {
    super(`Cannot read "${file}": ${why}`);
    this.name = "MissingFile";
  }
}

/** Whether `e` says a file is not there ({@link MissingFile}), as opposed to a read that failed. */
export function isMissingFile(e: unknown): e is MissingFile {
  return e instanceof MissingFile;
}

/** Checks a requested range against the file's size, naming the file. */
export function checkRange(name: string, offset: number, length: number, size: number): void {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
    throw new RangeError(`Cannot read "${name}": bytes ${offset}+${length} is not a valid range`);
  }
  if (offset + length > size) {
    throw new RangeError(
      `Cannot read "${name}": bytes ${offset}..${
        offset + length
      } lie past its end (${size} bytes); it may be truncated`,
    );
  }
}

/** Reads `body` to its end into `length` bytes, reporting progress; throws if it holds another count. */
export async function readStream(
  name: string,
  body: ReadableStream<Uint8Array>,
  length: number,
  onBytes?: (received: number) => void,
): Promise<Uint8Array> {
  const out = new Uint8Array(length);
  let received = 0;
  for await (const chunk of body) {
    if (received + chunk.byteLength > length) {
      throw new Error(`"${name}" sent more than the ${length} bytes asked for`);
    }
    out.set(chunk, received);
    received += chunk.byteLength;
    onBytes?.(received);
  }
  if (received !== length) {
    throw new Error(`"${name}" ended after ${received} of ${length} bytes; the transfer broke off`);
  }
  return out;
}

/** A source over bytes already in memory. */
export function bytesSource(bytes: Uint8Array, name: string): ByteSource {
  return {
    name,
    size: () => Promise.resolve(bytes.byteLength),
    // deno-lint-ignore require-await
    async read(offset, length, onBytes) {
      checkRange(name, offset, length, bytes.byteLength);
      onBytes?.(length);
      return bytes.slice(offset, offset + length);
    },
  };
}

/** A source over a `Blob` or `File` (a dropped or chosen file): each read streams one slice. */
export function blobSource(blob: Blob, name: string = (blob as File).name ?? "blob"): ByteSource {
  return {
    name,
    size: () => Promise.resolve(blob.size),
    // deno-lint-ignore require-await
    async read(offset, length, onBytes) {
      checkRange(name, offset, length, blob.size);
      return readStream(name, blob.slice(offset, offset + length).stream(), length, onBytes);
    },
  };
}

/** How {@link urlSource} fetches; `fetch` by default. */
export type Fetch = (url: string, init?: { headers?: Record<string, string> }) => Promise<Response>;

/**
 * A source over a URL: the size from a one-byte Range request (`Content-Range: bytes 0-0/SIZE`),
 * then one `Range: bytes=a-b` request per read, its body streamed for progress. A server that
 * ignores Range (status 200) is read once in full and served from memory after that.
 */
export function urlSource(url: string | URL, fetchFn: Fetch = fetch): ByteSource {
  const name = String(url);
  let whole: Promise<Uint8Array> | null = null;
  let knownSize: Promise<number> | null = null;

  const get = async (range: string): Promise<Response> => {
    let res: Response;
    try {
      res = await fetchFn(name, { headers: { Range: range } });
    } catch (e) {
      throw new Error(`Cannot fetch "${name}": ${(e as Error).message}`);
    }
    if (res.status !== 206 && res.status !== 200) {
      await res.body?.cancel();
      if (res.status === 404 || res.status === 410) throw new MissingFile(name, `HTTP ${res.status}, no such file`);
      throw new Error(`Cannot fetch "${name}": HTTP ${res.status} ${res.statusText}`);
    }
    return res;
  };
  const readWhole = (res: Response, onBytes?: (n: number) => void): Promise<Uint8Array> => {
    const length = Number(res.headers.get("content-length"));
    if (!res.body || !Number.isSafeInteger(length)) {
      return res.arrayBuffer().then((b) => new Uint8Array(b));
    }
    return readStream(name, res.body, length, onBytes);
  };

  const size = (): Promise<number> =>
    knownSize ??= (async () => {
      const res = await get("bytes=0-0");
      if (res.status === 200) {
        whole = readWhole(res);
        return (await whole).byteLength;
      }
      await res.body?.cancel();
      const total = Number(res.headers.get("content-range")?.split("/")[1]);
      if (!Number.isSafeInteger(total)) {
        throw new Error(`Cannot read "${name}": the server's Content-Range does not give the file's size`);
      }
      return total;
    })();

  return {
    name,
    size,
    async read(offset, length, onBytes) {
      checkRange(name, offset, length, await size());
      if (whole) {
        onBytes?.(length);
        return (await whole).slice(offset, offset + length);
      }
      if (length === 0) return new Uint8Array(0);
      const res = await get(`bytes=${offset}-${offset + length - 1}`);
      if (res.status === 200) {
        whole = readWhole(res, onBytes);
        return (await whole).slice(offset, offset + length);
      }
      if (!res.body) throw new Error(`Cannot read "${name}": the response has no body`);
      return readStream(name, res.body, length, onBytes);
    },
  };
}

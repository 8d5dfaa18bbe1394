import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { UserError } from "../errors.ts";
import { test } from "../testing/harness.ts";
import { fromFloat32 } from "../tensor.ts";
import { MAX_HEADER_BYTES, SafetensorsFile } from "./safetensors.ts";
import { encodeHeader, type TensorEntry, writeSafetensors } from "./safetensors_write.ts";
import { TensorStore } from "./store.ts";

const tmp = () => mkdtempSync(join(tmpdir(), "shortgpt-st-"));

/** A file with an 8-byte length, the given header text and `dataBytes` zero bytes. */
function rawFile(dir: string, header: string, dataBytes: number, declaredLength?: number): string {
  const h = new TextEncoder().encode(header);
  const bytes = new Uint8Array(8 + h.byteLength + dataBytes);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(declaredLength ?? h.byteLength), true);
  bytes.set(h, 8);
  const path = join(dir, "x.safetensors");
  writeFileSync(path, bytes);
  return path;
}

function rejects(path: string, pattern: RegExp): void {
  assert.throws(() => SafetensorsFile.open(path), (e: unknown) => e instanceof UserError && pattern.test(e.message));
}

test("writeSafetensors() then SafetensorsFile.open() round-trips names, dtypes, shapes and values", () => {
  const dir = tmp();
  try {
    const a = new Float32Array([1, 2, 3, 4, 5, 6]);
    const entries: TensorEntry[] = [
      { name: "a", dtype: "F32", shape: [2, 3], bytes: fromFloat32(a, "F32") },
      { name: "b", dtype: "BF16", shape: [3], bytes: () => fromFloat32(new Float32Array([1, -2, 0.5]), "BF16") },
      { name: "ids", dtype: "I32", shape: [2], bytes: new Uint8Array(new Int32Array([7, 9]).buffer) },
    ];
    const path = join(dir, "m.safetensors");
    writeSafetensors(path, entries, { format: "pt" });
    const f = SafetensorsFile.open(path);
    assert.deepEqual([...f.tensors.keys()], ["a", "b", "ids"]);
    assert.deepEqual(f.read("a"), { data: a, shape: [2, 3] });
    assert.deepEqual(Array.from(f.read("b").data), [1, -2, 0.5]);
    assert.deepEqual(Array.from(f.read("ids").data), [7, 9]);
    assert.equal(f.metadata.format, "pt");
    f.close();
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test("encodeHeader() pads the header to a multiple of 8 bytes", () => {
  fc.assert(fc.property(fc.string(), fc.array(fc.nat(5), { maxLength: 3 }), (name, shape) => {
    const h = encodeHeader([{ name: name || "x", dtype: "F32", shape, bytes: new Uint8Array(0) }]);
    assert.equal(h.byteLength % 8, 0);
  }));
});

test("SafetensorsFile.open() rejects malformed headers with one clear message", () => {
  const dir = tmp();
  try {
    const t = (entry: object) => JSON.stringify({ w: entry });
    rejects(rawFile(dir, "{}", 0, MAX_HEADER_BYTES + 1), /exceeds the format's limit/);
    rejects(rawFile(dir, "{}", 0, 1000), /exceeds file size/);
    rejects(rawFile(dir, "not json", 0), /not valid UTF-8 JSON/);
    rejects(rawFile(dir, "[1,2]", 0), /not a JSON object/);
    rejects(rawFile(dir, t({ dtype: "F8", shape: [1], data_offsets: [0, 1] }), 1), /dtype "F8"/);
    rejects(rawFile(dir, t({ dtype: "F32", shape: [-1], data_offsets: [0, 4] }), 4), /shape \[-1\]/);
    rejects(
      rawFile(dir, t({ dtype: "F32", shape: [2], data_offsets: [0, 4] }), 8),
      /needs 8 bytes but its offsets span 4/,
    );
    rejects(rawFile(dir, t({ dtype: "F32", shape: [2], data_offsets: [0, 8] }), 4), /truncated/);
    rejects(rawFile(dir, t({ dtype: "F32", shape: [1], data_offsets: [4, 0] }), 4), /data_offsets/);
    const overlap = JSON.stringify({
      a: { dtype: "F32", shape: [2], data_offsets: [0, 8] },
      b: { dtype: "F32", shape: [1], data_offsets: [4, 8] },
    });
    rejects(rawFile(dir, overlap, 8), /overlaps/);
    const gap = JSON.stringify({ a: { dtype: "F32", shape: [1], data_offsets: [4, 8] } });
    rejects(rawFile(dir, gap, 8), /gap/);
    writeFileSync(join(dir, "short.safetensors"), new Uint8Array(3));
    rejects(join(dir, "short.safetensors"), /fewer than the 8-byte/);
    rejects(join(dir, "missing.safetensors"), /Cannot open/);
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test("SafetensorsFile.open() on random bytes gives a result or a UserError, nothing else", () => {
  const dir = tmp();
  try {
    const path = join(dir, "fuzz.safetensors");
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.string({ maxLength: 80 }), (junk, header) => {
        const h = new TextEncoder().encode(header);
        const bytes = new Uint8Array(8 + h.byteLength + junk.byteLength);
        new DataView(bytes.buffer).setBigUint64(0, BigInt(h.byteLength), true);
        bytes.set(h, 8);
        bytes.set(junk, 8 + h.byteLength);
        writeFileSync(path, bytes);
        try {
          SafetensorsFile.open(path).close();
        } catch (e) {
          assert.ok(e instanceof UserError, `expected a UserError, got ${e}`);
        }
      }),
      { numRuns: 200 },
    );
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test("TensorStore.open() reads a sharded folder through model.safetensors.index.json", () => {
  const dir = tmp();
  try {
    const one = (name: string, v: number): TensorEntry => ({
      name,
      dtype: "F32",
      shape: [1],
      bytes: fromFloat32(new Float32Array([v]), "F32"),
    });
    writeSafetensors(join(dir, "model-00001-of-00002.safetensors"), [one("a", 1)]);
    writeSafetensors(join(dir, "model-00002-of-00002.safetensors"), [one("b", 2)]);
    const map = { a: "model-00001-of-00002.safetensors", b: "model-00002-of-00002.safetensors" };
    writeFileSync(join(dir, "model.safetensors.index.json"), JSON.stringify({ weight_map: map }));
    const store = TensorStore.open(dir);
    assert.deepEqual(store.names().sort(), ["a", "b"]);
    assert.equal(store.read("b").data[0], 2);
    assert.throws(() => store.read("c"), /"c" is missing/);
    store.close();
    writeFileSync(
      join(dir, "model.safetensors.index.json"),
      JSON.stringify({ weight_map: { ...map, c: "model-00002-of-00002.safetensors" } }),
    );
    assert.throws(
      () => TensorStore.open(dir),
      /tensor "c" is in "model-00002-of-00002.safetensors", but that shard does not hold it/,
    );
    writeFileSync(join(dir, "model.safetensors.index.json"), JSON.stringify({ weight_map: { a: "gone.safetensors" } }));
    assert.throws(() => TensorStore.open(dir), /"gone.safetensors", which is missing/);
  } finally {
    rmSync(dir, { recursive: true });
  }
});

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { cpu } from "../backend/cpu.ts";
import { forward } from "../models/forward.ts";
import { modelFromTensors } from "../models/families.ts";
import { loadModel } from "../models/load.ts";
import { test } from "../testing/harness.ts";
import { blobSource, bytesSource, type Fetch, urlSource } from "./byte_source.ts";
import { folderOnDisk } from "./byte_source_file.ts";
import { filesFolder, readModelFolder, type ReadProgress, urlFolder } from "./safetensors_source.ts";

const DIR = "testdata/models/stories260K";
const IDS = new Int32Array([1, 403, 407, 261, 378]);
const files = ["config.json", "model.safetensors"].map((f) => ({ f, bytes: readFileSync(join(DIR, f)) }));

async function logitsOf(model: Parameters<typeof forward>[0]): Promise<Float32Array> {
  return (await forward(model, IDS)).logits as Float32Array;
}

/** A fetch over the fixture's files that answers Range requests (or ignores them), counting requests. */
function fakeServer(opts: { ranges: boolean }) {
  const requests: string[] = [];
  const fetchFn: Fetch = (url, init) => {
    const name = url.split("/").pop()!;
    const file = files.find((f) => f.f === name);
    const range = init?.headers?.Range;
    requests.push(`${name} ${range ?? ""}`);
    if (!file) return Promise.resolve(new Response("not found", { status: 404, statusText: "Not Found" }));
    const m = /^bytes=(\d+)-(\d+)$/.exec(range ?? "");
    if (!opts.ranges || !m) {
      return Promise.resolve(
        new Response(new Blob([file.bytes]).stream(), {
          status: 200,
          headers: { "content-length": String(file.bytes.byteLength) },
        }),
      );
    }
    const [a, b] = [Number(m[1]), Number(m[2])];
    const body = file.bytes.subarray(a, b + 1);
    return Promise.resolve(
      new Response(new Blob([body]).stream(), {
        status: 206,
        headers: {
          "content-length": String(body.byteLength),
          "content-range": `bytes ${a}-${b}/${file.bytes.byteLength}`,
        },
      }),
    );
  };
  return { fetchFn, requests };
}

test("readModelFolder() from disk, Blobs and a Range-serving URL gives the model loadModel() gives, bit for bit", async () => {
  const want = await logitsOf(loadModel(DIR));
  const blobs = filesFolder("dropped", files.map(({ f, bytes }) => blobSource(new Blob([bytes]), f)));
  const { fetchFn } = fakeServer({ ranges: true });
  for (
    const folder of [
      await folderOnDisk(DIR),
      blobs,
      urlFolder("https://example.test/m", (u) => urlSource(u, fetchFn)),
    ]
  ) {
    const { raw, tensors } = await readModelFolder(folder);
    assert.deepEqual(await logitsOf(modelFromTensors(raw, tensors, cpu)), want, folder.name);
  }
});

test("readModelFolder() over a URL reads config, then the header, then one Range request per layer, with progress", async () => {
  const { fetchFn, requests } = fakeServer({ ranges: true });
  const seen: ReadProgress[] = [];
  const { raw, tensors } = await readModelFolder(
    urlFolder("https://example.test/m/", (u) => urlSource(u, fetchFn)),
    (p) => seen.push({ ...p }),
  );
  const weightReads = requests.filter((r) => r.startsWith("model.safetensors") && !/bytes=0-(0|7)$/.test(r));
  // The header (one read), then the embedding/norm/head and each of the L layers: at most L + 3 reads.
  const L = Number(raw.num_hidden_layers);
  assert.ok(weightReads.length >= L && weightReads.length <= L + 3, requests.join("\n"));
  assert.equal(requests.some((r) => r.startsWith("model.safetensors.index.json")), true); // tried, 404: no index
  const w = seen.filter((p) => p.stage === "weights");
  assert.ok(w.length > 0 && w.every((p, i) => i === 0 || p.done >= w[i - 1].done));
  const total = tensors.names().reduce((n, t) => n + tensors.readBytes(t).byteLength, 0);
  assert.deepEqual([w.at(-1)!.done, w.at(-1)!.total], [total, total]);
  assert.deepEqual(seen.map((p) => p.stage).filter((s, i, a) => s !== a[i - 1]), ["config", "header", "weights"]);
});

test("urlSource() works with a server that ignores Range (reads the file once) and names the URL on HTTP errors", async () => {
  const { fetchFn, requests } = fakeServer({ ranges: false });
  const src = urlSource("https://example.test/m/model.safetensors", fetchFn);
  const bytes = files[1].bytes;
  assert.equal(await src.size(), bytes.byteLength);
  assert.deepEqual(await src.read(100, 50), new Uint8Array(bytes.subarray(100, 150)));
  assert.equal(requests.length, 1);
  await assert.rejects(urlSource("https://example.test/m/nope.bin", fetchFn).size(), /nope\.bin": HTTP 404/);
  await assert.rejects(bytesSource(new Uint8Array(4), "four").read(2, 4), /past its end \(4 bytes\)/);
});

import assert from "node:assert/strict";
import fc from "fast-check";
import { loadModel } from "../models/load.ts";
import { modelDir } from "../testing/golden.ts";
import { test } from "../testing/harness.ts";
import { generate, mulberry32, pickToken } from "./generate.ts";

const bytes = (s: string) => Array.from(new TextEncoder().encode(s));

for (
  const [name, prompt] of [
    ["bytellama-12L", bytes("Once upon a time")],
    ["stories260K", [1, 403, 407, 261, 378]],
    ["tiny-rwkv-5v2-730K", bytes("Hello, my")],
    ["tiny-rwkv-7v0-834K", bytes("The cat")],
  ] as const
) {
  test(`${name}: greedy tokens with the KV cache / recurrent state equal recomputing the whole sequence each step`, async () => {
    const model = loadModel(modelDir(name));
    const cached = await generate(model, prompt, { maxTokens: 20, stopIds: [] });
    const recomputed = await generate(model, prompt, { maxTokens: 20, stopIds: [], cache: false });
    assert.equal(cached.ids.length, 20);
    assert.deepEqual(cached.ids, recomputed.ids);
  });
}

test("bytellama-12L continues 'Once upon a time' as its provenance says", async () => {
  const { ids } = await generate(loadModel(modelDir("bytellama-12L")), bytes("Once upon a time"), { maxTokens: 30 });
  assert.equal(new TextDecoder().decode(Uint8Array.from(ids)), ", there was a little girl name");
});

test("generate() stops at a stop id, at max tokens, and when the context is full", async () => {
  const model = loadModel(modelDir("stories260K"));
  const first = (await generate(model, [1, 403], { maxTokens: 1 })).ids[0];
  const atStop = await generate(model, [1, 403], { maxTokens: 10, stopIds: [first] });
  assert.deepEqual(atStop.ids, [first]);
  assert.equal(atStop.stop, "eos");
  assert.equal((await generate(model, [1, 403], { maxTokens: 3, stopIds: [] })).stop, "max_tokens");
  const full = await generate(model, Array(510).fill(403), { maxTokens: 10, stopIds: [] });
  assert.equal(full.stop, "context");
  assert.equal(full.ids.length, 3, "positions 510, 511 fed; the third new token has no position left");
});

test("sampling with a seed is reproducible, and a different seed gives different text", async () => {
  const model = loadModel(modelDir("stories260K"));
  const opts = { maxTokens: 40, temperature: 1, topP: 0.9, stopIds: [] };
  const a = await generate(model, [1, 403], { ...opts, seed: 7 });
  const b = await generate(model, [1, 403], { ...opts, seed: 7 });
  const c = await generate(model, [1, 403], { ...opts, seed: 8 });
  assert.deepEqual(a.ids, b.ids);
  assert.notDeepEqual(a.ids, c.ids);
});

test("mulberry32() gives the same numbers on every runtime", () => {
  const r = mulberry32(1);
  // integer arithmetic only: these values are the same on Deno, Node and Bun
  assert.deepEqual([r(), r(), r()], [0.6270739405881613, 0.002735721180215478, 0.5274470399599522]);
  const s = mulberry32(0);
  for (let i = 0; i < 1000; i++) {
    const x = s();
    assert.ok(x >= 0 && x < 1);
  }
});

test("pickToken(): temperature 0 is the arg-max (lower id on ties); top-p draws only from the nucleus", () => {
  assert.equal(pickToken(Float32Array.from([1, 3, 3, 2]), 0, 4, {}, Math.random), 1);
  assert.equal(pickToken(Float32Array.from([0, 0, 5, 1, 0, 0]), 1, 3, { temperature: 0 }, Math.random), 0);
  fc.assert(
    fc.property(
      fc.array(fc.float({ min: -8, max: 8, noNaN: true }), { minLength: 2, maxLength: 12 }),
      fc.double({ min: 0.05, max: 1, noNaN: true }),
      fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
      (raw, topP, u) => {
        const logits = Float32Array.from(raw);
        const V = logits.length;
        const id = pickToken(logits, 0, V, { temperature: 1, topP }, () => u);
        // the nucleus: most likely first, up to mass topP (the token that crosses it included)
        const p = Array.from(logits, (l) => Math.exp(l - Math.max(...logits)));
        const z = p.reduce((a, b) => a + b, 0);
        const order = p.map((_, i) => i).sort((a, b) => p[b] - p[a] || a - b);
        let cum = 0;
        const nucleus: number[] = [];
        for (const i of order) {
          if (cum >= topP * z) break;
          nucleus.push(i);
          cum += p[i];
        }
        return nucleus.includes(id);
      },
    ),
    { numRuns: 300 },
  );
});

test("pickToken(): top-k keeps the K most likely (ties with the K-th too), and top-p then cuts within them", () => {
  const logits = Float32Array.from([0.4, 0.3, 0.2, 0.1].map(Math.log));
  const draw = (opts: { topK?: number; topP?: number }, u: number) =>
    pickToken(logits, 0, 4, { temperature: 1, ...opts }, () => u);
  assert.equal(draw({ topK: 2 }, 0.99), 1);
  assert.equal(draw({ topK: 2 }, 0.5), 0);
  // top-p 0.5 of the whole: {0, 1}; of what top-k 2 left (0.57, 0.43): {0}, transformers' order
  assert.equal(draw({ topP: 0.5 }, 0.99), 1);
  assert.equal(draw({ topK: 2, topP: 0.5 }, 0.99), 0);
  assert.equal(pickToken(Float32Array.from([1, 2, 2, 0]), 0, 4, { temperature: 1, topK: 1 }, () => 0.99), 2);
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: -4, max: 4 }), { minLength: 2, maxLength: 12 }),
      fc.integer({ min: 1, max: 12 }),
      fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
      (raw, k, u) => {
        const logits = Float32Array.from(raw);
        const id = pickToken(logits, 0, logits.length, { temperature: 1, topK: k }, () => u);
        const kth = [...raw].sort((a, b) => b - a)[Math.min(k, raw.length) - 1];
        return raw[id] >= kth;
      },
    ),
    { numRuns: 300 },
  );
});

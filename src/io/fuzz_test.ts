/**
 * Fuzzing the parsers a user's files go through (docs/errors.md): safetensors headers and bodies,
 * sharded indexes, config.json, token-id strings and files, text files, tokenizer inputs and
 * tokenizer files. Inputs are random, or real files with bytes flipped, inserted and deleted
 * and header fields replaced. The only outcomes allowed are a valid result or a UserError; a call
 * that hangs fails by the test runner's time limit (durations are bench/'s business, not a test's).
 *
 * @module
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { cpu } from "../backend/cpu.ts";
import { parseIds, readIdsFile, readTextFile } from "../cli/inputs.ts";
import { UserError } from "../errors.ts";
import { forward } from "../models/forward.ts";
import { loadLlama } from "../models/llama/model.ts";
import { resolveRwkvConfig } from "../models/rwkv/config.ts";
import { Weights } from "../models/weights.ts";
import { fromFloat32 } from "../tensor.ts";
import { test } from "../testing/harness.ts";
import { resolveLlamaConfig } from "../models/llama/config.ts";
import type { RawConfig } from "./config_json.ts";
import { parseHeader, SafetensorsFile } from "./safetensors.ts";
import { writeSafetensors } from "./safetensors_write.ts";
import { TensorStore } from "./store.ts";
import { BytesTokenizer } from "./tokenizer/bytes.ts";
import { parseHfTokenizer } from "./tokenizer/hf_bpe.ts";
import { parseLlama2cTokenizer } from "./tokenizer/llama2c.ts";
import { SentencePieceTokenizer } from "./tokenizer/sentencepiece.ts";
import { parseSentencePieceModel } from "./tokenizer/sentencepiece_model.ts";
import type { Tokenizer } from "./tokenizer/tokenizer.ts";

const MODELS = "testdata/models";
const STORIES = `${MODELS}/stories260K`;

/**
 * Runs `fn` on `input`: a result or a UserError is fine (returns the result, or undefined);
 * anything else fails the property with the input. (A hang fails by the test's time limit; no
 * call is timed: a busy machine must not fail a test.)
 */
function allowed<T>(what: string, input: unknown, fn: () => T): T | undefined {
  let result: T | undefined;
  try {
    result = fn();
  } catch (e) {
    if (!(e instanceof UserError)) {
      throw new Error(`${what} threw ${(e as Error)?.stack ?? e} (not a UserError) on ${preview(input)}`);
    }
    assert.ok(!/[\r\n]/.test(e.message), `${what}: a UserError message spans several lines: ${e.message}`);
  }
  return result;
}

async function allowedAsync<T>(what: string, input: unknown, fn: () => Promise<T>): Promise<T | undefined> {
  let result: T | undefined;
  try {
    result = await fn();
  } catch (e) {
    if (!(e instanceof UserError)) {
      throw new Error(`${what} threw ${(e as Error)?.stack ?? e} (not a UserError) on ${preview(input)}`);
    }
  }
  return result;
}

function preview(v: unknown): string {
  const text = v instanceof Uint8Array
    ? `${v.byteLength} bytes [${Array.from(v.subarray(0, 48)).join(",")}...]`
    : JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? `${x}n` : x));
  return (text ?? String(v)).slice(0, 400);
}

// ---------------------------------------------------------------------------------------------
// Byte mutations of a real file.

type Mutation =
  | { kind: "set"; at: number; value: number; inHeader: boolean }
  | { kind: "insert"; at: number; bytes: Uint8Array }
  | { kind: "delete"; at: number; n: number }
  | { kind: "truncate"; at: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant("set" as const), at: fc.nat(), value: fc.nat(255), inHeader: fc.boolean() }),
  fc.record({
    kind: fc.constant("insert" as const),
    at: fc.nat(),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 12 }),
  }),
  fc.record({ kind: fc.constant("delete" as const), at: fc.nat(), n: fc.integer({ min: 1, max: 64 }) }),
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
);

/** Applies mutations; `hot` is the length of the region most mutations aim at (a header). */
function mutate(bytes: Uint8Array, ms: readonly Mutation[], hot = bytes.byteLength): Uint8Array {
  let b = bytes.slice();
  for (const m of ms) {
    const n = Math.max(b.byteLength, 1);
    if (m.kind === "set") {
      if (b.byteLength === 0) continue;
      b[m.inHeader ? m.at % Math.min(hot, b.byteLength) : m.at % b.byteLength] = m.value;
    } else if (m.kind === "insert") {
      const at = m.at % (n + 1);
      b = Uint8Array.from([...b.subarray(0, at), ...m.bytes, ...b.subarray(at)]);
    } else if (m.kind === "delete") {
      const at = m.at % n;
      b = Uint8Array.from([...b.subarray(0, at), ...b.subarray(at + m.n)]);
    } else {
      b = b.slice(0, m.at % n);
    }
  }
  return b;
}

// ---------------------------------------------------------------------------------------------
// safetensors

/** A small real safetensors file: three tensors of stories260K in F32, F16 and BF16. */
function smallSafetensors(dir: string): { path: string; bytes: Uint8Array; headerLength: number } {
  const src = SafetensorsFile.open(`${STORIES}/model.safetensors`);
  const norm = src.read("model.norm.weight").data;
  const k = src.read("model.layers.0.self_attn.k_proj.weight").data.subarray(0, 4 * 64);
  const q = src.read("model.layers.0.self_attn.q_proj.weight").data.subarray(0, 2 * 64);
  src.close();
  const path = join(dir, "small.safetensors");
  writeSafetensors(path, [
    { name: "model.norm.weight", dtype: "F32", shape: [64], bytes: fromFloat32(norm, "F32") },
    { name: "k", dtype: "F16", shape: [4, 64], bytes: fromFloat32(k, "F16") },
    { name: "q", dtype: "BF16", shape: [2, 64], bytes: fromFloat32(q, "BF16") },
  ], { format: "pt" });
  const bytes = new Uint8Array(readFileSync(path));
  const headerLength = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  return { path, bytes, headerLength };
}

/** Opens `path` and reads every tensor, as loading a model would. */
function openAndReadAll(path: string): number {
  const f = SafetensorsFile.open(path);
  try {
    let n = 0;
    for (const name of f.tensors.keys()) n += f.read(name).data.length;
    return n;
  } finally {
    f.close();
  }
}

const tmp = mkdtempSync(join(tmpdir(), "shortgpt-fuzz-"));
const small = smallSafetensors(tmp);

test("SafetensorsFile on a real file with bytes set, inserted, deleted or cut: tensors or a UserError", () => {
  const path = join(tmp, "mutated.safetensors");
  fc.assert(
    fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (ms) => {
      const bytes = mutate(small.bytes, ms, 8 + small.headerLength);
      writeFileSync(path, bytes);
      allowed("SafetensorsFile.open+read", bytes, () => openAndReadAll(path));
    }),
    { numRuns: 200 },
  );
});

/** Any JSON value, plus the numbers and strings that break size arithmetic. */
const nasty = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(
    -1,
    0,
    1,
    2 ** 53,
    2 ** 53 + 2,
    1e308,
    -0,
    0.5,
    "F32",
    "F64",
    "BF16",
    "",
    "toString",
    "__proto__",
    "constructor",
  ),
  fc.array(fc.oneof(fc.nat(), fc.constantFrom(-1, 2 ** 40, 2 ** 53, 0.5)), { maxLength: 5 }),
);

test("SafetensorsFile with header fields replaced (dtype, shape, data_offsets, entries): tensors or a UserError", () => {
  const path = join(tmp, "edited.safetensors");
  const header = JSON.parse(new TextDecoder().decode(small.bytes.subarray(8, 8 + small.headerLength)));
  const data = small.bytes.subarray(8 + small.headerLength);
  const names = Object.keys(header);
  fc.assert(
    fc.property(
      fc.array(
        fc.record({
          tensor: fc.oneof(fc.constantFrom(...names), fc.string({ maxLength: 8 })),
          field: fc.constantFrom("dtype", "shape", "data_offsets", "*"),
          value: nasty,
        }),
        { minLength: 1, maxLength: 3 },
      ),
      fc.boolean(),
      (edits, lieAboutLength) => {
        const h = structuredClone(header);
        for (const e of edits) {
          if (e.field === "*") h[e.tensor] = e.value;
          else if (typeof h[e.tensor] === "object" && h[e.tensor] !== null) h[e.tensor][e.field] = e.value;
        }
        const text = new TextEncoder().encode(JSON.stringify(h));
        const bytes = new Uint8Array(8 + text.byteLength + data.byteLength);
        new DataView(bytes.buffer).setBigUint64(0, BigInt(text.byteLength + (lieAboutLength ? 3 : 0)), true);
        bytes.set(text, 8);
        bytes.set(data, 8 + text.byteLength);
        writeFileSync(path, bytes);
        allowed("SafetensorsFile.open+read", h, () => openAndReadAll(path));
      },
    ),
    { numRuns: 200 },
  );
});

test("parseHeader() on arbitrary JSON and file sizes gives tensors or a UserError (no allocation from the header)", () => {
  fc.assert(
    fc.property(
      fc.oneof(
        fc.jsonValue(),
        fc.dictionary(fc.string({ maxLength: 6 }), fc.record({ dtype: nasty, shape: nasty, data_offsets: nasty })),
      ),
      fc.oneof(fc.nat(), fc.constantFrom(0, 2 ** 53)),
      (json, size) => {
        const bytes = new TextEncoder().encode(JSON.stringify(json));
        allowed("parseHeader", json, () => parseHeader("x.safetensors", bytes, size + bytes.byteLength + 8));
      },
    ),
    { numRuns: 500 },
  );
});

test("TensorStore.open() on a folder with an arbitrary or edited model.safetensors.index.json gives a store or a UserError", () => {
  const dir = join(tmp, "sharded");
  mkdirSync(dir);
  writeFileSync(join(dir, "model-00001-of-00001.safetensors"), small.bytes);
  const shard = fc.oneof(
    fc.constantFrom(
      "model-00001-of-00001.safetensors",
      "missing.safetensors",
      "../small.safetensors",
      "",
      ".",
      "..",
      "config.json",
    ),
    fc.string({ maxLength: 12 }),
  );
  const index = fc.oneof(
    fc.jsonValue({ maxDepth: 3 }),
    fc.record({
      weight_map: fc.dictionary(
        fc.oneof(fc.constantFrom("k", "q", "model.norm.weight"), fc.string({ maxLength: 6 })),
        shard,
      ),
    }),
    fc.record({ weight_map: nasty }),
  );
  fc.assert(
    fc.property(index, (json) => {
      writeFileSync(join(dir, "model.safetensors.index.json"), JSON.stringify(json) ?? "");
      const store = allowed("TensorStore.open", json, () => TensorStore.open(dir));
      if (store) {
        for (const name of store.names()) allowed("TensorStore.read", name, () => store.read(name));
        store.close();
      }
    }),
    { numRuns: 150 },
  );
});

// ---------------------------------------------------------------------------------------------
// config.json

const storiesConfig: RawConfig = JSON.parse(readFileSync(`${STORIES}/config.json`, "utf8"));
const LLAMA_KEYS = [
  "model_type",
  "hidden_size",
  "intermediate_size",
  "num_hidden_layers",
  "num_attention_heads",
  "num_key_value_heads",
  "head_dim",
  "hidden_act",
  "rms_norm_eps",
  "rope_theta",
  "rope_scaling",
  "max_position_embeddings",
  "model_max_length",
  "vocab_size",
  "tie_word_embeddings",
  "attention_bias",
  "mlp_bias",
  "sliding_window",
  "use_sliding_window",
  "bos_token_id",
  "eos_token_id",
  "layer_num_attention_heads",
  "layer_num_key_value_heads",
  "position_embedding",
  "norm_head",
];
/** Wrong-typed and out-of-range values for any field. */
const BAD_VALUES: unknown[] = [null, "x", "64", -1, 0, 0.5, 3.5, 1e308, 2 ** 53, true, false, [], [1, 2], {}, {
  rope_type: "llama3",
}, { type: "linear", factor: "2" }];

/** Loads stories260K's weights under `cfg` and runs three tokens: a result or a UserError. */
async function loadAndRun(raw: RawConfig, store: TensorStore): Promise<void> {
  const cfg = allowed("resolveLlamaConfig", raw, () => resolveLlamaConfig(raw));
  if (!cfg) return;
  const model = allowed("loadLlama", raw, () => loadLlama(cpu, cfg, new Weights(store), STORIES));
  if (!model) return;
  await allowedAsync("forward", raw, () => forward(model, Int32Array.from([1, 403, 407])));
}

test("resolveLlamaConfig() + loading + a forward pass, for every field of config.json set to every wrong type", async () => {
  const store = TensorStore.open(STORIES);
  try {
    for (const key of LLAMA_KEYS) {
      for (const value of BAD_VALUES) await loadAndRun({ ...storiesConfig, [key]: value }, store);
      await loadAndRun(Object.fromEntries(Object.entries(storiesConfig).filter(([k]) => k !== key)), store);
    }
  } finally {
    store.close();
  }
});

test("resolveLlamaConfig() + loading + a forward pass with random JSON merged into a real config.json", async () => {
  const store = TensorStore.open(STORIES);
  try {
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(
          fc.oneof(fc.constantFrom(...LLAMA_KEYS), fc.string({ maxLength: 8 })),
          fc.oneof(nasty, fc.constantFrom(...BAD_VALUES)),
          {
            minKeys: 1,
            maxKeys: 4,
          },
        ),
        (extra) => loadAndRun({ ...storiesConfig, ...extra }, store),
      ),
      { numRuns: 150 },
    );
  } finally {
    store.close();
  }
});

test("resolveRwkvConfig() with random JSON merged into each bundled RWKV config gives a config or a UserError", () => {
  const configs = ["tiny-rwkv-4v0-660K", "tiny-rwkv-5v2-730K", "tiny-rwkv-6v0-1m", "tiny-rwkv-7v0-834K"]
    .map((m) => JSON.parse(readFileSync(`${MODELS}/${m}/config.json`, "utf8")) as RawConfig);
  const keys = [...new Set(configs.flatMap((c) => Object.keys(c)))].concat([
    "hidden_size",
    "num_hidden_layers",
    "intermediate_size",
  ]);
  fc.assert(
    fc.property(
      fc.constantFrom(...configs),
      fc.dictionary(
        fc.oneof(fc.constantFrom(...keys), fc.string({ maxLength: 6 })),
        fc.oneof(nasty, fc.constantFrom(...BAD_VALUES)),
        { maxKeys: 4 },
      ),
      fc.array(fc.constantFrom(...keys), { maxLength: 2 }),
      (base, extra, drop) => {
        const raw = { ...base, ...extra };
        for (const k of drop) delete raw[k];
        allowed("resolveRwkvConfig", raw, () => resolveRwkvConfig(raw));
      },
    ),
    { numRuns: 300 },
  );
});

// ---------------------------------------------------------------------------------------------
// ids and text

/** Strings of any UTF-16 code units, lone surrogates included. */
const anyUtf16 = fc.string({ unit: fc.nat(0xffff).map((c) => String.fromCharCode(c)), maxLength: 40 });

/** Strings that look like id lists: numbers, signs, dots, letters and separators. */
const idLike = fc.array(
  fc.oneof(
    fc.nat().map(String),
    fc.bigInt({ min: 0n, max: 10n ** 30n }).map(String),
    fc.constantFrom(
      "-1",
      "1.5",
      "1e3",
      "0x10",
      "+2",
      "",
      " ",
      ",",
      ",,",
      "\t",
      "\n",
      "a",
      "٣",
      "１",
      "NaN",
      "Infinity",
    ),
  ),
  { maxLength: 8 },
).chain((parts) => fc.constantFrom(" ", ",", ", ", "").map((sep) => parts.join(sep)));

test("parseIds() gives non-negative safe integers that spell the input, or a UserError", () => {
  fc.assert(
    fc.property(fc.oneof(idLike, anyUtf16), (text) => {
      const ids = allowed("parseIds", text, () => parseIds(text));
      if (!ids) return;
      assert.ok(
        ids.length > 0 && ids.every((v) => Number.isSafeInteger(v) && v >= 0),
        `parseIds(${JSON.stringify(text)}) = ${ids}`,
      );
      assert.deepEqual(ids.map(String), text.trim().split(/[\s,]+/).filter(Boolean).map((s) => String(Number(s))));
    }),
    { numRuns: 1000 },
  );
});

test("readIdsFile() and readTextFile() on arbitrary bytes, text and JSON give a result or a UserError", () => {
  const path = join(tmp, "input.txt");
  const content = fc.oneof(
    fc.uint8Array({ maxLength: 64 }),
    idLike.map((s) => new TextEncoder().encode(s)),
    fc.array(idLike, { maxLength: 4 }).map((lines) => new TextEncoder().encode(lines.join("\n"))),
    fc.jsonValue({ maxDepth: 3 }).map((v) => new TextEncoder().encode(JSON.stringify(v))),
    fc.array(fc.array(fc.oneof(fc.nat(), fc.integer(), fc.double(), fc.string({ maxLength: 3 })), { maxLength: 4 }), {
      maxLength: 3,
    })
      .map((v) => new TextEncoder().encode(JSON.stringify(v))),
  );
  fc.assert(
    fc.property(content, (bytes) => {
      writeFileSync(path, bytes);
      const seqs = allowed("readIdsFile", bytes, () => readIdsFile(path));
      if (seqs) {
        assert.ok(seqs.length > 0);
        for (const s of seqs) {
          assert.ok(
            s.length > 0 && s.every((v) => Number.isSafeInteger(v) && v >= 0),
            `readIdsFile gave ${JSON.stringify(seqs)}`,
          );
        }
      }
      const text = allowed("readTextFile", bytes, () => readTextFile(path));
      if (text !== undefined) assert.equal(text, new TextDecoder("utf-8", { fatal: true }).decode(bytes));
    }),
    { numRuns: 250 },
  );
});

// ---------------------------------------------------------------------------------------------
// tokenizers

const TOK512 = new Uint8Array(readFileSync(`${STORIES}/tok512.bin`));
const SP_MODEL = new Uint8Array(readFileSync("testdata/tokenizers/tinystories512.model"));
const HF_FILES = ["hf_gpt2_2048", "hf_llama3style_2048", "hf_qwen2style_2048", "hf_sp_tinystories512", "hf_sp_tok105"]
  .map((n) => readFileSync(`testdata/tokenizers/${n}.json`, "utf8"));

const TOKENIZERS: [string, Tokenizer][] = [
  ["llama2c tok512", parseLlama2cTokenizer(TOK512, { vocabSize: 512 })],
  ["llama2c tok105", parseLlama2cTokenizer(new Uint8Array(readFileSync(`${MODELS}/babyllama105/tok105.bin`)))],
  ["sentencepiece tinystories512", new SentencePieceTokenizer(parseSentencePieceModel(SP_MODEL))],
  ["bytes", new BytesTokenizer()],
  ...HF_FILES.map((text, i): [string, Tokenizer] => [`hf ${i}`, parseHfTokenizer(text)]),
];

test("every tokenizer encodes any UTF-16 text (lone surrogates too) to ids in range, or gives a UserError", () => {
  for (const [name, tok] of TOKENIZERS) {
    fc.assert(
      fc.property(fc.oneof(anyUtf16, fc.string({ unit: "binary", maxLength: 40 })), fc.boolean(), (text, bos) => {
        const ids = allowed(`${name} encode`, text, () => tok.encode(text, { bos }));
        if (ids) {
          assert.ok(
            ids.every((id) => Number.isInteger(id) && id >= 0 && id < tok.vocabSize),
            `${name}: ids out of range`,
          );
        }
      }),
      { numRuns: 60 },
    );
  }
});

test("every tokenizer decodes any ids (negative, too large, fractional, NaN) to text or gives a UserError", () => {
  for (const [name, tok] of TOKENIZERS) {
    const id = fc.oneof(
      fc.nat(tok.vocabSize - 1),
      fc.integer(),
      fc.constantFrom(-1, tok.vocabSize, 2 ** 53, 0.5, Number.NaN, Infinity, -0),
    );
    fc.assert(
      fc.property(fc.array(id, { maxLength: 12 }), (ids) => {
        const text = allowed(`${name} decode`, ids, () => tok.decode(ids));
        if (text !== undefined) assert.equal(typeof text, "string");
      }),
      { numRuns: 100 },
    );
  }
});

test("parseLlama2cTokenizer() and parseSentencePieceModel() on mutated files give a tokenizer that works, or a UserError", () => {
  fc.assert(
    fc.property(
      fc.array(mutation, { minLength: 1, maxLength: 3 }),
      fc.option(fc.constantFrom(512, 511, 1)),
      anyUtf16,
      (ms, vocabSize, text) => {
        const bytes = mutate(TOK512, ms, 256);
        const tok = allowed(
          "parseLlama2cTokenizer",
          bytes,
          () => parseLlama2cTokenizer(bytes, { vocabSize: vocabSize ?? undefined }),
        );
        if (tok) allowed("llama2c encode/decode", text, () => tok.decode(tok.encode(text)));
      },
    ),
    { numRuns: 200 },
  );
  fc.assert(
    fc.property(fc.array(mutation, { minLength: 1, maxLength: 3 }), anyUtf16, (ms, text) => {
      const bytes = mutate(SP_MODEL, ms);
      const model = allowed("parseSentencePieceModel", bytes, () => parseSentencePieceModel(bytes));
      if (!model) return;
      const tok = allowed("new SentencePieceTokenizer", bytes, () => new SentencePieceTokenizer(model));
      if (tok) allowed("sentencepiece encode/decode", text, () => tok.decode(tok.encode(text)));
    }),
    { numRuns: 200 },
  );
});

test("parseHfTokenizer() on tokenizer.json with bytes changed or fields replaced gives a tokenizer that works, or a UserError", () => {
  const specs = HF_FILES.map((t) => JSON.parse(t));
  const field = fc.constantFrom(
    "model",
    "normalizer",
    "pre_tokenizer",
    "post_processor",
    "decoder",
    "added_tokens",
    "model.vocab",
    "model.merges",
    "model.type",
    "model.byte_fallback",
    "model.unk_token",
  );
  fc.assert(
    fc.property(
      fc.nat(specs.length - 1),
      fc.array(fc.record({ field, value: nasty }), { maxLength: 3 }),
      fc.array(mutation, { maxLength: 2 }),
      anyUtf16,
      (which, edits, ms, text) => {
        const spec = structuredClone(specs[which]);
        for (const { field, value } of edits) {
          const [a, b] = field.split(".");
          if (b === undefined) spec[a] = value;
          else if (typeof spec[a] === "object" && spec[a] !== null) spec[a][b] = value;
        }
        const bytes = mutate(new TextEncoder().encode(JSON.stringify(spec)), ms);
        const json = new TextDecoder().decode(bytes);
        const tok = allowed("parseHfTokenizer", { edits, ms }, () => parseHfTokenizer(json));
        if (tok) allowed("hf encode/decode", { edits, ms, text }, () => tok.decode(tok.encode(text)));
      },
    ),
    { numRuns: 100 },
  );
});

test("the fuzzing scratch folder is removed", () => {
  rmSync(tmp, { recursive: true, force: true });
});

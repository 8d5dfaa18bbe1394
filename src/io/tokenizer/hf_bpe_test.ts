import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { UserError } from "../../errors.ts";
import { test } from "../../testing/harness.ts";
import {
  assertEncodesHundredKb,
  assertIds,
  codeUnits,
  FIXTURES,
  peerCases,
  readJson,
  validOrUserError,
} from "./_test_util.ts";
import { onigRegex } from "./_hf_regex.ts";
import { HfBpeTokenizer, parseHfTokenizer } from "./hf_bpe.ts";
import { loadHfTokenizer, loadSentencePieceModel } from "./load.ts";
import { sentencePieceToHfJson } from "./_sp_to_hf_test_fixture.ts";

// Each fixture with the EOS id that config.json would name (dropped by decode, with the BOS).
const FIXTURE_EOS: Record<string, number> = {
  sp_tinystories512: 2,
  sp_tok105: 2,
  gpt2_2048: 2048,
  llama3style_2048: 2049,
  qwen2style_2048: 2048,
};
const load = (name: string) => loadHfTokenizer(`${FIXTURES}/hf_${name}.json`, { eos_token_id: FIXTURE_EOS[name] });

for (const name of Object.keys(FIXTURE_EOS)) {
  const tok = load(name);

  test(`encode() and decode() give Hugging Face tokenizers' ids and text on every peer text for hf_${name}.json`, () => {
    const cases = peerCases(`hf_${name}_ids.json`);
    assert.equal(cases.length, readJson<string[]>(`${FIXTURES}/texts.json`).length);
    for (const c of cases) {
      const label = `${name} ${JSON.stringify(c.text.slice(0, 40))}`;
      assertIds(tok.encode(c.text), c.ids!, label);
      if (c.tiktoken_ids) assertIds(tok.encode(c.text), c.tiktoken_ids, `${label} (tiktoken)`);
      assert.equal(tok.decode(c.ids!), c.decoded, label);
    }
  });

  test(`decode() of arbitrary ids gives text or a UserError, and encode() of arbitrary code units never throws (hf_${name}.json)`, () => {
    const id = fc.oneof(fc.integer({ min: -2, max: tok.vocabSize + 2 }), fc.constant(NaN));
    fc.assert(
      fc.property(fc.array(id, { maxLength: 30 }), (ids) => {
        const ok = ids.every((i) => Number.isInteger(i) && i >= 0 && i < tok.vocabSize);
        if (ok) assert.equal(typeof tok.decode(ids), "string");
        else assert.throws(() => tok.decode(ids), UserError);
      }),
      { numRuns: 200 },
    );
    const units = fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 30 }).map(codeUnits);
    fc.assert(fc.property(units, (t) => assert.ok(tok.encode(t).every((i) => i >= 0 && i < tok.vocabSize))), {
      numRuns: 200,
    });
  });

  test(`encode() of 100 kB of text and of one 100 kB word gives in-range ids, at most one per byte (hf_${name}.json)`, () => {
    assertEncodesHundredKb(tok, `hf_${name}.json`);
  });
}

test("decode(encode(x)) is x for any Unicode text with the byte-level tokenizers (NFC-normalized for Qwen2's)", () => {
  const [gpt2, llama3, qwen2] = ["gpt2_2048", "llama3style_2048", "qwen2style_2048"].map(load);
  fc.assert(
    fc.property(fc.string({ unit: "grapheme" }), (t) => {
      assert.equal(gpt2.decode(gpt2.encode(t)), t);
      assert.equal(llama3.decode(llama3.encode(t)), t);
      assert.equal(qwen2.decode(qwen2.encode(t)), t.normalize("NFC"));
    }),
    { numRuns: 300 },
  );
});

test("decode(encode(x)) is x for any Unicode text with the SentencePiece-style tokenizer.json, a literal ▁ read as a space", () => {
  const tok = load("sp_tinystories512");
  fc.assert(
    fc.property(fc.oneof(fc.string({ unit: "grapheme" }), fc.constant("a\u2581b")), (t) => {
      fc.pre(!/<\/?s>|<unk>/.test(t)); // literal special tokens become their ids
      assert.equal(tok.decode(tok.encode(t)), t.replaceAll("\u2581", " ")); // ▁ is how the format writes a space
    }),
    { numRuns: 300 },
  );
});

test("BOS comes from the post-processor's template: Llama-style tokenizers add it, GPT-2 and Qwen2 add none", () => {
  assert.equal(load("sp_tinystories512").bosId, 1);
  assert.equal(load("llama3style_2048").bosId, 2048);
  assert.equal(load("gpt2_2048").bosId, null);
  assert.equal(load("qwen2style_2048").bosId, null);
  const tok = load("llama3style_2048");
  assert.deepEqual(tok.encode("Hi", { bos: false }), tok.encode("Hi").slice(1));
});

// The SentencePiece-style fixtures were converted from the SentencePiece models (as transformers
// does); where the two formats disagree, the difference is in the formats, not in our code:
// - tokenizer.json matches `<s>`, `</s>`, `<unk>` in the text as special tokens; SentencePiece
//   reads them as text;
// - transformers' converter drops remove_extra_whitespaces (tok105 has it on);
// - an unknown piece decodes as "<unk>" in tokenizer.json, as the unk_surface in SentencePiece.
const hasSpecialLiteral = (t: string) => /<\/?s>|<unk>/.test(t);
const hasExtraSpaces = (t: string) => /^ | $| {2}/.test(t);
for (
  const [name, differs] of [
    ["tinystories512", hasSpecialLiteral],
    ["tok105", (t: string) => hasSpecialLiteral(t) || hasExtraSpaces(t)],
  ] as const
) {
  test(`hf_sp_${name}.json (converted) and ${name}.model (SentencePiece) give the same ids except for the known format differences`, () => {
    const hf = peerCases(`hf_sp_${name}_ids.json`), sp = peerCases(`sp_${name}_ids.json`);
    let differing = 0;
    hf.forEach((c, i) => {
      const same = JSON.stringify(c.ids) === JSON.stringify([1, ...sp[i].ids!]);
      assert.equal(
        !same,
        differs(c.text),
        `${JSON.stringify(c.text)}: tokenizers ${c.ids}, SentencePiece ${sp[i].ids}`,
      );
      if (!same) differing++;
    });
    assert.ok(differing > 0, "the peer texts exercise the differences");
  });
}

test("the SentencePiece-style fixtures are what _sp_to_hf_test_fixture.ts makes from the SentencePiece models", () => {
  const cases = [
    ["hf_sp_tinystories512.json", `${FIXTURES}/tinystories512.model`, {}],
    ["hf_sp_tok105.json", "testdata/models/babyllama105/original/tok105.model", { legacy: false, pairMerges: true }],
  ] as const;
  for (const [fixture, model, opts] of cases) {
    const made = JSON.parse(JSON.stringify(sentencePieceToHfJson(loadSentencePieceModel(model), opts)));
    assert.deepEqual(made, readJson(`${FIXTURES}/${fixture}`), fixture);
  }
});

test('merges written as "a b" strings and as [a, b] pairs give the same tokenizer', () => {
  const json = readJson<{ model: { merges: string[] } }>(`${FIXTURES}/hf_gpt2_2048.json`);
  const asPairs = { ...json, model: { ...json.model, merges: json.model.merges.map((m) => m.split(" ")) } };
  const a = new HfBpeTokenizer(json), b = new HfBpeTokenizer(asPairs);
  for (const t of readJson<string[]>(`${FIXTURES}/texts.json`)) assert.deepEqual(a.encode(t), b.encode(t));
});

test("onigRegex() rewrites (?i:...) groups and Oniguruma's \\s for JavaScript", () => {
  const re = onigRegex(String.raw`(?i:'s|'ll)|\s+`);
  assert.deepEqual("it'S we'Ll\u0085\ufeff".match(re), ["'S", " ", "'Ll", "\u0085"]); // U+FEFF is no \s
  assert.deepEqual("a\ufeffb".match(onigRegex(String.raw`\S+`)), ["a\ufeffb"]);
  assert.deepEqual("\u263a".match(onigRegex(String.raw`\x{263A}`)), ["\u263a"]);
  assert.throws(() => onigRegex("(?i)abc"), /\(\?i\) is not supported/);
  assert.throws(() => onigRegex("(unclosed"), UserError);
});

test("added tokens honour lstrip, rstrip and single_word", () => {
  const json = readJson<Record<string, unknown> & { added_tokens: unknown[] }>(`${FIXTURES}/hf_gpt2_2048.json`);
  const token = (id: number, content: string, opts: object) => ({
    id,
    content,
    special: false,
    normalized: false,
    ...opts,
  });
  const tok = new HfBpeTokenizer({
    ...json,
    added_tokens: [
      ...json.added_tokens,
      token(2049, "<mask>", { lstrip: true }),
      token(2050, "[X]", { rstrip: true }),
      token(2051, "cat", { single_word: true }),
      token(2052, "<|im-start|>", {}),
    ],
  });
  const plain = load("gpt2_2048");
  assert.deepEqual(tok.encode("a <mask>b"), [...plain.encode("a"), 2049, ...plain.encode("b")]);
  assert.deepEqual(tok.encode("[X]  b"), [2050, ...plain.encode("b")]);
  assert.deepEqual(tok.encode("a cat"), [...plain.encode("a "), 2051]);
  assert.deepEqual(tok.encode("concatenate"), plain.encode("concatenate"));
  assert.deepEqual(tok.encode("<|im-start|>a"), [2052, ...plain.encode("a")]); // regex-escaped literally
});

test("parseHfTokenizer() reports bad JSON, other model types, unknown merge tokens and unsupported components as UserErrors", () => {
  const gpt2 = readFileSync(`${FIXTURES}/hf_gpt2_2048.json`, "utf8");
  const json = JSON.parse(gpt2);
  assert.throws(() => parseHfTokenizer("{", {}, "x.json"), /Cannot read "x.json": it is not valid JSON/);
  assert.throws(() => parseHfTokenizer("[]"), /expected a JSON object/);
  assert.throws(() => new HfBpeTokenizer({ ...json, model: { type: "WordPiece" } }), /only "BPE" models are supported/);
  const badMerge = { ...json, model: { ...json.model, merges: ["zz qq"] } };
  assert.throws(() => new HfBpeTokenizer(badMerge), /not all in the vocabulary/);
  assert.throws(
    () => new HfBpeTokenizer({ ...json, pre_tokenizer: { type: "BertPreTokenizer" } }),
    /pre_tokenizer "BertPreTokenizer" is not supported/,
  );
  assert.throws(
    () => new HfBpeTokenizer({ ...json, normalizer: { type: "Precompiled" } }),
    /normalizer "Precompiled" is not supported/,
  );
  fc.assert(
    fc.property(fc.string({ maxLength: 200 }), fc.nat(gpt2.length), (noise, at) => {
      validOrUserError(() => parseHfTokenizer(noise).encode("ab"));
      validOrUserError(() => parseHfTokenizer(gpt2.slice(0, at)).encode("ab"));
    }),
    { numRuns: 100 },
  );
});

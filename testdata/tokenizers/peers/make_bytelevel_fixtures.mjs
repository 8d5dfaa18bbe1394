// Builds the byte-level BPE fixtures hf_{gpt2,llama3style,qwen2style}_2048.json from the first
// 2048 ranks of GPT-2's BPE (the `tiktoken` npm package's encoders/gpt2.json, MIT).
// Vocab and merges are derived from the ranks exactly as transformers' TikTokenConverter
// (convert_slow_tokenizer.py) does it. Usage, from testdata/tokenizers/ (see ../PROVENANCE.md):
//   node peers/make_bytelevel_fixtures.mjs /tmp/peer/node_modules/tiktoken
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const N = 2048;
export const PATTERNS = {
  gpt2: String.raw`'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`,
  llama3: String.raw`(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`,
  qwen2: String.raw`(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`,
};

/** The first N GPT-2 ranks: [base64 token, rank] in rank order, and the compressed string tiktoken reads. */
export function gpt2Ranks(tiktokenDir) {
  const enc = JSON.parse(readFileSync(join(tiktokenDir, "encoders/gpt2.json"), "utf8"));
  const [line] = enc.bpe_ranks.split("\n");
  const [name, offset, ...tokens] = line.split(" ");
  if (offset !== "0") throw new Error("unexpected gpt2.json layout");
  const kept = tokens.slice(0, N);
  return { tokens: kept, compressed: [name, "0", ...kept].join(" ") };
}

function bytesToUnicode() {
  const bs = [];
  for (let b = 33; b <= 126; b++) bs.push(b);
  for (let b = 161; b <= 172; b++) bs.push(b);
  for (let b = 174; b <= 255; b++) bs.push(b);
  const cs = bs.slice();
  let n = 0;
  for (let b = 0; b < 256; b++) if (!bs.includes(b)) { bs.push(b); cs.push(256 + n++); }
  return new Map(bs.map((b, i) => [b, String.fromCharCode(cs[i])]));
}

function vocabAndMerges(tokens) {
  const enc = bytesToUnicode();
  const bytesOf = tokens.map((t) => Buffer.from(t, "base64"));
  const rank = new Map(bytesOf.map((b, i) => [b.toString("latin1"), i]));
  const str = (latin1) => [...Buffer.from(latin1, "latin1")].map((b) => enc.get(b)).join("");
  const vocab = {};
  let merges = [];
  bytesOf.forEach((b, r) => {
    const t = b.toString("latin1");
    vocab[str(t)] = r;
    if (b.length === 1) return;
    const local = [];
    for (let i = 1; i < t.length; i++) {
      const l = t.slice(0, i), rr = t.slice(i);
      if (rank.has(l) && rank.has(rr) && rank.has(l + rr)) local.push([l, rr, r]);
    }
    local.sort((x, y) => rank.get(x[0]) - rank.get(y[0]) || rank.get(x[1]) - rank.get(y[1]));
    merges.push(...local);
  });
  merges.sort((x, y) => x[2] - y[2]);
  merges = merges.map(([l, r]) => [str(l), str(r)]);
  return { vocab, merges };
}

const added = (id, content) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
const model = (vocab, merges, extra) => ({
  type: "BPE", dropout: null, unk_token: null, continuing_subword_prefix: null, end_of_word_suffix: null,
  fuse_unk: false, byte_fallback: false, ignore_merges: false, vocab, merges, ...extra,
});
const split = (regex) => ({ type: "Split", pattern: { Regex: regex }, behavior: "Isolated", invert: false });
const byteLevel = (useRegex) => ({ type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: useRegex });

export function fixtures(tokens) {
  const { vocab, merges } = vocabAndMerges(tokens);
  const strings = merges.map(([a, b]) => `${a} ${b}`);
  const base = { version: "1.0", truncation: null, padding: null };
  return {
    gpt2: { // GPT-2's own tokenizer.json layout
      ...base, added_tokens: [added(N, "<|endoftext|>")], normalizer: null, pre_tokenizer: byteLevel(true),
      post_processor: { type: "ByteLevel", add_prefix_space: true, trim_offsets: false, use_regex: true },
      decoder: { type: "ByteLevel", add_prefix_space: true, trim_offsets: true, use_regex: true },
      model: model(vocab, strings, { continuing_subword_prefix: "", end_of_word_suffix: "" }),
    },
    llama3style: { // Llama 3's layout: Split regex + ByteLevel, BOS template, pair merges, ignore_merges
      ...base, added_tokens: [added(N, "<|begin_of_text|>"), added(N + 1, "<|end_of_text|>")], normalizer: null,
      pre_tokenizer: { type: "Sequence", pretokenizers: [split(PATTERNS.llama3), byteLevel(false)] },
      post_processor: {
        type: "Sequence", processors: [
          { type: "ByteLevel", add_prefix_space: true, trim_offsets: false, use_regex: true },
          { type: "TemplateProcessing", single: [{ SpecialToken: { id: "<|begin_of_text|>", type_id: 0 } }, { Sequence: { id: "A", type_id: 0 } }],
            pair: [{ SpecialToken: { id: "<|begin_of_text|>", type_id: 0 } }, { Sequence: { id: "A", type_id: 0 } }, { SpecialToken: { id: "<|begin_of_text|>", type_id: 1 } }, { Sequence: { id: "B", type_id: 1 } }],
            special_tokens: { "<|begin_of_text|>": { id: "<|begin_of_text|>", ids: [N], tokens: ["<|begin_of_text|>"] } } },
        ],
      },
      decoder: { type: "ByteLevel", add_prefix_space: true, trim_offsets: true, use_regex: true },
      model: model(vocab, merges, { ignore_merges: true }),
    },
    qwen2style: { // Qwen2's layout: NFC, Split regex (single digits) + ByteLevel, no BOS
      ...base, added_tokens: [added(N, "<|endoftext|>")], normalizer: { type: "NFC" },
      pre_tokenizer: { type: "Sequence", pretokenizers: [split(PATTERNS.qwen2), byteLevel(false)] },
      post_processor: { type: "ByteLevel", add_prefix_space: false, trim_offsets: false, use_regex: false },
      decoder: { type: "ByteLevel", add_prefix_space: false, trim_offsets: false, use_regex: false },
      model: model(vocab, strings, {}),
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { tokens } = gpt2Ranks(process.argv[2] ?? "/tmp/peer/node_modules/tiktoken");
  for (const [name, json] of Object.entries(fixtures(tokens))) {
    writeFileSync(`hf_${name}_${N}.json`, JSON.stringify(json) + "\n");
    console.log(`wrote hf_${name}_${N}.json`);
  }
}

// Expected ids for the tokenizer.json fixtures from Hugging Face `tokenizers` (the Rust
// library, npm package `tokenizers`), and for the byte-level ones also from OpenAI's
// `tiktoken` (Rust core compiled to WASM, npm package `tiktoken`) on the same 2048 GPT-2 ranks.
// Usage, from testdata/tokenizers/ (see ../PROVENANCE.md):
//   node peers/hf_ids.mjs /tmp/peer/node_modules
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { gpt2Ranks, N, PATTERNS } from "./make_bytelevel_fixtures.mjs";

const modules = process.argv[2] ?? "/tmp/peer/node_modules";
const require = createRequire(join(modules, "x.js"));
const { Tokenizer } = require("tokenizers");
const { Tiktoken } = require("tiktoken/lite");
const version = (p) => JSON.parse(readFileSync(join(modules, p, "package.json"), "utf8")).version;
const texts = JSON.parse(readFileSync("texts.json", "utf8"));

const ranks = gpt2Ranks(join(modules, "tiktoken")).compressed;
const tiktokens = {
  gpt2: new Tiktoken(ranks, { "<|endoftext|>": N }, PATTERNS.gpt2),
  llama3style: new Tiktoken(ranks, { "<|begin_of_text|>": N, "<|end_of_text|>": N + 1 }, PATTERNS.llama3),
};
// ids decode() drops in our contract: the template's BOS and the EOS we pass as config eos_token_id
const fixtures = {
  sp_tinystories512: { dropped: [1, 2] },
  sp_tok105: { dropped: [1, 2] },
  [`gpt2_${N}`]: { dropped: [N], tiktoken: tiktokens.gpt2 },
  [`llama3style_${N}`]: { dropped: [N, N + 1], tiktoken: tiktokens.llama3style, bos: N },
  [`qwen2style_${N}`]: { dropped: [N] },
};

for (const [name, f] of Object.entries(fixtures)) {
  const tok = Tokenizer.fromFile(`hf_${name}.json`);
  const cases = [];
  for (const text of texts) {
    const ids = Array.from((await tok.encode(text, null, { addSpecialTokens: true })).getIds());
    const decoded = await tok.decode(ids.filter((id) => !f.dropped.includes(id)), false);
    const c = { text, ids, decoded };
    if (f.tiktoken) c.tiktoken_ids = [...(f.bos !== undefined ? [f.bos] : []), ...f.tiktoken.encode(text, "all")];
    cases.push(c);
  }
  const doc = {
    tokenizer: `hf_${name}.json`,
    peer: `tokenizers ${version("tokenizers")} (npm, Hugging Face's Rust library): encode(text, null, {addSpecialTokens: true}).getIds(); decode(ids without ${JSON.stringify(f.dropped)}, skipSpecialTokens=false)` +
      (f.tiktoken ? `; tiktoken_ids: tiktoken ${version("tiktoken")} (npm, WASM) on the same 2048 GPT-2 ranks and split pattern, encode(text, "all")` : ""),
    dropped_by_decode: f.dropped,
    cases,
  };
  writeFileSync(`hf_${name}_ids.json`, JSON.stringify(doc, null, 1) + "\n");
  const disagree = cases.filter((c) => c.tiktoken_ids && JSON.stringify(c.tiktoken_ids) !== JSON.stringify(c.ids));
  console.log(name, cases.length, f.tiktoken ? `tiktoken disagrees on ${disagree.length}: ${disagree.map((c) => JSON.stringify(c.text.slice(0, 30))).join(" ")}` : "");
}

/**
 * How long each tokenizer takes to encode 100 kB: the figure the tokenizer tests used to assert
 * ("well under a second"), measured here instead, where a busy machine cannot fail a test.
 *
 *   deno run -A bench/tokenizers.ts            median of 5 runs per tokenizer and input (--runs N, --json)
 *   bun bench/tokenizers.ts                    node: build with esbuild like bench/forward.ts
 *
 * Inputs (src/io/tokenizer/_test_util.ts): 100 kB of the fixture texts (English, CJK, emoji, each
 * copy numbered so no long stretch repeats) and one 100 kB word ("aaa…", the worst case for a
 * merge loop). A row well above a second on a quiet machine points at a quadratic merge.
 *
 * @module
 */
import process from "node:process";
import { BytesTokenizer } from "../src/io/tokenizer/bytes.ts";
import { loadHfTokenizer, loadLlama2cTokenizer, loadSentencePieceTokenizer } from "../src/io/tokenizer/load.ts";
import type { Tokenizer } from "../src/io/tokenizer/tokenizer.ts";
import { FIXTURES, HUNDRED_KB_WORD, hundredKb } from "../src/io/tokenizer/_test_util.ts";
import { flag, machine } from "./_machine.ts";

const runs = Number(flag("runs", "5"));
const json = process.argv.includes("--json");

const tokenizers: [string, () => Tokenizer][] = [
  ["bytes", () => new BytesTokenizer()],
  ["llama2c tok512.bin", () => loadLlama2cTokenizer("testdata/models/stories260K/tok512.bin", { vocabSize: 512 })],
  [
    "sentencepiece tok105.model",
    () => loadSentencePieceTokenizer("testdata/models/babyllama105/original/tok105.model"),
  ],
  ["sentencepiece tinystories512.model", () => loadSentencePieceTokenizer(`${FIXTURES}/tinystories512.model`)],
  ...["sp_tinystories512", "sp_tok105", "gpt2_2048", "llama3style_2048", "qwen2style_2048"].map((
    name,
  ): [string, () => Tokenizer] => [`hf_${name}.json`, () => loadHfTokenizer(`${FIXTURES}/hf_${name}.json`)]),
];
const inputs: [string, string][] = [["100 kB text", hundredKb()], ["100 kB word", HUNDRED_KB_WORD]];

/** Median time of the first encode() of `text` by a freshly loaded tokenizer (no word cache yet). */
function firstEncodeMs(load: () => Tokenizer, text: string): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const tok = load();
    const t0 = performance.now();
    tok.encode(text);
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b)[times.length >> 1];
}

if (!json) console.log(`First encode() of 100 kB by a fresh tokenizer, median of ${runs} runs; ${machine()}\n`);
for (const [name, load] of tokenizers) {
  for (const [what, text] of inputs) {
    const ms = firstEncodeMs(load, text);
    if (json) console.log(JSON.stringify({ tokenizer: name, input: what, ms, machine: machine() }));
    else console.log(`${name.padEnd(36)} ${what.padEnd(12)} ${ms.toFixed(1).padStart(8)} ms`);
  }
}

/**
 * Test-fixture converter: a SentencePiece BPE model to a Llama-2-style `tokenizer.json`, as
 * Hugging Face transformers' `LlamaConverter` (`convert_slow_tokenizer.py`) writes it (the
 * conversion itself is `sentencePieceToHfJson` in export_hf.ts, without its `exact` option).
 *
 * It makes the SentencePiece-style fixtures of `testdata/tokenizers/` (there is no
 * tokenizer.json among the shared models); the ids those fixtures must give come from
 * SentencePiece itself and from Hugging Face `tokenizers` (see testdata/tokenizers/PROVENANCE.md),
 * never from this file.
 *
 * Usage: `deno run -A src/io/tokenizer/_sp_to_hf_test_fixture.ts IN.model OUT.json [--no-legacy] [--pair-merges]`
 *
 * @module
 */

import { writeFileSync } from "node:fs";
import { sentencePieceToHfJson } from "./export_hf.ts";
import { loadSentencePieceModel } from "./load.ts";

export { sentencePieceToHfJson };

if (import.meta.main) {
  const [input, output, ...flags] = (globalThis as unknown as { Deno: { args: string[] } }).Deno.args;
  const json = sentencePieceToHfJson(loadSentencePieceModel(input), {
    legacy: !flags.includes("--no-legacy"),
    pairMerges: flags.includes("--pair-merges"),
  });
  writeFileSync(output, JSON.stringify(json, null, 2) + "\n");
  console.log(`wrote ${output}`);
}

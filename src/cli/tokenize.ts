/** `shortgpt tokenize <model> --text S`: ids with the model's tokenizer (or text with --decode). @module */
import { readRawConfig } from "../io/config_json.ts";
import { loadTokenizer } from "../io/tokenizer/mod.ts";
import type { CommandSpec, Parsed } from "./args.ts";
import { bool, str } from "./args.ts";
import { oneOf, requireModel } from "./common.ts";
import { parseIds, readTextFile } from "./inputs.ts";
import { out } from "./output.ts";

export const spec: CommandSpec = {
  name: "tokenize",
  summary: "text to token ids with the model's tokenizer, or ids to text with --decode",
  usage:
    "shortgpt tokenize <model> (--text S | --text-file F) [--no-bos] [--json]   |   shortgpt tokenize <model> --decode IDS",
  description: `
The tokenizer is found in the model folder: tokenizer.json (Hugging Face BPE), tokenizer.model
(SentencePiece), tokenizer.bin / tok*.bin (llama2.c), or "tokenizer": "bytes" in config.json.
BOS is added where the tokenizer has one (llama2.c, Llama); --no-bos leaves it out.`,
  positionals: ["model"],
  flags: {
    text: { type: "string", arg: "S", help: "text to encode" },
    "text-file": { type: "string", arg: "F", help: "a UTF-8 file to encode" },
    decode: { type: "string", arg: "IDS", help: "ids to decode, e.g. 1,403,407" },
    "no-bos": { type: "boolean", help: "do not add the BOS id" },
    json: { type: "boolean", help: 'print {"ids": [...]} (or {"text": ...} with --decode)' },
  },
  examples: [
    'shortgpt tokenize testdata/models/stories260K --text "Once upon a time"',
    "shortgpt tokenize testdata/models/stories260K --decode 1,403,407",
  ],
};

export function run(p: Parsed): void {
  const dir = requireModel(p, spec);
  const tok = loadTokenizer(dir, readRawConfig(dir));
  const given = oneOf(p, ["text", "text-file", "decode"]);
  if (given === "decode") {
    const text = tok.decode(parseIds(str(p, "decode")!, "--decode"));
    return out(bool(p, "json") ? JSON.stringify({ text }) : text);
  }
  const text = given === "text" ? str(p, "text")! : readTextFile(str(p, "text-file")!);
  const ids = tok.encode(text, { bos: !bool(p, "no-bos") });
  out(bool(p, "json") ? JSON.stringify({ ids }) : ids.join(" "));
}

/**
 * `shortgpt export-tokenizer <model> --out DIR`: tokenizer.json + tokenizer_config.json for a
 * model whose tokenizer is a llama2.c `tok*.bin` or a SentencePiece BPE `tokenizer.model`, so
 * `AutoTokenizer.from_pretrained(DIR)` works (`prune` does the same automatically).
 *
 * @module
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { UserError } from "../errors.ts";
import { readRawConfig } from "../io/config_json.ts";
import { exportHfTokenizer } from "../io/tokenizer/export_hf.ts";
import { isInside } from "../prune/output_folder.ts";
import type { CommandSpec, Parsed } from "./args.ts";
import { bool, str } from "./args.ts";
import { requireModel } from "./common.ts";
import { out } from "./output.ts";
import { writeFileAtomic } from "./output.ts";

export const spec: CommandSpec = {
  name: "export-tokenizer",
  summary: "write tokenizer.json + tokenizer_config.json for a llama2.c or SentencePiece tokenizer",
  usage: "shortgpt export-tokenizer <model> --out DIR [--force]",
  description: `
Converts the model's llama2.c tok*.bin / tokenizer.bin or SentencePiece BPE tokenizer.model into
the Hugging Face files transformers' LlamaConverter would write (docs/compatibility.md), giving
the same token ids (literal <s>, </s>, <unk> in a text are special tokens in tokenizer.json).
The model folder itself is never modified: --out is another folder.`,
  positionals: ["model"],
  flags: {
    out: { type: "string", arg: "DIR", help: "folder to write the two files into (created if needed)" },
    force: { type: "boolean", help: "replace tokenizer.json / tokenizer_config.json already in --out" },
  },
  examples: ["shortgpt export-tokenizer testdata/models/stories260K --out /tmp/stories-tokenizer"],
};

export function run(p: Parsed): void {
  const dir = requireModel(p, spec);
  const outDir = str(p, "out");
  if (!outDir) throw new UserError(`"export-tokenizer" needs --out DIR, a folder for the two files`);
  if (isInside(outDir, dir)) {
    throw new UserError(`--out "${outDir}" is the model folder or inside it; shortgpt never modifies its input`);
  }
  const files = exportHfTokenizer(dir, readRawConfig(dir));
  if (files === null) {
    throw new UserError(
      `"${dir}" has ${
        existsSync(join(dir, "tokenizer.json"))
          ? "a tokenizer.json already"
          : "no llama2.c or SentencePiece BPE tokenizer"
      }; nothing to export`,
    );
  }
  for (const name of Object.keys(files)) {
    if (existsSync(join(outDir, name)) && !bool(p, "force")) {
      throw new UserError(`"${join(outDir, name)}" exists; pass --force to replace it`);
    }
  }
  for (const [name, text] of Object.entries(files)) writeFileAtomic(join(outDir, name), text);
  out(`wrote ${Object.keys(files).map((f) => join(outDir, f)).join(", ")}`);
}

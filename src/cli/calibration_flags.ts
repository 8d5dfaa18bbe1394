/** The calibration-input flags shared by importance, prune, ppl and sweep. @module */
import { makeWindows } from "../calibration.ts";
import { loadTokenizer } from "../io/tokenizer/mod.ts";
import type { ModelFolder } from "../models/load.ts";
import type { FlagSpec, Parsed } from "./args.ts";
import { num, str } from "./args.ts";
import { idsFromFlags, oneOf } from "./common.ts";
import { readTextFile } from "./inputs.ts";

export const CALIBRATION_FLAGS: Record<string, FlagSpec> = {
  "text-file": {
    type: "string",
    arg: "F",
    help: "UTF-8 text, tokenized once with the model's tokenizer and cut into windows",
  },
  "ids-file": { type: "string", arg: "F", help: "token ids, one sequence per line (or a JSON array of arrays)" },
  ids: { type: "string", arg: "IDS", help: "one sequence of token ids, e.g. 1,403,407" },
  window: { type: "int", arg: "N", default: 256, help: "tokens per calibration window" },
  "max-windows": { type: "int", arg: "N", help: "use only the first N windows" },
};

/** The calibration windows the flags describe (docs/conventions.md "Tokens and windows"). */
export function windowsFromFlags(p: Parsed, model: ModelFolder): Int32Array[] {
  const source = oneOf(p, ["text-file", "ids-file", "ids"]);
  let sequences: number[][];
  if (source === "text-file") {
    const text = readTextFile(str(p, "text-file")!);
    sequences = [loadTokenizer(model.dir, model.raw).encode(text)];
  } else {
    sequences = idsFromFlags(p)!;
  }
  return makeWindows(sequences, num(p, "window")!, num(p, "max-windows"));
}

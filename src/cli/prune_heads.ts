/** `shortgpt prune-heads <model> --out DIR --heads L:H,...`: remove attention heads and write a loadable folder. @module */
import { UserError } from "../errors.ts";
import { checkOutputFolder } from "../prune/output_folder.ts";
import { resolveLlamaConfig, TRANSFORMER_TYPES, type TransformerType } from "../models/llama/config.ts";
import type { ModelFolder } from "../models/load.ts";
import { checkHeadList, formatHeadList, HEAD_MODES, type HeadMode, parseHeadList } from "../prune/remove_heads.ts";
import { saveHeadPruned } from "../prune/remove_heads_save.ts";
import type { CommandSpec, Parsed } from "./args.ts";
import { bool, str } from "./args.ts";
import { checkBeforeCopy, requireModel, withModel } from "./common.ts";
import { checkParentExists, note, out } from "./output.ts";

export const spec: CommandSpec = {
  name: "prune-heads",
  summary: "remove attention heads (physically, or by masking their o_proj columns) and write a new model folder",
  usage: "shortgpt prune-heads <model> --out DIR --heads L:H[,L:H...] [--mode physical|mask] [--force]",
  description: `
Heads are LAYER:HEAD pairs in this folder's own 0-based numbering; several heads and layers may
be given at once, but never every head of a layer (remove the layer with "shortgpt prune" then).

  physical  drops each head's rows of q_proj (and k_proj/v_proj, biases, Baichuan's W_pack) and
            its head_dim columns of o_proj. A grouped-query layer that loses a head is first
            written out as plain multi-head attention (each query head gets its own copy of the
            key/value rows it reads), so it ends with H-1 query and H-1 key/value heads.
            config.json gets layer_num_attention_heads / layer_num_key_value_heads lists and an
            explicit head_dim. shortgpt loads the result; stock Hugging Face transformers does not
            build per-layer head counts (see docs/heads.md).
  mask      zeroes each head's o_proj columns; shapes and config counts stay stock, so every tool
            loads the folder. Same outputs as physical.

Edited tensors keep their stored dtype (rows and columns are copied as bytes); everything else is
copied as stored. config.json's "shortgpt" block records removed_heads as [layer, head] pairs in
the ORIGINAL checkpoint's numbering (across earlier pruning) and head_mode.`,
  positionals: ["model"],
  flags: {
    out: { type: "string", arg: "DIR", help: "the new model folder (must not exist or be empty, unless --force)" },
    heads: { type: "string", arg: "LIST", help: "heads to remove as LAYER:HEAD pairs, e.g. 0:1,3:5" },
    mode: { type: "string", arg: "M", choices: HEAD_MODES, default: "physical", help: "how heads are removed" },
    force: { type: "boolean", help: "replace a non-empty --out folder" },
  },
  examples: [
    "shortgpt prune-heads testdata/models/stories260K --out /tmp/stories260K-heads --heads 0:1,3:5",
    "shortgpt prune-heads MODEL --out MODEL-masked --heads 12:3 --mode mask",
  ],
};

export function run(p: Parsed): Promise<void> {
  return withModel(requireModel(p, spec), (folder) => pruneHeads(p, folder));
}

/** The command on a model folder opened once: config.json and the headers are read one time. */
export function pruneHeads(p: Parsed, folder: ModelFolder): void {
  const dir = folder.dir;
  const outDir = str(p, "out");
  if (!outDir) throw new UserError(`"prune-heads" needs --out DIR, a new folder for the pruned model`);
  const headsFlag = str(p, "heads");
  if (headsFlag === undefined) {
    throw new UserError(`"prune-heads" needs --heads LAYER:HEAD[,LAYER:HEAD...], e.g. --heads 0:1,3:5`);
  }
  const force = bool(p, "force");
  checkParentExists(outDir); // the folder above --out must exist: we never create a chain
  checkOutputFolder(outDir, dir, force);
  const mode = str(p, "mode") as HeadMode;
  const heads = parseHeadList(headsFlag);
  const raw = folder.raw;
  if (TRANSFORMER_TYPES.includes(raw.model_type as TransformerType)) {
    checkHeadList(heads, resolveLlamaConfig(raw).numHeads); // a quick answer for a bad list, before reading the weights
    checkBeforeCopy(folder); // untouched tensors are copied as stored; their values are scanned as they are copied
  }
  const s = saveHeadPruned(folder, outDir, heads, { mode, force });
  const changed = s.numHeads.map((n, l) => [l, n] as const).filter(([l]) => s.removedHeads.some(([x]) => x === l));
  const given = formatHeadList(s.removedHeads), original = formatHeadList(s.originalHeads);
  out(
    `removed heads ${given} (${mode})${
      original === given ? "" : `; in the original checkpoint's numbering ${original}`
    }`,
  );
  if (mode === "physical") {
    out(`heads left: ${changed.map(([l, n]) => `layer ${l}: ${n} (kv ${s.numKvHeads[l]})`).join(", ")}`);
  }
  out(`wrote ${s.outDir}: ${s.tensors} tensors, ${(s.bytes / 2 ** 20).toFixed(1)} MiB`);
  note(
    mode === "physical"
      ? `per-layer head counts: load it with shortgpt (stock transformers cannot; use --mode mask for a stock-loadable folder)`
      : `stock shapes: loads with shortgpt or transformers' AutoModelForCausalLM.from_pretrained`,
    bool(p, "quiet"),
  );
}

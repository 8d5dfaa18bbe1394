/** `shortgpt eval <model> --task NAME --data DIR`: multiple choice as lm-evaluation-harness scores it. @module */
import { UserError } from "../errors.ts";
import { evaluateTask } from "../eval/evaluate.ts";
import { contextLimit } from "../eval/loglikelihood.ts";
import type { EvalReport } from "../eval/multiple_choice.ts";
import { TASKS } from "../eval/tasks/mod.ts";
import { readRawConfig } from "../io/config_json.ts";
import { loadTokenizer } from "../io/tokenizer/mod.ts";
import { withoutLayers } from "../prune/remove_layers.ts";
import { Progress } from "../report/progress.ts";
import type { CommandSpec, Parsed } from "./args.ts";
import { bool, num, str } from "./args.ts";
import { loadForCli } from "./backend.ts";
import { requireModel } from "./common.ts";
import { parseLayerList } from "./inputs.ts";
import { note, out, refuseInsideModel, writeFileAtomic } from "./output.ts";

const taskList = TASKS.map((t) => `  ${t.name.padEnd(14)} ${t.summary}`).join("\n");

export const spec: CommandSpec = {
  name: "eval",
  summary: "multiple-choice accuracy (acc, acc_norm) as lm-evaluation-harness scores it",
  usage:
    "shortgpt eval <model> --task NAME --data DIR [--limit N] [--shots K] [--split S] [--remove-layers LIST] [--json F]",
  description: `
Each choice is scored by the summed log-likelihood (float64) of " " + choice after the task's
prompt, tokenized as lm-eval does: trailing spaces of the context move to the continuation,
whole = encode(context + continuation), continuation ids = whole[len(encode(context)):] (BOS
once, where the tokenizer adds one). acc takes the arg-max; acc_norm divides by the choice's
length in characters. Ties go to the lower index. Standard errors are sample std / sqrt(n).
A context longer than the model's context is cut from the left, as lm-eval does (a continuation
longer than the context alone is scored in windows of half the context). The choices of
an item run their shared context once (KV cache or RWKV state). lambada reports acc = the last
word is the greedy continuation, and its perplexity. See docs/evaluation.md.

--data is the task's data folder (e.g. ../shared/data/copa) or the folder holding it
(../shared/data). Tasks:
${taskList}`,
  positionals: ["model"],
  flags: {
    task: { type: "string", arg: "NAME", choices: TASKS.map((t) => t.name), help: "the task" },
    data: { type: "string", arg: "DIR", help: "the task's data folder, or the folder that holds it" },
    limit: { type: "int", arg: "N", help: "only the first N items (mmlu, blimp, zorro: of each subject / paradigm)" },
    shots: { type: "int", arg: "K", default: 0, help: "few-shot examples in the prompt (mmlu: first K dev rows)" },
    split: {
      type: "string",
      arg: "S",
      help: "split to read (arc: test|dev; mctest: test|dev|mc160.dev|...; race: middle|high)",
    },
    "remove-layers": {
      type: "string",
      arg: "LIST",
      help: "evaluate with these layers removed (in memory), e.g. 4,3,7",
    },
    groups: { type: "boolean", help: "also print accuracy per subject / paradigm" },
    "no-bos": {
      type: "boolean",
      help: "no BOS before the context (lm-eval < 0.4.9.2, or add_bos_token=False; an empty context still reads BOS)",
    },
    json: { type: "string", arg: "F", help: "write the report with every item's scores as JSON (- for stdout)" },
  },
  examples: [
    "shortgpt eval testdata/models/bytellama-12L --task copa --data ../shared/data",
    "shortgpt eval testdata/models/bytellama-12L --task hellaswag --data ../shared/data/hellaswag --limit 200 --json hs.json",
    "shortgpt eval MODEL --task mmlu --data ../shared/data/mmlu --shots 5",
  ],
};

/** The one-line summary of a report. */
export function summaryLine(r: EvalReport): string {
  const f = (x: number | null) => (x === null || Number.isNaN(x) ? "n/a" : x.toFixed(4));
  const parts = [`${r.task}: acc ${f(r.acc)} ± ${f(r.acc_stderr)}`];
  if (r.acc_norm !== null) parts.push(`acc_norm ${f(r.acc_norm)} ± ${f(r.acc_norm_stderr)}`);
  if (r.ppl !== undefined) parts.push(`ppl ${r.ppl.toPrecision(6)}`);
  return `${parts.join(", ")}  (n=${r.n})`;
}

export async function run(p: Parsed): Promise<void> {
  const dir = requireModel(p, spec);
  const task = str(p, "task"), data = str(p, "data");
  if (!task) throw new UserError(`"eval" needs --task NAME; tasks: ${TASKS.map((t) => t.name).join(", ")}`);
  if (!data) throw new UserError(`"eval" needs --data DIR, the task's data folder (e.g. ../shared/data/${task})`);
  const json = str(p, "json");
  if (json && json !== "-") refuseInsideModel(json, dir);
  const quiet = bool(p, "quiet");
  const raw = readRawConfig(dir);
  const tok = loadTokenizer(dir, raw);
  let model = await loadForCli(dir, p);
  const removeFlag = str(p, "remove-layers");
  const removed = removeFlag === undefined ? [] : parseLayerList(removeFlag, "--remove-layers");
  if (removed.length) model = withoutLayers(model, removed);

  let progress: Progress | undefined;
  const report = await evaluateTask(model, tok, task, data, {
    limit: num(p, "limit"),
    shots: num(p, "shots"),
    split: str(p, "split"),
    bos: !bool(p, "no-bos"),
    onItem: (_done, total) => {
      progress ??= new Progress("items", total, { quiet });
      progress.tick();
    },
  });
  progress?.done();

  const truncated = report.items.filter((s) => s.truncated).length;
  if (truncated > 0) {
    note(
      `${truncated} of ${report.n} items were cut from the left to fit the model's context of ${
        contextLimit(model)
      } tokens`,
      quiet,
    );
  }
  const full = {
    task: report.task,
    n: report.n,
    acc: report.acc,
    acc_norm: report.acc_norm,
    acc_stderr: report.acc_stderr,
    acc_norm_stderr: report.acc_norm_stderr,
    ...(report.ppl !== undefined ? { ppl: report.ppl } : {}),
    model: dir,
    data,
    limit: num(p, "limit") ?? null,
    shots: num(p, "shots") ?? 0,
    split: str(p, "split") ?? null,
    removed_layers: removed,
    conventions: {
      scoring: "lm-evaluation-harness loglikelihood: sum of log p over the continuation ids, float64",
      continuation: '" " + choice; trailing context spaces moved to the continuation',
      acc_norm: "loglikelihood / len(choice) in characters (code points)",
      bos: tok.bosId !== null && !bool(p, "no-bos"),
      truncation: `left, to ${contextLimit(model)} tokens`,
      items_truncated: truncated,
    },
    deviations: report.deviations,
    ...(report.groups ? { groups: report.groups } : {}),
    items: report.items,
  };
  if (json === "-") return out(JSON.stringify(full));
  if (json) {
    writeFileAtomic(json, JSON.stringify(full, null, 2) + "\n");
    note(`wrote ${json}`, quiet);
  }
  out(summaryLine(report));
  if (bool(p, "groups") && report.groups) {
    const w = Math.max(...Object.keys(report.groups).map((g) => g.length));
    for (const [g, r] of Object.entries(report.groups)) {
      out(`  ${g.padEnd(w)}  acc ${r.acc.toFixed(4)}  acc_norm ${r.acc_norm.toFixed(4)}  (n=${r.n})`);
    }
  }
}

/** `shortgpt ppl <model>`: perplexity over calibration windows. @module */
import { UserError } from "../errors.ts";
import { perplexity, perplexityFrom, type PerplexityResult } from "../eval/perplexity.ts";
import { checkWindows } from "../models/forward.ts";
import { loadModel, type ModelFolder, openModel } from "../models/load.ts";
import { streamLayers } from "../stream/layer_stream.ts";
import { Progress } from "../report/progress.ts";
import type { CommandSpec, Parsed } from "./args.ts";
import { bool, str } from "./args.ts";
import { backendFromFlags } from "./backend.ts";
import { MEMORY_FLAGS, peakRss, planMemory } from "./memory.ts";
import { CALIBRATION_FLAGS, windowsFromFlags } from "./calibration_flags.ts";
import { checkTensorShapes, requireModel, withModel } from "./common.ts";
import { note, out, refuseInsideModel, writeFileAtomic } from "./output.ts";

export const spec: CommandSpec = {
  name: "ppl",
  summary: "perplexity: exp(mean NLL over every predicted token of every window)",
  usage: "shortgpt ppl <model> (--text-file F | --ids-file F | --ids IDS) [--window 256] [--max-windows N] [--json F]",
  description: `
Each window runs independently from position 0; its first token is not predicted, so a window
of T tokens contributes T - 1 predictions. Log-likelihoods are summed in float64.`,
  positionals: ["model"],
  flags: {
    ...CALIBRATION_FLAGS,
    ...MEMORY_FLAGS,
    json: { type: "string", arg: "F", help: "write {ppl, nll_mean, tokens, windows} as JSON (- for stdout)" },
  },
  examples: ["shortgpt ppl testdata/models/bytellama-12L --text-file testdata/texts/tinystories_heldout.txt"],
};

export async function run(p: Parsed): Promise<void> {
  await withModel(requireModel(p, spec), (folder) => ppl(p, folder));
}

/** The command on a model folder opened once: config.json and the headers are read one time. */
async function ppl(p: Parsed, folder: ModelFolder): Promise<void> {
  const dir = folder.dir;
  const json = str(p, "json");
  if (json && json !== "-") refuseInsideModel(json, dir);
  const quiet = bool(p, "quiet");
  const windows = windowsFromFlags(p, folder);
  if (windows.every((w) => w.length < 2)) {
    throw new UserError(
      "Every window has a single token, so nothing is predicted; give more text or a larger --window",
    );
  }
  const plan = planMemory(p, folder);
  let r: PerplexityResult;
  if (plan.stream) {
    checkTensorShapes(folder); // every layer's names and shapes from the headers, before any work
    const { parts, close } = openModel(folder, await backendFromFlags(p));
    try {
      checkWindows(parts, windows); // bad ids and a bad model: one line, before any note (checked once)
      parts.embed(Int32Array.of(0)); // reads (and checks) the embeddings now
      note(`streaming layer by layer: ${plan.reason}`, quiet);
      const progress = new Progress("layers", parts.numLayers, { quiet });
      const s = await streamLayers(parts, windows, [], {
        nll: true,
        activationBudget: plan.budget / 2,
        onLayer: () => progress.tick(),
        checkIds: false,
      });
      progress.done();
      r = perplexityFrom(s.nll, s.predicted, windows.length);
      note(`peak memory ${(peakRss() / 2 ** 20).toFixed(0)} MiB`, quiet);
    } finally {
      close();
    }
  } else {
    const model = loadModel(folder, await backendFromFlags(p));
    checkWindows(model, windows); // before the progress line (checked once)
    const progress = new Progress("windows", windows.length, { quiet });
    r = await perplexity(model, windows, () => progress.tick(), { checkIds: false });
    progress.done();
  }
  const report = { model: dir, ...r };
  if (json === "-") return out(JSON.stringify(report));
  if (json) {
    writeFileAtomic(json, JSON.stringify(report, null, 2) + "\n");
    note(`wrote ${json}`, quiet);
  }
  out(
    `perplexity ${r.ppl.toFixed(4)}  (mean NLL ${
      r.nll_mean.toFixed(6)
    } nats over ${r.tokens} predicted tokens, ${r.windows} windows)`,
  );
}

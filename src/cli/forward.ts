/** `shortgpt forward <model>`: run the model, print a summary or dump every tensor. @module */
import { version } from "../version.ts";
import { UserError } from "../errors.ts";
import { writeSafetensors } from "../io/safetensors_write.ts";
import { loadTokenizer } from "../io/tokenizer/mod.ts";
import { checkIds, forward } from "../models/forward.ts";
import { runtimeName } from "../runtime.ts";
import { fromFloat32 } from "../tensor.ts";
import type { CommandSpec, Parsed } from "./args.ts";
import { bool, str } from "./args.ts";
import { backendFromFlags } from "./backend.ts";
import { MEMORY_FLAGS, planMemory } from "./memory.ts";
import { streamLayers } from "../stream/layer_stream.ts";
import { loadModel, type ModelFolder, openModel } from "../models/load.ts";
import { checkTensorShapes, idsFromFlags, oneOf, requireModel, withModel } from "./common.ts";
import { note, out, refuseInsideModel, writeFileAtomic } from "./output.ts";

export const spec: CommandSpec = {
  name: "forward",
  summary: "run the model on one sequence; print the next-token prediction or dump every hidden state",
  usage: "shortgpt forward <model> (--ids 1,2,3 | --ids-file F | --text S) [--out F.safetensors] [--json]",
  description: `
With --out, writes a safetensors file of float32 tensors: logits [T,V] (row t predicts token t+1),
hidden_states [L+1,T,D] (raw convention: entry 0 = token embeddings, entry i = residual stream
entering layer i, entry L = after the last layer and before the final norm), final_hidden [T,D]
(after the final norm) and input_ids I32 [T]. Compare it with another implementation's dump
using "shortgpt compare".`,
  positionals: ["model"],
  flags: {
    ...MEMORY_FLAGS,
    ids: { type: "string", arg: "IDS", help: "token ids, e.g. 1,403,407" },
    "ids-file": { type: "string", arg: "F", help: "a file with one sequence of ids (spaces or commas)" },
    text: { type: "string", arg: "S", help: "text, tokenized with the model's tokenizer (BOS added where it has one)" },
    out: { type: "string", arg: "F", help: "write logits and hidden states to this .safetensors file" },
    json: { type: "boolean", help: "print the summary as JSON" },
  },
  examples: [
    'shortgpt forward testdata/models/stories260K --text "Once upon a time"',
    "shortgpt forward testdata/models/stories260K --ids 1,403,407 --out dump.safetensors",
  ],
};

export async function run(p: Parsed): Promise<void> {
  await withModel(requireModel(p, spec), (folder) => forwardCommand(p, folder));
}

/** The command on a model folder opened once: config.json and the headers are read one time. */
async function forwardCommand(p: Parsed, folder: ModelFolder): Promise<void> {
  const dir = folder.dir;
  const source = oneOf(p, ["ids", "ids-file", "text"]);
  const outPath = str(p, "out");
  if (outPath) refuseInsideModel(outPath, dir);
  let ids: number[];
  if (source === "text") {
    ids = loadTokenizer(dir, folder.raw).encode(str(p, "text")!);
  } else {
    const seqs = idsFromFlags(p)!;
    if (seqs.length !== 1) {
      throw new UserError(`"forward" runs one sequence; the ids file holds ${seqs.length} (keep one line)`);
    }
    ids = seqs[0];
  }
  const r = await runOne(p, folder, Int32Array.from(ids));
  const { logits, final, hidden } = r;
  const T = ids.length, D = r.info.hiddenSize, V = r.info.vocabSize;

  if (outPath) {
    const stacked = new Float32Array(hidden.length * T * D);
    hidden.forEach((h, i) => stacked.set(h, i * T * D));
    const idBytes = new Uint8Array(Int32Array.from(ids).buffer);
    writeFileAtomic(outPath, (tmp) =>
      writeSafetensors(tmp, [
        { name: "logits", dtype: "F32", shape: [T, V], bytes: fromFloat32(logits, "F32") },
        { name: "hidden_states", dtype: "F32", shape: [hidden.length, T, D], bytes: fromFloat32(stacked, "F32") },
        { name: "final_hidden", dtype: "F32", shape: [T, D], bytes: fromFloat32(final, "F32") },
        { name: "input_ids", dtype: "I32", shape: [T], bytes: idBytes },
      ], {
        model: dir,
        backend: r.backend,
        runtime: runtimeName(),
        version,
        hidden_states: "raw: [0] = embeddings, [i] = input of layer i, [L] = before the final norm",
      }));
  }
  // The next-token distribution after the last position.
  const last = logits.subarray((T - 1) * V, T * V);
  let max = -Infinity;
  for (const v of last) max = Math.max(max, v);
  let z = 0;
  for (const v of last) z += Math.exp(v - max);
  const top = Array.from(last.keys()).sort((a, b) => last[b] - last[a] || a - b).slice(0, 5)
    .map((id) => ({ id, logit: last[id], prob: Math.exp(last[id] - max) / z }));
  const summary = {
    tokens: T,
    layers: r.layers,
    ids,
    next_token_top5: top,
    out: outPath ?? null,
    streamed: r.streamed,
  };
  if (bool(p, "json")) return out(JSON.stringify(summary));
  out(
    `${T} tokens through ${r.layers} layers (${r.info.family}, ${r.backend}${
      r.streamed ? ", streamed layer by layer" : ""
    })`,
  );
  out(`next token after position ${T - 1}: ` + top.map((t) => `${t.id} (p=${t.prob.toFixed(4)})`).join(", "));
  if (outPath) {
    out(`wrote ${outPath}: logits [${T},${V}], hidden_states [${hidden.length},${T},${D}], final_hidden, input_ids`);
  }
}

/** Logits, final norm and every hidden state of one sequence: in memory, or layer-streamed. */
async function runOne(p: Parsed, folder: ModelFolder, ids: Int32Array) {
  const plan = planMemory(p, folder);
  const ops = await backendFromFlags(p);
  if (plan.stream) {
    checkTensorShapes(folder); // every layer's names and shapes from the headers, before any work
    const { parts, close } = openModel(folder, ops);
    try {
      checkIds(parts, ids); // a bad id is one line, before the note
      note(`streaming layer by layer: ${plan.reason}`, bool(p, "quiet"));
      const hidden: Float32Array[] = [];
      let logits = new Float32Array(0);
      const collect = {
        state: (_w: number, i: number, x: Float32Array) => void (hidden[i] = new Float32Array(x)),
        finish: () => [],
      };
      await streamLayers(parts, [ids], [collect], {
        onLogits: (_w, l) => void (logits = new Float32Array(l)),
        checkIds: false, // checked above
      });
      const final = new Float32Array(
        await ops.read(parts.finalNorm(ops.upload(hidden[hidden.length - 1]), ids.length)),
      );
      return { info: parts.info, backend: ops.name, layers: parts.numLayers, hidden, logits, final, streamed: true };
    } finally {
      close();
    }
  }
  const model = loadModel(folder, ops);
  const hidden: Float32Array[] = [];
  const res = await forward(model, ids, {
    onHidden: async (_i, x) => void hidden.push(new Float32Array(await model.ops.read(x))),
  });
  const logits = new Float32Array(await model.ops.read(res.logits!));
  const final = new Float32Array(await model.ops.read(res.final!));
  return { info: model.info, backend: ops.name, layers: model.blocks.length, hidden, logits, final, streamed: false };
}

/**
 * Block Influence by layer streaming on a large folder (e.g. bench/make_synthetic.ts's 7B):
 * --windows windows (default 1) of --tokens tokens (default 128), one block resident at a time.
 *
 *   /usr/bin/time -v deno run -A bench/streaming.ts --model /tmp/llama2-7b --tokens 128
 *   /usr/bin/time -v deno run -A bench/streaming.ts --model /tmp/llama2-7b --windows 4 --tokens 256 --precision fast
 *   node scripts/build.mjs --bench && node dist-bench/streaming.js ...   /   bun bench/streaming.ts ...
 *
 * Prints the time, RSS and peak RSS so far per layer, and in total (the peak is Linux's VmHWM,
 * what `/usr/bin/time -v` reports as "Maximum resident set size"). `--layers N` streams only the
 * first N blocks (the rest skipped, as if removed): the per-block memory is the same, in a
 * fraction of the time.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import process from "node:process";
import { BlockInfluence } from "../src/importance/block_influence.ts";
import { openModel } from "../src/models/load.ts";
import { streamLayers } from "../src/stream/layer_stream.ts";
import { flag, machine } from "./_machine.ts";
import { getPrecision, type Precision, setPrecision } from "../src/backend/cpu.ts";

const dir = flag("model");
const T = Number(flag("tokens", "128"));
const W = Number(flag("windows", "1"));
const layers = flag("layers");
setPrecision(flag("precision", "exact") as Precision);
if (!dir) {
  console.error("usage: streaming.ts --model DIR [--tokens 128] [--windows 1] [--layers L] [--precision exact|fast]");
  process.exit(1);
}
console.log(
  `# ${machine()}\n# BI by layer streaming: ${dir}, ${W} windows of ${T} tokens, precision ${getPrecision()}`,
);
/** The process's peak RSS so far (Linux's VmHWM, the figure `/usr/bin/time -v` reports), MiB; NaN elsewhere. */
function peakMiB(): number {
  try {
    return Number(/VmHWM:\s+(\d+)/.exec(readFileSync("/proc/self/status", "utf8"))?.[1]) / 1024;
  } catch {
    return NaN;
  }
}

const { parts, close } = openModel(dir);
const windows = Array.from(
  { length: W },
  (_, w) => Int32Array.from({ length: T }, (_, t) => (t * 7919 + w * 104729 + 1) % parts.info.vocabSize),
);
const t0 = performance.now();
let last = t0;
const first = layers === undefined ? parts.numLayers : Number(layers);
const skip = new Set(Array.from({ length: parts.numLayers - first }, (_, i) => first + i));
const bi = new BlockInfluence(first);
await streamLayers(parts, windows, [bi], {
  skip,
  onLayer: (done, total) => {
    const now = performance.now();
    console.log(
      `layer ${done}/${total}  ${((now - last) / 1000).toFixed(1)} s  rss ${
        (process.memoryUsage().rss / 2 ** 20).toFixed(0)
      } MiB  peak so far ${peakMiB().toFixed(0)} MiB`,
    );
    last = now;
  },
});
close();
console.log(`BI: ${bi.finish().map((v) => v.toFixed(4)).join(" ")}`);
console.log(
  `total ${((performance.now() - t0) / 1000).toFixed(1)} s, peak RSS ${peakMiB().toFixed(0)} MiB`,
);

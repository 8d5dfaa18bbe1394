/** Machine and runtime facts printed with every benchmark. @module */
import { existsSync, readFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import process from "node:process";
import { runtimeName } from "../src/runtime.ts";

/**
 * `--help` or `-h` on any benchmark prints the doc comment at the top of its source (its usage)
 * and exits, before any work: every benchmark imports this file first.
 */
function printUsageIfAsked(): void {
  const args = process.argv.slice(2);
  if (!args.includes("--help") && !args.includes("-h")) return;
  const script = process.argv[1] ?? "";
  // the Node bundle dist-bench/X.js has no comments: read bench/X.ts beside it
  const source = [script, script.replace(/dist-bench\/([^/]+)\.js$/, "bench/$1.ts")].find((f) =>
    /\.ts$/.test(f) && existsSync(f)
  );
  const doc = source && /^\/\*\*([\s\S]*?)\*\//.exec(readFileSync(source, "utf8"));
  const text = doc
    ? doc[1].split("\n").map((l) => l.replace(/^ \* ?/, "")).join("\n").replace(/@module/, "").trim()
    : `no usage found for ${script}: see the comment at the top of its source in bench/`;
  console.log(text);
  process.exit(0);
}
printUsageIfAsked();

/** e.g. `AMD EPYC 7B13, 2 cores, 24 GiB, deno 2.9.6`. */
export function machine(): string {
  const c = cpus();
  return `${c[0]?.model?.trim() ?? "unknown CPU"}, ${c.length} cores, ${
    Math.round(totalmem() / 2 ** 30)
  } GiB, ${runtimeName()}`;
}

/** Median of `runs` timings (ms) of `fn`, after one warm-up call; stops early after `budgetMs`. */
export async function medianMs(fn: () => unknown, runs = 5, budgetMs = 20_000): Promise<number> {
  await fn();
  const times: number[] = [];
  const start = performance.now();
  for (let i = 0; i < runs && (i < 2 || performance.now() - start < budgetMs); i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[times.length >> 1];
}

/** The value after `--name` on the command line, or `def`. Benchmarks take a few plain flags. */
export function flag(name: string, def: string): string;
export function flag(name: string, def?: string): string | undefined;
export function flag(name: string, def?: string): string | undefined {
  const args = process.argv.slice(2);
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
}

/**
 * Memory bandwidth in GB/s as one thread's large copy sees it: bytes read plus bytes written by
 * `Float32Array.set` of 256 MiB (far beyond the caches), best of 3.
 */
export function copyBandwidthGBs(): number {
  const n = 64 * 2 ** 20, src = new Float32Array(n).fill(1), dst = new Float32Array(n);
  let best = Infinity;
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    dst.set(src);
    best = Math.min(best, performance.now() - t0);
  }
  return (2 * 4 * n) / (best / 1000) / 1e9;
}

/**
 * The command line: `shortgpt <command> [options]`. Every command has `--help`.
 *
 * Exit codes: 0 success; 1 a user error (one line on stderr saying what to do); 2 a bug in
 * shortgpt (the stack trace, please report it); 3 `compare` found differences.
 *
 * @module
 */
import process from "node:process";
import { UserError } from "./errors.ts";
import { setMatmulKernel, setThreads, stopWorkers } from "./backend/cpu.ts";
import { type CommandSpec, helpText, parseArgs, type Parsed } from "./cli/args.ts";
import * as compare from "./cli/compare.ts";
import * as demo from "./cli/demo.ts";
import * as evalCommand from "./cli/eval.ts";
import * as exportTokenizer from "./cli/export_tokenizer.ts";
import * as forward from "./cli/forward.ts";
import * as generate from "./cli/generate.ts";
import * as headSweep from "./cli/head_sweep.ts";
import * as importance from "./cli/importance.ts";
import * as info from "./cli/info.ts";
import * as ppl from "./cli/ppl.ts";
import * as prune from "./cli/prune.ts";
import * as pruneHeads from "./cli/prune_heads.ts";
import * as sweep from "./cli/sweep.ts";
import * as tokenize from "./cli/tokenize.ts";
import { version } from "./version.ts";

interface Command {
  spec: CommandSpec;
  run(p: Parsed): void | number | Promise<void | number>;
}

const COMMANDS: Command[] = [
  info,
  forward,
  compare,
  tokenize,
  importance,
  prune,
  pruneHeads,
  exportTokenizer,
  ppl,
  evalCommand,
  generate,
  sweep,
  headSweep,
  demo,
];

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.spec.name.length));
  return [
    `shortgpt ${version}: Block Influence and layer pruning (ShortGPT, Men et al. 2024) for Llama-family and RWKV models`,
    "",
    "Usage: shortgpt <command> [options]        shortgpt <command> --help for details",
    "",
    "Commands:",
    ...COMMANDS.map((c) => `  ${c.spec.name.padEnd(width)}  ${c.spec.summary}`),
    "",
    "Exit codes: 0 ok, 1 bad input (the message says what to do), 2 a bug in shortgpt, 3 compare found differences.",
  ].join("\n") + "\n";
}

/** Runs the CLI on `argv` (without the program name) and returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const debug = argv.includes("--debug");
  try {
    const [name, ...rest] = argv;
    if (name === undefined || name === "--help" || name === "-h" || name === "help") {
      process.stdout.write(usage());
      return name === undefined ? 1 : 0;
    }
    if (name === "--version") {
      process.stdout.write(`shortgpt ${version}\n`);
      return 0;
    }
    const cmd = COMMANDS.find((c) => c.spec.name === name);
    if (!cmd) {
      throw new UserError(`Unknown command "${name}"; commands: ${COMMANDS.map((c) => c.spec.name).join(", ")}`);
    }
    const parsed = parseArgs(rest, cmd.spec);
    if (parsed.flags.help) {
      process.stdout.write(helpText(cmd.spec));
      return 0;
    }
    const threads = parsed.flags.threads as number | undefined;
    if (threads !== undefined) {
      if (threads < 1) throw new UserError(`--threads ${threads}: give a whole number of threads >= 1`);
      setThreads(threads);
    }
    if (parsed.flags.kernel !== undefined) setMatmulKernel(parsed.flags.kernel as "wasm-simd" | "js");
    const code = await cmd.run(parsed);
    return typeof code === "number" ? code : 0;
  } catch (e) {
    if (e instanceof UserError) {
      process.stderr.write(`shortgpt: ${e.message}\n`);
      if (debug) process.stderr.write(`${e.stack}\n`);
      return 1;
    }
    process.stderr.write(`shortgpt: internal error (a bug; please report it with the command you ran):\n`);
    process.stderr.write(`${(e as Error)?.stack ?? e}\n`);
    return 2;
  }
}

// Deno and Bun set import.meta.main; the Node bundle (dist/cli.js) has it defined true by esbuild.
// Worker threads of the CPU backend are stopped so the process ends at once.
if (import.meta.main) {
  process.exitCode = await main(process.argv.slice(2));
  await stopWorkers();
}

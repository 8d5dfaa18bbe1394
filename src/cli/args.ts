/**
 * A small, strict flag parser: `--name value`, `--name=value`, boolean `--flag`, positionals.
 * Unknown flags, missing values and malformed numbers are user errors that say what to do.
 *
 * @module
 */
import { UserError } from "../errors.ts";

/** A value cut to a length that fits in one line of an error message. */
export function shorten(s: string, max = 40): string {
  return s.length <= max ? s : `${s.slice(0, max)}...`;
}

/** One flag of a command. */
export interface FlagSpec {
  type: "string" | "int" | "number" | "boolean";
  help: string;
  /** Placeholder in help text, e.g. `F` or `N`. */
  arg?: string;
  /** Allowed values (strings only). */
  choices?: readonly string[];
  default?: string | number | boolean;
}

/** What every command declares: its flags, positionals and help text. */
export interface CommandSpec {
  name: string;
  summary: string;
  usage: string;
  /** Longer explanation shown by `--help` (conventions, outputs). */
  description?: string;
  positionals: readonly string[];
  flags: Readonly<Record<string, FlagSpec>>;
  examples?: readonly string[];
}

export type FlagValue = string | number | boolean | undefined;

/** Parsed command line. */
export interface Parsed {
  positionals: string[];
  flags: Record<string, FlagValue>;
}

/** Flags every command accepts. */
export const GLOBAL_FLAGS: Readonly<Record<string, FlagSpec>> = {
  help: { type: "boolean", help: "show this help" },
  quiet: { type: "boolean", help: "no progress or notes on stderr" },
  debug: { type: "boolean", help: "show stack traces for every error" },
  backend: { type: "string", arg: "B", choices: ["cpu", "webgpu", "auto"], default: "cpu", help: "where to compute" },
  threads: { type: "int", arg: "N", help: "CPU threads for large matmuls (default: the number of cores, at most 8)" },
  kernel: {
    type: "string",
    arg: "K",
    choices: ["wasm-simd", "js"],
    help: "CPU matmul kernel; both give the same bits (default wasm-simd)",
  },
  precision: {
    type: "string",
    arg: "P",
    choices: ["exact", "fast"],
    default: "exact",
    help: "CPU matmul sums: exact (float64, the oracle's bits) or fast (float32, ~2x; docs/performance.md)",
  },
};

function closest(name: string, names: string[]): string | undefined {
  const dist = (a: string, b: string) => {
    const d = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
      let prev = d[0];
      d[0] = i;
      for (let j = 1; j <= b.length; j++) {
        const tmp = d[j];
        d[j] = Math.min(d[j] + 1, d[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
        prev = tmp;
      }
    }
    return d[b.length];
  };
  let best: string | undefined, bestD = 3;
  for (const n of names) {
    const dd = dist(name, n);
    if (dd < bestD) [best, bestD] = [n, dd];
  }
  return best;
}

/** Parses `argv` against `spec` (plus the global flags). */
export function parseArgs(argv: readonly string[], spec: CommandSpec): Parsed {
  const all: Record<string, FlagSpec> = { ...GLOBAL_FLAGS, ...spec.flags };
  const flags: Record<string, FlagValue> = {};
  const positionals: string[] = [];
  const where = `"shortgpt ${spec.name}"`;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--") {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith("--") || arg === "--") {
      if (arg.startsWith("-") && arg.length > 1 && !/^-\d/.test(arg)) {
        throw new UserError(`Unknown option "${shorten(arg)}" for ${where}; flags are long, e.g. --help`);
      }
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const f = Object.hasOwn(all, name) ? all[name] : undefined;
    if (!f) {
      const guess = name.length <= 40 ? closest(name, Object.keys(all)) : undefined;
      throw new UserError(
        `Unknown flag "--${shorten(name)}" for ${where}; ${
          guess ? `did you mean "--${guess}"? See` : "see"
        } "shortgpt ${spec.name} --help"`,
      );
    }
    let raw: string | undefined = eq < 0 ? undefined : arg.slice(eq + 1);
    if (f.type === "boolean") {
      if (raw !== undefined && raw !== "true" && raw !== "false") {
        throw new UserError(`Flag "--${name}" is a switch; got "${shorten(raw)}" (write --${name} or leave it out)`);
      }
      flags[name] = raw !== "false";
      continue;
    }
    if (raw === undefined) {
      raw = argv[++i];
      if (raw === undefined || (raw.startsWith("--") && raw.length > 2)) {
        throw new UserError(`Flag "--${name}" needs a value (${f.arg ?? f.type}); see "shortgpt ${spec.name} --help"`);
      }
    }
    if (name in flags) throw new UserError(`Flag "--${name}" is given twice; give it once`);
    flags[name] = convert(name, raw, f);
  }
  for (const [name, f] of Object.entries(all)) {
    if (!(name in flags) && f.default !== undefined) flags[name] = f.default;
  }
  return { positionals, flags };
}

function convert(name: string, raw: string, f: FlagSpec): FlagValue {
  if (f.type === "int") {
    if (!/^-?\d+$/.test(raw.trim()) || !Number.isSafeInteger(Number(raw))) {
      throw new UserError(`Flag "--${name}" needs a whole number; got "${shorten(raw)}"`);
    }
    return Number(raw);
  }
  if (f.type === "number") {
    const v = Number(raw);
    if (raw.trim() === "" || !Number.isFinite(v)) {
      throw new UserError(`Flag "--${name}" needs a number; got "${shorten(raw)}"`);
    }
    return v;
  }
  if (f.choices && !f.choices.includes(raw)) {
    throw new UserError(`Flag "--${name}" is "${shorten(raw)}"; choose one of: ${f.choices.join(", ")}`);
  }
  return raw;
}

/** The `--help` text of a command. */
export function helpText(spec: CommandSpec): string {
  const lines = [`shortgpt ${spec.name}: ${spec.summary}`, "", `Usage: ${spec.usage}`];
  if (spec.description) lines.push("", spec.description.trim());
  const row = (name: string, f: FlagSpec) => {
    const left = `  --${name}${f.type === "boolean" ? "" : ` ${f.arg ?? (f.type === "string" ? "S" : "N")}`}`;
    const extra = [
      f.choices ? `one of ${f.choices.join("|")}` : "",
      f.default !== undefined ? `default ${f.default}` : "",
    ]
      .filter(Boolean).join("; ");
    return `${left.padEnd(26)} ${f.help}${extra ? ` (${extra})` : ""}`;
  };
  const own = Object.entries(spec.flags);
  if (own.length) lines.push("", "Options:", ...own.map(([n, f]) => row(n, f)));
  lines.push("", "Global options:", ...Object.entries(GLOBAL_FLAGS).map(([n, f]) => row(n, f)));
  if (spec.examples?.length) lines.push("", "Examples:", ...spec.examples.map((e) => `  ${e}`));
  return lines.join("\n") + "\n";
}

/** Typed getters over parsed flags. */
export function str(p: Parsed, name: string): string | undefined {
  return p.flags[name] as string | undefined;
}
export function num(p: Parsed, name: string): number | undefined {
  return p.flags[name] as number | undefined;
}
export function bool(p: Parsed, name: string): boolean {
  return p.flags[name] === true;
}

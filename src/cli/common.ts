/** Helpers shared by the commands: the model argument, ids from flags. @module */
import { existsSync, statSync } from "node:fs";
import { UserError } from "../errors.ts";
import type { CommandSpec, Parsed } from "./args.ts";
import { str } from "./args.ts";
import { parseIds, readIdsFile } from "./inputs.ts";

/** The `<model>` positional: an existing folder. */
export function requireModel(p: Parsed, spec: CommandSpec): string {
  const dir = p.positionals[0];
  if (dir === undefined) throw new UserError(`"shortgpt ${spec.name}" needs a model folder; usage: ${spec.usage}`);
  if (p.positionals.length > spec.positionals.length) {
    throw new UserError(`Unexpected argument "${p.positionals[spec.positionals.length]}"; usage: ${spec.usage}`);
  }
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new UserError(`Model folder "${dir}" does not exist or is not a folder`);
  }
  return dir;
}

/** Exactly one of the named flags, or an error listing them. */
export function oneOf(p: Parsed, names: string[]): string {
  const given = names.filter((n) => p.flags[n] !== undefined);
  if (given.length !== 1) {
    const list = names.map((n) => `--${n}`).join(" | ");
    throw new UserError(given.length === 0 ? `Give one of ${list}` : `Give only one of ${list}; got ${given.map((n) => `--${n}`).join(" and ")}`);
  }
  return given[0];
}

/** Sequences from `--ids` or `--ids-file` (undefined when neither is given). */
export function idsFromFlags(p: Parsed): number[][] | undefined {
  const ids = str(p, "ids");
  if (ids !== undefined) return [parseIds(ids)];
  const file = str(p, "ids-file");
  if (file !== undefined) return readIdsFile(file);
  return undefined;
}

/**
 * `config.json` of a model folder: {@link readRawConfig} reads the file and parses it into a
 * {@link RawConfig} (src/io/config_fields.ts, which also holds the field checks every family's
 * config resolver uses; re-exported here). Which fields a family reads is the family's
 * business (`src/models/<family>/config.ts`).
 *
 * @module
 */
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fsReason, UserError } from "../errors.ts";
import { parseConfigText, type RawConfig } from "./config_fields.ts";

export * from "./config_fields.ts";

/** Reads and parses `dir/config.json`. */
export function readRawConfig(dir: string): RawConfig {
  return readConfigFile(dir).raw;
}

/**
 * Reads `dir/config.json` once: the parsed object, and the paths whose numbers were written as
 * floats (`10000.0`), so a rewritten config keeps them floats (io/json_floats.ts).
 */
export function readConfigFile(dir: string): { raw: RawConfig; floats: ReadonlySet<string> } {
  const path = join(dir, "config.json");
  let text: string;
  try {
    const st = statSync(path);
    if (!st.isFile()) {
      throw new UserError(
        `Cannot read "${path}": it is ${st.isDirectory() ? "a folder" : "a device or a pipe"}, not a file`,
      );
    }
    text = readFileSync(path, "utf8");
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UserError(
      `Cannot read "${path}": ${fsReason(e)}; a model folder needs a config.json (Hugging Face layout)`,
    );
  }
  return parseConfigText(text, path);
}

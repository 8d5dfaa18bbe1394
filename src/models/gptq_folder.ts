/**
 * The GPTQ config of a model folder on disk: config.json's `quantization_config`, else AutoGPTQ's
 * `quantize_config.json` / `quant_config.json` beside it (the rules are in src/models/gptq.ts; this
 * module only finds and reads the file, so the browser build can leave it out).
 *
 * @module
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { UserError } from "../errors.ts";
import type { RawConfig } from "../io/config_json.ts";
import { GPTQ_CONFIG_FILES, type GptqConfig, gptqConfigFrom } from "./gptq.ts";

/**
 * The GPTQ config of folder `dir` whose config.json is `raw`, or null for a float checkpoint.
 * Throws a UserError for another quantization method, an unsupported field value or a sidecar
 * file that is not JSON.
 *
 * @example
 * ```ts
 * import { readGptqConfig } from "./gptq_folder.ts";
 * import { readRawConfig } from "../io/config_json.ts";
 * const dir = "testdata/models/stories260K";
 * console.log(readGptqConfig(readRawConfig(dir), dir)); // null: a float checkpoint
 * ```
 */
export function readGptqConfig(raw: RawConfig, dir: string): GptqConfig | null {
  const inConfig = raw.quantization_config;
  if (inConfig !== undefined && inConfig !== null) {
    return gptqConfigFrom(inConfig, `"${join(dir, "config.json")}" quantization_config`);
  }
  const file = GPTQ_CONFIG_FILES.map((f) => join(dir, f)).find((f) => existsSync(f));
  if (!file) return null;
  let stored: unknown;
  try {
    stored = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new UserError(`Cannot parse "${file}": ${(e as Error).message}; fix the file, it must hold one JSON object`);
  }
  return gptqConfigFrom(stored, `"${file}"`);
}

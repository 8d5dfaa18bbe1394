/**
 * Loading a model folder: read config.json, pick the family by `model_type`, read and check
 * the weights, and put them on a backend.
 *
 * @module
 */
import { cpu } from "../backend/cpu.ts";
import type { Ops } from "../backend/ops.ts";
import { type RawConfig, readConfigFile } from "../io/config_json.ts";
import { readGenerationConfig } from "../io/generation_config.ts";
import { readGptqConfig } from "./gptq_folder.ts";
import { TensorStore } from "../io/store.ts";
import { type FamilyLoader, familyLoader } from "./families.ts";
import type { CausalLM, ModelParts } from "./model.ts";
import { Weights } from "./weights.ts";

export type { FamilyLoader } from "./families.ts";

/**
 * A model folder, each of its files read at most once however many steps of a command use it:
 * config.json is parsed on first use of {@link ModelFolder.raw}, the safetensors headers are read
 * on first use of {@link ModelFolder.store} (tensor data only when a tensor is asked for). A
 * command opens one and hands it to every step (count the layers, check, load, prune); errors
 * come where the file is first needed, as when each step read it itself. Close it when done.
 *
 * @example
 * ```ts
 * import { loadModel, ModelFolder } from "./load.ts";
 * const folder = new ModelFolder("testdata/models/bytellama-12L");
 * console.log(folder.numLayers); // 12, from config.json alone
 * const model = loadModel(folder); // no second read of config.json or the headers
 * folder.close();
 * ```
 */
export class ModelFolder {
  #config: { raw: RawConfig; floats: ReadonlySet<string> } | undefined;
  #store: TensorStore | undefined;

  /** Opens nothing yet: files under `dir` are read on first use. */
  constructor(readonly dir: string) {}

  /** config.json as parsed. */
  get raw(): RawConfig {
    return (this.#config ??= readConfigFile(this.dir)).raw;
  }

  /** The paths in config.json whose numbers were written as floats (kept floats when rewritten). */
  get floats(): ReadonlySet<string> {
    return (this.#config ??= readConfigFile(this.dir)).floats;
  }

  /** The folder's tensors (headers read, files open until {@link close}). */
  get store(): TensorStore {
    return this.#store ??= TensorStore.open(this.dir);
  }

  /** How the family named by `model_type` loads. */
  get family(): FamilyLoader {
    return familyLoader(this.raw, `${this.dir}/config.json`);
  }

  /** L, the number of layers, from config.json (no tensor is read, not even a header). */
  get numLayers(): number {
    return this.family.numLayers(this.raw);
  }

  /** Closes the safetensors files (if they were opened). */
  close(): void {
    this.#store?.close();
    this.#store = undefined;
  }
}

/**
 * Runs `body` on `from`: a {@link ModelFolder} as it is, or a path opened for the call and closed
 * after it (for functions that take either).
 */
export function withModelFolder<T>(from: string | ModelFolder, body: (folder: ModelFolder) => T): T {
  const { folder, done } = folderOf(from);
  try {
    return body(folder);
  } finally {
    done();
  }
}

/** `from` itself, or a folder over the path that `done()` closes. */
function folderOf(from: string | ModelFolder): { folder: ModelFolder; done: () => void } {
  if (from instanceof ModelFolder) return { folder: from, done: () => {} };
  const folder = new ModelFolder(from);
  return { folder, done: () => folder.close() };
}

/**
 * Loads the model in folder `from` (a path, or a {@link ModelFolder} already open) onto backend
 * `ops` (CPU by default).
 *
 * @example
 * ```ts
 * import { loadModel } from "./load.ts";
 * const model = loadModel("testdata/models/stories260K");
 * console.log(model.blocks.length); // 5
 * ```
 */
export function loadModel<A = Float32Array>(from: string | ModelFolder, ops?: Ops<A>): CausalLM<A> {
  return withModelFolder(from, (folder) => {
    const family = folder.family;
    return family.load(
      (ops ?? cpu) as Ops<A>,
      folder.raw,
      new Weights(folder.store),
      folder.dir,
      readGenerationConfig(folder.dir),
      readGptqConfig(folder.raw, folder.dir),
    );
  });
}

/**
 * Opens the model in folder `from` (a path, or a {@link ModelFolder} already open) part by part
 * (see {@link ModelParts}); nothing but the config and the safetensors headers is read until a
 * part is used. Call `close()` when done (it leaves a given {@link ModelFolder} open).
 *
 * @example
 * ```ts
 * import { openModel } from "./load.ts";
 * const { parts, close } = openModel("testdata/models/bytellama-12L");
 * const block3 = parts.loadBlock(3); // reads only model.layers.3.*
 * close();
 * ```
 */
export function openModel<A = Float32Array>(
  from: string | ModelFolder,
  ops?: Ops<A>,
  opts: { shapesOnly?: boolean } = {},
): { parts: ModelParts<A>; close: () => void } {
  const { folder, done } = folderOf(from);
  try {
    const family = folder.family;
    return {
      parts: family.open(
        (ops ?? cpu) as Ops<A>,
        folder.raw,
        new Weights(folder.store, opts),
        folder.dir,
        readGenerationConfig(folder.dir),
        readGptqConfig(folder.raw, folder.dir),
      ),
      close: done,
    };
  } catch (e) {
    done();
    throw e;
  }
}

/**
 * Loading a model folder: read config.json, pick the family by `model_type`, read and check
 * the weights, and put them on a backend.
 *
 * @module
 */
import { cpu } from "../backend/cpu.ts";
import type { Ops } from "../backend/ops.ts";
import { UserError } from "../errors.ts";
import { resolveLlamaConfig } from "./llama/config.ts";
import { type RawConfig, readConfigFile } from "../io/config_json.ts";
import { readGenerationConfig } from "../io/generation_config.ts";
import { TensorStore } from "../io/store.ts";
import { loadLlama, openLlamaParts } from "./llama/model.ts";
import type { CausalLM, ModelParts } from "./model.ts";
import { resolveRwkvConfig } from "./rwkv/config.ts";
import { loadRwkv, openRwkvParts } from "./rwkv/model.ts";
import { Weights } from "./weights.ts";

/** How one family loads: whole, or part by part (for layer streaming); and its layer count. */
export interface FamilyLoader {
  load<A>(ops: Ops<A>, raw: RawConfig, weights: Weights, dir: string): CausalLM<A>;
  open<A>(ops: Ops<A>, raw: RawConfig, weights: Weights, dir: string): ModelParts<A>;
  /** L, from the config alone (resolved and checked as loading would). */
  numLayers(raw: RawConfig): number;
}

const llamaFamily: FamilyLoader = {
  load: (ops, raw, w, dir) => loadLlama(ops, resolveLlamaConfig(raw, readGenerationConfig(dir)), w, dir),
  open: (ops, raw, w, dir) => openLlamaParts(ops, resolveLlamaConfig(raw, readGenerationConfig(dir)), w, dir),
  numLayers: (raw) => resolveLlamaConfig(raw).numLayers,
};

const loaders = new Map<string, FamilyLoader>([
  ["llama", llamaFamily],
  ["mistral", llamaFamily],
  ["qwen2", llamaFamily],
  ["baichuan", llamaFamily],
  ["rwkv", { load: loadRwkv, open: openRwkvParts, numLayers: (raw) => resolveRwkvConfig(raw).numLayers }],
]);

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
    const family = loaders.get(String(this.raw.model_type));
    if (!family) {
      throw new UserError(
        `"${this.dir}/config.json" has model_type ${JSON.stringify(this.raw.model_type)}; supported: ${
          [...loaders.keys()].join(", ")
        }`,
      );
    }
    return family;
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
    return family.load((ops ?? cpu) as Ops<A>, folder.raw, new Weights(folder.store), folder.dir);
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
      parts: family.open((ops ?? cpu) as Ops<A>, folder.raw, new Weights(folder.store, opts), folder.dir),
      close: done,
    };
  } catch (e) {
    done();
    throw e;
  }
}

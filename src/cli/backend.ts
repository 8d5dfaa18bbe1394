/** Loading the model on the backend `--backend` names. @module */
import { cpu } from "../backend/cpu.ts";
import type { Ops } from "../backend/ops.ts";
import { loadModel, type ModelFolder } from "../models/load.ts";
import type { CausalLM } from "../models/model.ts";
import type { Parsed } from "./args.ts";
import { bool, str } from "./args.ts";
import { note } from "./output.ts";

/** The backend named by `--backend` (cpu, webgpu, auto). */
export async function backendFromFlags(p: Parsed): Promise<Ops<unknown>> {
  const name = (str(p, "backend") ?? "cpu") as "cpu" | "webgpu" | "auto";
  if (name === "cpu") return cpu as Ops<unknown>;
  const { selectBackend } = await import("../backend/webgpu.ts");
  return selectBackend(name, (msg) => note(msg, bool(p, "quiet")));
}

/** Loads the model folder `from` (a path, or one opened for the command) on the backend the flags ask for. */
export async function loadForCli(from: string | ModelFolder, p: Parsed): Promise<CausalLM<unknown>> {
  return loadModel(from, await backendFromFlags(p));
}

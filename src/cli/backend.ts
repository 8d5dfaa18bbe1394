/** Loading the model on the backend `--backend` names. @module */
import { cpu } from "../backend/cpu.ts";
import type { Ops } from "../backend/ops.ts";
import { loadModel } from "../models/load.ts";
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

/** Loads `dir` on the backend the flags ask for. */
export async function loadForCli(dir: string, p: Parsed): Promise<CausalLM<unknown>> {
  return loadModel(dir, await backendFromFlags(p));
}

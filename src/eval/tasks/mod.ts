/**
 * The evaluation tasks, by name. Each reads the real data in `../shared/data/<folder>/` (see
 * each PROVENANCE.md there) and returns {@link McItem}s with lm-eval's prompts.
 *
 * @example
 * ```ts
 * import { findTask } from "./mod.ts";
 * const items = findTask("copa").read("testdata/eval/copa", { limit: 2 });
 * console.log(items[0].context); // "The man turned on the faucet therefore"
 * ```
 *
 * @module
 */
import { UserError } from "../../errors.ts";
import { arcChallenge, arcEasy } from "./arc.ts";
import { blimp } from "./blimp.ts";
import { boolq } from "./boolq.ts";
import { copa } from "./copa.ts";
import { hellaswag } from "./hellaswag.ts";
import { lambada } from "./lambada.ts";
import { mctest } from "./mctest.ts";
import { mmlu } from "./mmlu.ts";
import { piqa } from "./piqa.ts";
import { race, raceAll } from "./race.ts";
import type { Task } from "./task.ts";
import { winogrande } from "./winogrande.ts";
import { zorro } from "./zorro.ts";

export type { ReadOptions, Task } from "./task.ts";

/** Every task, in the order `eval --help` lists them. */
export const TASKS: readonly Task[] = [
  hellaswag,
  piqa,
  arcEasy,
  arcChallenge,
  boolq,
  winogrande,
  copa,
  mmlu,
  lambada,
  blimp,
  zorro,
  mctest,
  race,
  raceAll,
];

/** The task called `name`, or a user error listing them. */
export function findTask(name: string): Task {
  const t = TASKS.find((t) => t.name === name);
  if (!t) throw new UserError(`Unknown task "${name}"; tasks: ${TASKS.map((t) => t.name).join(", ")}`);
  return t;
}

/** Which JavaScript runtime we run on, for reports and metadata; and its garbage collector. @module */
import v8 from "node:v8";
import vm from "node:vm";

// deno-lint-ignore no-explicit-any
const g = globalThis as any;

/** `deno 2.x`, `bun 1.x` or `node 20.x`. */
export function runtimeName(): string {
  if (g.Deno) return `deno ${g.Deno.version.deno}`;
  if (g.Bun) return `bun ${g.Bun.version}`;
  return `node ${g.process?.versions?.node ?? "?"}`;
}

let collector: (() => void) | null | undefined;

/**
 * Runs the garbage collector now, where the runtime lets us: `gc` when it is exposed
 * (`--expose-gc`), `Bun.gc(true)` on Bun, and on Node and Deno V8's collector, reached without
 * any flag by turning `--expose-gc` on at run time (`v8.setFlagsFromString`) and taking `gc`
 * from a fresh context. Returns false where no collector can be had. Layer streaming calls it
 * between blocks so that two blocks' weights never sit in memory together.
 */
export function collectGarbage(): boolean {
  if (collector === undefined) collector = findCollector();
  collector?.();
  return collector !== null;
}

function findCollector(): (() => void) | null {
  if (typeof g.gc === "function") return () => g.gc();
  if (g.Bun && typeof g.Bun.gc === "function") return () => g.Bun.gc(true);
  try {
    v8.setFlagsFromString("--expose-gc");
    const gc = vm.runInNewContext("gc");
    if (typeof gc === "function") return () => gc();
  } catch {
    // no collector on this runtime
  }
  return null;
}

/**
 * Which JavaScript runtime we run on, for reports and metadata; its garbage collector; and the
 * one door to Node's built-in modules for code that must also load in a browser.
 *
 * @module
 */

// deno-lint-ignore no-explicit-any
const g = globalThis as any;

/**
 * Node built-in module `name` (`"node:os"`) where the runtime has one (Deno, Node, Bun), else
 * undefined (a browser). Through `process.getBuiltinModule`, not an `import`, so a module that
 * only probes the runtime (thread count, worker threads, the collector) stays importable in a
 * browser bundle, which has no `node:*` modules.
 */
export function nodeBuiltin<M>(name: string): M | undefined {
  return g.process?.getBuiltinModule?.(name) as M | undefined;
}

/** `deno 2.x`, `bun 1.x`, `node 20.x`, or `browser <user agent>`. */
export function runtimeName(): string {
  if (g.Deno) return `deno ${g.Deno.version.deno}`;
  if (g.Bun) return `bun ${g.Bun.version}`;
  if (g.process?.versions?.node) return `node ${g.process.versions.node}`;
  return `browser ${g.navigator?.userAgent ?? "?"}`;
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
  const v8 = nodeBuiltin<typeof import("node:v8")>("node:v8");
  const vm = nodeBuiltin<typeof import("node:vm")>("node:vm");
  if (!v8 || !vm) return null; // a browser
  try {
    v8.setFlagsFromString("--expose-gc");
    const gc = vm.runInNewContext("gc");
    if (typeof gc === "function") return () => gc();
  } catch {
    // no collector on this runtime
  }
  return null;
}

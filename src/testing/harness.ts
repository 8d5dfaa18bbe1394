/**
 * One test API for three runtimes: `deno test`, `bun test` and Node's `node --test`.
 *
 * Test files import `test` from here instead of `Deno.test`, `bun:test` or `node:test`, so the
 * same file runs unchanged everywhere. A skipped test always carries its reason, which is
 * printed, so a skip is never silent.
 *
 * @module
 */

type TestFn = () => void | Promise<void>;

/** Options for {@link test}. */
export interface TestOptions {
  /** Skip this test and print why (e.g. "no WebGPU adapter in this runtime"). */
  skip?: string;
  /** Time limit in milliseconds on Node and Bun (default 120 000); Deno's test runner has none. */
  timeout?: number;
}

type Register = (name: string, fn: TestFn, opts: TestOptions) => void;

// deno-lint-ignore no-explicit-any
const g = globalThis as any;

/** The runtime the tests run on. */
export const runtime: "deno" | "bun" | "node" = g.Deno ? "deno" : g.Bun ? "bun" : "node";

async function pickRegister(): Promise<Register> {
  if (runtime === "deno") {
    return (name, fn, opts) =>
      g.Deno.test({ name, fn, ignore: opts.skip !== undefined, sanitizeOps: false, sanitizeResources: false });
  }
  // Specifiers in variables, so neither Deno's type checker nor esbuild tries to resolve them.
  const bunSpecifier = "bun:test";
  const nodeSpecifier = "node:test";
  if (runtime === "bun") {
    const bun = await import(bunSpecifier);
    return (name, fn, opts) =>
      opts.skip !== undefined ? bun.test.skip(name, fn) : bun.test(name, fn, opts.timeout ?? 120_000);
  }
  const node = await import(nodeSpecifier);
  return (name, fn, opts) => node.test(name, { skip: opts.skip ?? false, timeout: opts.timeout ?? 120_000 }, fn);
}

const register = await pickRegister();

/** Registers a test; `opts.skip` skips it visibly with the reason. */
export function test(name: string, fn: TestFn, opts: TestOptions = {}): void {
  if (opts.skip !== undefined) console.log(`SKIP ${name}: ${opts.skip}`);
  register(name, fn, opts);
}

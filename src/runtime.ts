/** Which JavaScript runtime we run on, for reports and metadata. @module */

// deno-lint-ignore no-explicit-any
const g = globalThis as any;

/** `deno 2.x`, `bun 1.x` or `node 20.x`. */
export function runtimeName(): string {
  if (g.Deno) return `deno ${g.Deno.version.deno}`;
  if (g.Bun) return `bun ${g.Bun.version}`;
  return `node ${g.process?.versions?.node ?? "?"}`;
}

import assert from "node:assert/strict";
import { test } from "./testing/harness.ts";
import { collectGarbage, runtimeName } from "./runtime.ts";

test("runtimeName() names the runtime and its version", () => {
  assert.match(runtimeName(), /^(deno|node|bun) \d+\.\d+/);
});

test("collectGarbage() reaches a collector on every runtime, without flags, and it frees an unreachable object", async () => {
  const ref = (() => new WeakRef(new Float64Array(1 << 20)))();
  await new Promise((r) => setTimeout(r, 0)); // a WeakRef's target is kept until the current job ends
  assert.equal(collectGarbage(), true, `no collector on ${runtimeName()}`);
  assert.equal(ref.deref(), undefined);
});

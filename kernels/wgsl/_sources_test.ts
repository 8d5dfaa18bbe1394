// kernels/wgsl/_sources.ts carries the shader text to every runtime; it must match the .wgsl
// files it is generated from (scripts/gen_wgsl_sources.mjs), and every shader must compile.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { test } from "../../src/testing/harness.ts";
import { gpuForTests } from "../gpu/_testing.ts";
import { WGSL } from "./_sources.ts";

const DIR = "kernels/wgsl";
const REGENERATE = "run `node scripts/gen_wgsl_sources.mjs` and commit kernels/wgsl/_sources.ts";

test("kernels/wgsl/_sources.ts holds exactly the text of every kernels/wgsl/*.wgsl file", () => {
  const files = readdirSync(DIR).filter((f) => f.endsWith(".wgsl")).sort();
  const names = files.map((f) => f.slice(0, -".wgsl".length));
  assert.deepEqual(Object.keys(WGSL).sort(), names, `_sources.ts names differ from the .wgsl files: ${REGENERATE}`);
  for (const f of files) {
    const name = f.slice(0, -".wgsl".length);
    assert.ok(WGSL[name] === readFileSync(`${DIR}/${f}`, "utf8"), `_sources.ts is stale for ${f}: ${REGENERATE}`);
  }
});

const { gpu, skip } = await gpuForTests();

test("every WGSL shader compiles without errors or warnings on this adapter", async () => {
  for (const name of Object.keys(WGSL)) {
    const info = await gpu!.module(name).getCompilationInfo();
    const messages = info.messages.map((m) => `${m.type} at ${m.lineNum}:${m.linePos}: ${m.message}`);
    assert.deepEqual(messages, [], `kernels/wgsl/${name}.wgsl (${gpu!.adapter})`);
  }
}, { skip });

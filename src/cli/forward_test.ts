import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { main } from "../cli.ts";
import { test } from "../testing/harness.ts";
import { compareFiles } from "./compare.ts";

for (const model of ["bytellama-12L", "tiny-rwkv-7v0-834K"]) {
  test(`forward --out --stream writes the same dump, bit for bit, as the in-memory forward (${model})`, async () => {
    const dir = mkdtempSync(join(tmpdir(), "shortgpt-forward-"));
    try {
      const base = ["forward", `testdata/models/${model}`, "--text", "Once upon a time, a cat", "--quiet"];
      assert.equal(await main([...base, "--out", join(dir, "a.safetensors")]), 0);
      assert.equal(await main([...base, "--out", join(dir, "b.safetensors"), "--stream"]), 0);
      const rows = compareFiles(join(dir, "a.safetensors"), join(dir, "b.safetensors"), 0, 0);
      assert.deepEqual(rows.map((r) => r.name), ["final_hidden", "hidden_states", "input_ids", "logits"]);
      for (const r of rows) assert.ok(r.ok && r.max_abs === 0, `${r.name}: max abs ${r.max_abs}`);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
}

test("--precision is a global flag, exact by default, and every JSON report says which ran", async () => {
  const base = ["forward", "testdata/models/stories260K", "--text", "Once upon a time", "--quiet", "--json"];
  const reports: Record<string, unknown>[] = [];
  const write = process.stdout.write;
  process.stdout.write = ((chunk: string) => (reports.push(JSON.parse(chunk)), true)) as typeof write;
  try {
    assert.equal(await main(base), 0);
    assert.equal(await main([...base, "--precision", "fast"]), 0);
    assert.equal(await main([...base, "--precision=exact"]), 0);
  } finally {
    process.stdout.write = write;
  }
  assert.deepEqual(reports.map((r) => r.precision), ["exact", "fast", "exact"]);
  const top = (r: Record<string, unknown>) => (r.next_token_top5 as { id: number }[]).map((t) => t.id);
  assert.deepEqual(top(reports[1]), top(reports[0]), "fast and exact agree on the likeliest next tokens");
  assert.equal(await main([...base, "--precision", "half"]), 1);
});

// The one CLI test that touches WebGPU. It lives in a webgpu_*_test.ts file so that npm test runs it in the
// Deno process kept for WebGPU tests (README, Known issues): no other test process opens an adapter.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { main } from "../cli.ts";
import { test } from "../testing/harness.ts";

const MODEL = "testdata/models/stories260K";

/** Runs the CLI in this process with stderr captured; returns the exit code and stderr. */
async function run(argv: string[]): Promise<{ code: number; stderr: string }> {
  const err: string[] = [];
  const write = process.stderr.write;
  process.stderr.write = ((chunk: string | Uint8Array) => {
    err.push(typeof chunk === "string" ? chunk : new TextDecoder().decode(chunk));
    return true;
  }) as typeof process.stderr.write;
  try {
    return { code: await main(argv), stderr: err.join("") };
  } finally {
    process.stderr.write = write;
  }
}

async function withTmp(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "shortgpt-webgpu-auto-"));
  try {
    await fn(dir);
  } finally {
    rmSync(dir, { recursive: true });
  }
}

// deno-lint-ignore no-explicit-any
const gpu = (globalThis as any).navigator?.gpu;
const adapter = gpu ? await gpu.requestAdapter({ powerPreference: "high-performance" }) : null;
const software = adapter !== null && adapter.info?.isFallbackAdapter === true;

test(
  "--backend auto passes over a software WebGPU adapter, says why, and the report says cpu",
  () =>
    withTmp(async (dir) => {
      const json = join(dir, "ppl.json");
      const r = await run(["ppl", MODEL, "--ids", "1,403,407", "--backend", "auto", "--threads", "1", "--json", json]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /--backend auto chose the CPU: the only WebGPU adapter .* is a software fallback/);
      assert.match(r.stderr, /--allow-software-gpu/);
      assert.equal(JSON.parse(readFileSync(json, "utf8")).backend, "cpu");
    }),
  {
    skip: software ? undefined : "needs a software WebGPU adapter (Deno with llvmpipe); a hardware one would be used",
  },
);

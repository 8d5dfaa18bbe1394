// Where this runtime's WebGPU adapter departs from the CPU backend (web/precision.ts): the WGSL
// built-ins' errors, the error each kernel adds in one forward of a bundled model, and the error
// carried into each hidden state. The browser check prints the same tables for Chromium's
// adapter (node scripts/browser_check.mjs --webgpu-forward), so the two can be set side by side
// (docs/browser.md "WebGPU in Chromium").
//
//   deno run -A --unstable-webgpu scripts/webgpu_precision.ts [model folder] [--window 256]
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createWebGpuOps } from "../src/backend/webgpu.ts";
import { makeWindows } from "../src/calibration.ts";
import { readRawConfig } from "../src/io/config_json.ts";
import { loadTokenizer } from "../src/io/tokenizer/load.ts";
import { loadModel } from "../src/models/load.ts";
import { precisionReport } from "../web/precision.ts";

const args = Deno.args;
const dir = args.find((a, i) => !a.startsWith("--") && args[i - 1] !== "--window") ?? "testdata/models/bytellama-12L";
const window = Number(args[args.indexOf("--window") + 1] || 256);
const text = readFileSync(join("testdata", "texts", "tinystories_heldout.txt"), "utf8");
const calibration = text.slice(0, text.lastIndexOf("\n", text.length / 2)); // the page's first half
const ids = makeWindows([loadTokenizer(dir, readRawConfig(dir)).encode(calibration)], window, 1)[0];

const r = await precisionReport((ops) => loadModel(dir, ops), ids, await createWebGpuOps());
console.log(`adapter: ${r.adapter}`);
console.table(r.builtins);
console.log(`a * b + c fused into one rounding: ${(100 * r.fusedShare).toFixed(0)} % of the cases where it matters`);
console.table(r.kernels);
console.table(r.hidden);

/**
 * GPTQ of one linear on the CPU: seconds of each step and the process's resident memory.
 *
 *   deno run -A bench/gptq.ts --k 4096 --n 4096            a q_proj-shaped linear of Llama-2-7B
 *   deno run -A bench/gptq.ts --k 11008 --n 4096           its down_proj (minutes: K³ work)
 *   deno run -A bench/gptq.ts --k 4096 --copy              prepareHessian without `consume`
 *   deno run -A bench/gptq.ts --k 4096 --js                H in a plain array: the JavaScript factorization
 *   /usr/bin/time -v deno run -A bench/gptq.ts ...        for the peak RSS
 *
 * Steps, as src/quantize/sequential.ts runs them: the Hessian H = 2/n Σ x xᵀ of `--tokens` random
 * inputs (addGram), prepareHessian (dead inputs, dampening, the upper Cholesky factor of H⁻¹, in
 * H's buffer unless `--copy`), then gptqQuantizePrepared (4-bit, group size 128, the lazy-batch
 * updates). Results go in docs/quantization.md (the 7B section).
 *
 * @module
 */
import process from "node:process";
import { gptqQuantizePrepared, prepareHessian, squareMatrix } from "../kernels/cpu/gptq_quantize.ts";
import { addGram } from "../src/quantize/sequential.ts";
import { randomArray } from "../src/testing/shapes.ts";
import { flag, machine } from "./_machine.ts";

const K = Number(flag("k", "4096")), N = Number(flag("n", "4096")), T = Number(flag("tokens", "512"));
const copy = process.argv.includes("--copy");
const gib = (b: number) => (b / 2 ** 30).toFixed(2);
const rss = () => gib(process.memoryUsage().rss);

console.log(`# GPTQ of one linear: ${machine()}`);
console.log(
  `K=${K} N=${N} tokens=${T} prepareHessian ${copy ? "copying" : "consuming"}; one K×K float64 = ${gib(K * K * 8)} GiB`,
);
const x = randomArray(T * K, 1), w = randomArray(N * K, 2, 0.02);
let t0 = performance.now();
const H = process.argv.includes("--js") ? new Float64Array(K * K) : squareMatrix(K); // as sequential.ts allocates it
addGram(H, x, T, K);
for (let i = 0; i < H.length; i++) H[i] *= 2 / T;
console.log(`hessian (addGram, ${T} tokens): ${((performance.now() - t0) / 1000).toFixed(1)} s, rss ${rss()} GiB`);
t0 = performance.now();
const prepared = prepareHessian(H, K, { dampPercent: 0.01, consume: !copy });
if (!prepared) throw new Error("the dampened Hessian is not positive definite");
console.log(`prepareHessian (Cholesky, inverse): ${((performance.now() - t0) / 1000).toFixed(1)} s, rss ${rss()} GiB`);
t0 = performance.now();
const q = gptqQuantizePrepared(w, prepared, N, { bits: 4, groupSize: 128, sym: true });
console.log(
  `gptqQuantizePrepared: ${((performance.now() - t0) / 1000).toFixed(1)} s, rss ${rss()} GiB (codes ${q.codes.length})`,
);

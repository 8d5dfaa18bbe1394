// Every dispatcher refuses an output that is also one of its inputs (WebGPU forbids binding one
// buffer twice when one binding is writable; unchecked, the mistake would surface later as an
// asynchronous validation error on read()). checkNoAlias in kernels/gpu/_common.ts.
import assert from "node:assert/strict";
import { test } from "../../src/testing/harness.ts";
import { gpuForTests } from "./_testing.ts";
import { addInPlace, attention, blockChangeSums, concatRows, matmul, rmsnorm, swiglu, wkv7 } from "./mod.ts";
import { layernorm } from "./layernorm.ts";
import { anyNonFinite } from "./nonfinite.ts";

const { gpu, skip } = await gpuForTests();

test("dispatchers refuse an output bound as an input too", () => {
  const t = () => gpu!.upload(new Float32Array(64));
  const x = t(), y = t();
  const cases: [string, () => void][] = [
    ["matmul", () => matmul(gpu!, x, x, y, 2, 4, 4)],
    ["rmsnorm", () => rmsnorm(gpu!, x, x, y, 2, 4, 1e-5)],
    ["layernorm", () => layernorm(gpu!, x, y, x, t(), 2, 4, 1e-5)],
    ["swiglu", () => swiglu(gpu!, x, y, x, 8)],
    ["attention", () => attention(gpu!, x, x, y, t(), 1, 1, 2, 2, 4)],
    ["concatRows", () => concatRows(gpu!, x, x, y, 1, 1, 4)],
    ["addInPlace", () => addInPlace(gpu!, x, x, 8)],
    ["anyNonFinite", () => anyNonFinite(gpu!, x, x, 8)],
    ["blockChangeSums", () => blockChangeSums(gpu!, x, x, y, 2, 4, 0)],
    ["wkv7", () => wkv7(gpu!, x, y, t(), t(), t(), t(), t(), x, 1, 1, 2)],
  ];
  for (const [name, run] of cases) assert.throws(run, /same tensor/, name);
}, { skip });

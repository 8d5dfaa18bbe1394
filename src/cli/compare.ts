/** `shortgpt compare a.safetensors b.safetensors`: per-tensor errors between two dumps. @module */
import { UserError } from "../errors.ts";
import { SafetensorsFile } from "../io/safetensors.ts";
import { shapeString } from "../tensor.ts";
import type { CommandSpec, Parsed } from "./args.ts";
import { bool, num } from "./args.ts";
import { out } from "./output.ts";

export const spec: CommandSpec = {
  name: "compare",
  summary: "per-tensor max abs/rel error between two safetensors files (ours vs another implementation's)",
  usage: "shortgpt compare <a.safetensors> <b.safetensors> [--atol X] [--rtol Y] [--json]",
  description: `
Compares every tensor the two files share, in float64 after decoding each dtype. A tensor
passes when every element has |a - b| <= atol + rtol * |b| (numpy's allclose, b = second file).
max_rel is max |a - b| / |b| over elements with b != 0. Tensors in only one file are listed.
Exit code: 0 when all shared tensors pass and shapes agree, 3 when some differ, 1 on bad input.`,
  positionals: ["a", "b"],
  flags: {
    atol: { type: "number", arg: "X", default: 1e-4, help: "absolute tolerance" },
    rtol: { type: "number", arg: "Y", default: 0, help: "relative tolerance" },
    json: { type: "boolean", help: "print JSON" },
  },
  examples: ["shortgpt compare ours.safetensors theirs.safetensors --atol 1e-4"],
};

export interface TensorComparison {
  name: string;
  shape: number[];
  max_abs: number;
  max_rel: number;
  mismatches: number;
  ok: boolean;
  note?: string;
}

/** Compares the shared tensors of two files; returns one row per tensor name. */
export function compareFiles(pathA: string, pathB: string, atol: number, rtol: number): TensorComparison[] {
  const a = SafetensorsFile.open(pathA);
  const b = SafetensorsFile.open(pathB);
  try {
    const names = [...new Set([...a.tensors.keys(), ...b.tensors.keys()])].sort();
    return names.map((name) => {
      const ia = a.tensors.get(name), ib = b.tensors.get(name);
      const base = { name, max_abs: NaN, max_rel: NaN, mismatches: 0, ok: false };
      if (!ia || !ib) return { ...base, shape: (ia ?? ib)!.shape, note: `only in ${ia ? "first" : "second"} file` };
      if (shapeString(ia.shape) !== shapeString(ib.shape)) {
        return { ...base, shape: ia.shape, note: `shape ${shapeString(ia.shape)} vs ${shapeString(ib.shape)}` };
      }
      const x = a.read(name).data, y = b.read(name).data;
      let maxAbs = 0, maxRel = 0, bad = 0;
      for (let i = 0; i < x.length; i++) {
        const d = Math.abs(x[i] - y[i]);
        const dd = Number.isNaN(d) ? (Number.isNaN(x[i]) && Number.isNaN(y[i]) ? 0 : Infinity) : d;
        if (dd > maxAbs) maxAbs = dd;
        if (y[i] !== 0 && dd / Math.abs(y[i]) > maxRel) maxRel = dd / Math.abs(y[i]);
        if (!(dd <= atol + rtol * Math.abs(y[i]))) bad++;
      }
      return { name, shape: ia.shape, max_abs: maxAbs, max_rel: maxRel, mismatches: bad, ok: bad === 0 };
    });
  } finally {
    a.close();
    b.close();
  }
}

export function run(p: Parsed): number {
  if (p.positionals.length !== 2) throw new UserError(`"compare" needs two safetensors files; usage: ${spec.usage}`);
  const atol = num(p, "atol")!, rtol = num(p, "rtol")!;
  if (atol < 0 || rtol < 0) throw new UserError(`--atol and --rtol must be >= 0; got ${atol} and ${rtol}`);
  const rows = compareFiles(p.positionals[0], p.positionals[1], atol, rtol);
  const allOk = rows.every((r) => r.ok);
  if (bool(p, "json")) {
    out(JSON.stringify({ atol, rtol, ok: allOk, tensors: rows }));
  } else {
    const fmt = (v: number) => (Number.isNaN(v) ? "-" : v.toExponential(2));
    out(`${"tensor".padEnd(20)} ${"shape".padEnd(16)} ${"max_abs".padStart(9)} ${"max_rel".padStart(9)}  result`);
    for (const r of rows) {
      const verdict = r.ok ? "ok" : r.note ?? `${r.mismatches} beyond atol=${atol} rtol=${rtol}`;
      out(
        `${r.name.padEnd(20)} ${shapeString(r.shape).padEnd(16)} ${fmt(r.max_abs).padStart(9)} ${
          fmt(r.max_rel).padStart(9)
        }  ${verdict}`,
      );
    }
    out(allOk ? "all tensors agree" : "some tensors differ");
  }
  return allOk ? 0 : 3;
}

// The house of docs/architecture.md, checked: every import arrow between the rooms (folders) of
// kernels/ and src/ points down to a lower floor, and no files import each other in a loop.
// The floors below are the table of docs/architecture.md; a new folder must be placed in both.
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, normalize, relative, sep } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { test } from "./testing/harness.ts";

/** Rooms and their floors, bottom up. A room imports only rooms on lower floors (and itself). */
const FLOORS: readonly (readonly string[])[] = [
  ["kernels/cpu", "kernels/wgsl"],
  ["kernels/gpu"],
  ["src", "src/report"],
  ["src/io"],
  ["src/backend"],
  ["src/models"],
  ["src/prune"],
  ["src/eval", "src/quantize"],
  ["src/importance"],
  ["src/experiments", "src/stream"],
  ["src/cli"],
  ["."],
];
const floorOf = new Map(FLOORS.flatMap((rooms, floor) => rooms.map((room) => [room, floor] as const)));

/** Test support: any test may use it, no engine file may. */
const TESTING = "src/testing";

/**
 * The room of a file: `kernels/<x>` or `src/<x>` (sub-folders such as `src/models/rwkv` are
 * alcoves of their room), `src` for the files directly in src/, `.` for mod.ts. `src/cli.ts`,
 * the command line's entry, is the front door of `src/cli`.
 */
function roomOf(file: string): string {
  if (file === "src/cli.ts") return "src/cli";
  const parts = file.split("/");
  if (parts.length === 1) return ".";
  if (parts.length === 2) return parts[0];
  return `${parts[0]}/${parts[1]}`;
}

/** Files that exist only for tests: `*_test.ts`, `_testing.ts`, `_fixtures.ts` and src/testing/. */
function isTestFile(file: string): boolean {
  return /(_test|\/_testing|\/_fixtures)\.ts$/.test(file) || file.startsWith(`${TESTING}/`);
}

/**
 * The relative specifiers a TypeScript file imports or re-exports (static `import ... from`,
 * `export ... from`, side-effect `import "x"` and `import("x")`), outside comments: examples in
 * JSDoc are the reader's code, not the module's.
 */
function importsOf(text: string): string[] {
  const out: string[] = [];
  const re =
    /^\s*(?:import|export)\b[^;"'`]*?\bfrom\s*(["'])([^"']+)\1|^\s*import\s*(["'])([^"']+)\3|\bimport\(\s*(["'])([^"']+)\5/gm;
  for (const m of text.matchAll(re)) {
    const lineStart = text.lastIndexOf("\n", m.index) + 1;
    if (/^\s*(\*|\/\/|\/\*)/.test(text.slice(lineStart, m.index))) continue;
    const spec = m[2] ?? m[4] ?? m[6];
    if (spec.startsWith(".")) out.push(spec);
  }
  return out;
}

/** The repository root: the folder above this file (or above the working directory) holding mod.ts and kernels/. */
function repoRoot(): string {
  const starts = [dirname(fileURLToPath(import.meta.url)), process.cwd()];
  for (let dir of starts) {
    for (;;) {
      if (existsSync(join(dir, "mod.ts")) && existsSync(join(dir, "kernels")) && existsSync(join(dir, "src"))) {
        return dir;
      }
      const up = dirname(dir);
      if (up === dir) break;
      dir = up;
    }
  }
  throw new Error(`No folder holding mod.ts, src/ and kernels/ above ${starts.join(" or ")}`);
}

function tsFiles(root: string, dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(join(root, dir))) {
    const path = dir === "" ? name : `${dir}/${name}`;
    if (statSync(join(root, path)).isDirectory()) tsFiles(root, path, out);
    else if (name.endsWith(".ts")) out.push(path);
  }
  return out;
}

/** Every arrow `file -> imported file` of mod.ts, src/ and kernels/, paths relative to the root with `/`. */
function importGraph(): { files: string[]; arrows: [string, string][] } {
  const root = repoRoot();
  const files = ["mod.ts", ...tsFiles(root, "src"), ...tsFiles(root, "kernels")];
  const arrows: [string, string][] = [];
  for (const file of files) {
    for (const spec of importsOf(readFileSync(join(root, file), "utf8"))) {
      const target = relative(root, normalize(join(root, dirname(file), spec))).split(sep).join("/");
      arrows.push([file, target]);
    }
  }
  return { files, arrows };
}

/** The strongly connected components of more than one node (the import loops), by Tarjan's algorithm. */
function loops(arrows: readonly (readonly [string, string])[]): string[][] {
  const next = new Map<string, string[]>();
  for (const [a, b] of arrows) {
    if (a === b) continue;
    next.set(a, [...(next.get(a) ?? []), b]);
    if (!next.has(b)) next.set(b, []);
  }
  const index = new Map<string, number>(), low = new Map<string, number>(), stack: string[] = [];
  const onStack = new Set<string>(), found: string[][] = [];
  const visit = (v: string) => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v)!) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const scc: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      scc.push(w);
    } while (w !== v);
    if (scc.length > 1) found.push(scc.sort());
  };
  for (const v of next.keys()) if (!index.has(v)) visit(v);
  return found;
}

const { files, arrows } = importGraph();

test("roomOf(), importsOf() and loops() read paths, imports and loops as the house check needs", () => {
  assert.equal(roomOf("mod.ts"), ".");
  assert.equal(roomOf("src/errors.ts"), "src");
  assert.equal(roomOf("src/cli.ts"), "src/cli");
  assert.equal(roomOf("src/models/rwkv/v7.ts"), "src/models");
  assert.equal(roomOf("kernels/gpu/matmul.ts"), "kernels/gpu");
  // Written with IMPORT/EXPORT so that this file's own imports are only its real ones.
  const text = [
    'IMPORT { a } from "./a.ts";',
    "IMPORT {",
    "  b,",
    '} from "../b.ts";',
    'EXPORT { c } from "./c.ts";',
    'EXPORT * from "./d.ts";',
    'IMPORT "./e.ts";',
    'const f = await IMPORT("./f.ts");',
    'IMPORT { g } from "node:fs";',
    ' * IMPORT { h } from "../h.ts";',
    '// IMPORT { i } from "./i.ts";',
  ].join("\n").replaceAll("IMPORT", "import").replaceAll("EXPORT", "export");
  assert.deepEqual(importsOf(text), ["./a.ts", "../b.ts", "./c.ts", "./d.ts", "./e.ts", "./f.ts"]);
  assert.deepEqual(loops([["a", "b"], ["b", "c"], ["c", "a"], ["c", "d"]]), [["a", "b", "c"]]);
  // The graph read here is the whole tree, not an empty one that would pass every check below.
  assert.ok(files.includes("src/cli.ts") && files.includes("kernels/cpu/matmul.ts"), `files: ${files.length}`);
  assert.ok(arrows.some(([from, to]) => from === "mod.ts" && to === "src/errors.ts"), `arrows: ${arrows.length}`);
});

test("every import arrow points to a file of the house", () => {
  const known = new Set(files);
  assert.deepEqual(arrows.filter(([, to]) => !known.has(to)).map(([from, to]) => `${from} -> ${to}`), []);
});

test("every room of src/ and kernels/ is on a floor of docs/architecture.md", () => {
  const rooms = new Set(files.filter((f) => !isTestFile(f)).map(roomOf));
  const unplaced = [...rooms].filter((room) => !floorOf.has(room));
  assert.deepEqual(unplaced, [], "place each new folder on a floor here and in docs/architecture.md");
});

test("engine files import only their own room and the floors below it", () => {
  const upward = arrows.filter(([from, to]) => {
    if (isTestFile(from)) return false;
    const a = roomOf(from), b = roomOf(to);
    return a !== b && !(floorOf.get(b)! < floorOf.get(a)!);
  });
  assert.deepEqual(
    upward.map(([from, to]) => `${from} -> ${to} (${roomOf(from)} may not import ${roomOf(to)})`),
    [],
  );
});

test("kernel tests stand alone: they import kernels/ and src/testing only", () => {
  const bad = arrows.filter(([from, to]) =>
    from.startsWith("kernels/") && !to.startsWith("kernels/") && !to.startsWith(`${TESTING}/`)
  );
  assert.deepEqual(bad.map(([from, to]) => `${from} -> ${to}`), []);
});

// npm test runs the test files that open a WebGPU device in a Deno process of their own (README, Known issues: Deno
// has aborted at exit in processes that had both a device and worker threads). A test elsewhere that asks for an
// adapter, directly or through the CLI's --backend auto/webgpu, would put the two back together.
test("only kernels/gpu, kernels/wgsl and webgpu*_test.ts files reach for a WebGPU adapter", () => {
  const opensGpu = new RegExp(
    [
      String.raw`navigator\??\.gpu`,
      String.raw`requestAdapter\(`,
      String.raw`createWebGpuOps\(`,
      String.raw`"--backend",\s*"(auto|webgpu)"`,
      String.raw`backend:\s*"(auto|webgpu)"`,
    ].join("|"),
  );
  const gpuFile = (f: string) => /^kernels\/(gpu|wgsl)\//.test(f) || /(^|\/)webgpu[^/]*_test\.ts$/.test(f);
  const root = repoRoot();
  const bad = files.filter((f) =>
    f.endsWith("_test.ts") && f !== "src/architecture_test.ts" && !gpuFile(f) &&
    opensGpu.test(readFileSync(join(root, f), "utf8"))
  );
  assert.deepEqual(bad, [], "move these tests into a webgpu*_test.ts file");
});

test("no engine file imports a test file or src/testing", () => {
  const bad = arrows.filter(([from, to]) => !isTestFile(from) && isTestFile(to));
  assert.deepEqual(bad.map(([from, to]) => `${from} -> ${to}`), []);
});

test("the alcoves of a room (src/models/llama, src/models/rwkv, ...) do not import each other", () => {
  const alcove = (f: string) => f.split("/").length > 3 ? f.split("/").slice(0, 3).join("/") : null;
  const bad = arrows.filter(([from, to]) => {
    const a = alcove(from), b = alcove(to);
    return a !== null && b !== null && a !== b && roomOf(from) === roomOf(to);
  });
  assert.deepEqual(bad.map(([from, to]) => `${from} -> ${to}`), []);
});

test("no import loop between files, nor between rooms", () => {
  assert.deepEqual(loops(arrows), [], "files that import each other");
  const roomArrows = arrows.filter(([from]) => !isTestFile(from)).map(([a, b]) => [roomOf(a), roomOf(b)] as const);
  assert.deepEqual(loops(roomArrows), [], "rooms that import each other");
});

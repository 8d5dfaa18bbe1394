// A `node --test` reporter for scripts/test_all.mjs: one tab-separated row per event it needs,
// so the runner can print a line per test file as each finishes.
//
//   file <path>            a file's results begin      pass | skip         one test passed / skipped
//   fail <name> <json>     a test failed, and why      out <json>          what a test printed
//   end                    the file's results are over diag <message>      Node's totals ("pass 573")
//   time <path> <ms>       how long the file's process ran (before or after its results)
//
// Node runs each file in a child process and replays its tests' events as one block after the
// file is done, so a file's block ends where the next file's (or the totals) begins.
import { relative } from "node:path";

/** @param {AsyncIterable<{ type: string, data: any }>} source */
export default async function* fileRows(source) {
  let current = null;
  const pathOf = (file) =>
    file ? relative(process.cwd(), file.startsWith("file:") ? new URL(file).pathname : file) : "(unknown)";
  const at = (file) => {
    const path = pathOf(file);
    if (path === current) return "";
    current = path;
    return `end\nfile\t${path}\n`;
  };
  for await (const { type, data } of source) {
    const own = data?.file && data.name !== data.file; // a test, not the file itself
    if (type === "test:complete" && !own && data?.file) {
      yield `time\t${pathOf(data.file)}\t${data.details?.duration_ms}\n`;
    }
    if (type === "test:pass" && own && data.details?.type !== "suite") {
      yield `${at(data.file)}${data.skip !== undefined || data.todo !== undefined ? "skip" : "pass"}\n`;
    } else if (type === "test:fail") {
      const err = data.details?.error;
      const why = err?.cause?.stack ?? err?.cause?.message ?? err?.stack ?? err?.message ?? String(err);
      yield `${at(data.file)}fail\t${data.name}\t${JSON.stringify(String(why))}\n`;
    } else if (type === "test:stdout" || type === "test:stderr") {
      yield `${at(data.file)}out\t${JSON.stringify(data.message)}\n`;
    } else if (type === "test:diagnostic" && !data.file) {
      if (current !== null) yield "end\n";
      current = null;
      yield `diag\t${data.message}\n`;
    }
  }
  if (current !== null) yield "end\n";
}

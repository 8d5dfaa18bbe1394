// Prints, as Markdown, the message every bad input of src/cli/_error_cases.ts gets from the CLI
// (run through main() in this process), grouped as in docs/errors.md. docs/errors.md quotes
// these; rerun this after changing a message and update the page:
//
//   deno run -A scripts/error_messages.ts > /tmp/messages.md
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { main } from "../src/cli.ts";
import { buildFixtures, ERROR_CASES, type ErrorGroup } from "../src/cli/_error_cases.ts";

const root = mkdtempSync(join(tmpdir(), "shortgpt-messages-"));
const f = buildFixtures(root);
const byGroup = new Map<ErrorGroup, string[]>();
let problems = 0;
for (const c of ERROR_CASES) {
  if (c.skip?.()) continue;
  const argv = c.args(f);
  const err: string[] = [];
  const write = process.stderr.write;
  process.stderr.write = ((s: string) => (err.push(String(s)), true)) as typeof process.stderr.write;
  let code: number;
  try {
    code = await main(argv);
  } finally {
    process.stderr.write = write;
  }
  const text = err.join("").trimEnd().replaceAll(root, "<tmp>");
  const ok = code === 1 && !text.includes("\n") && c.expect.test(text);
  if (!ok) problems++;
  const cmd = argv.map((a) => a.replaceAll(root, "<tmp>")).join(" ");
  const rows = byGroup.get(c.group) ?? [];
  rows.push(`- ${c.name}: \`shortgpt ${cmd}\`${ok ? "" : ` **(exit ${code}, unexpected)**`}\n  \`${text}\``);
  byGroup.set(c.group, rows);
}
for (const [group, rows] of byGroup) console.log(`## ${group}\n\n${rows.join("\n")}\n`);
rmSync(root, { recursive: true, force: true });
if (problems) {
  console.error(`${problems} cases did not give exit 1 and the expected one-line message`);
  process.exitCode = 1;
}

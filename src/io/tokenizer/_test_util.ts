/**
 * Helpers for the tokenizer tests: fixture paths, expected-id files, readable id mismatches.
 *
 * @module
 */

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { UserError } from "../../errors.ts";

/** Folder of the tokenizer fixtures and expected ids (see its PROVENANCE.md). */
export const FIXTURES = "testdata/tokenizers";

/** Reads a JSON file. */
export function readJson<T = unknown>(path: string): T {
  return JSON.parse(readFileSync(path, "utf8")) as T;
}

/** One expected-ids case of a peer file. */
export interface PeerCase {
  text: string;
  ids: number[] | null;
  decoded?: string;
  tiktoken_ids?: number[];
}

/** The `cases` of `testdata/tokenizers/<name>`. */
export function peerCases(name: string): PeerCase[] {
  return readJson<{ cases: PeerCase[] }>(`${FIXTURES}/${name}`).cases;
}

/** Asserts equal id lists; on failure says where they first differ, with both neighbourhoods. */
export function assertIds(actual: readonly number[], expected: readonly number[], label: string): void {
  let i = 0;
  while (i < actual.length && i < expected.length && actual[i] === expected[i]) i++;
  if (i === actual.length && i === expected.length) return;
  const around = (xs: readonly number[]) => JSON.stringify(xs.slice(Math.max(0, i - 3), i + 5));
  assert.fail(
    `${label}: ids differ first at index ${i} (lengths ${actual.length} vs ${expected.length}); ` +
      `actual[${Math.max(0, i - 3)}..] = ${around(actual)}, expected = ${around(expected)}. ` +
      `Hint: compare the pieces around that index (merge order, byte fallback, dummy prefix).`,
  );
}

/** Runs `f`; passes if it returns or throws a UserError, fails on any other exception. */
export function validOrUserError(f: () => unknown): void {
  try {
    f();
  } catch (e) {
    if (!(e instanceof UserError)) throw e;
  }
}

/**
 * 100 kB of text: the expected-id texts (English, CJK, emoji, ...) repeated, each copy numbered
 * so that no long stretch repeats (which a word cache would make cheap).
 */
export function hundredKb(): string {
  const texts = readJson<string[]>(`${FIXTURES}/texts.json`);
  let s = "";
  for (let i = 0; s.length < 100_000; i++) s += `${i}: ${texts[i % texts.length]}\n`;
  return s.slice(0, 100_000);
}

/** The worst case for a merge loop: one 100 kB word that merges again and again. */
export const HUNDRED_KB_WORD = "a".repeat(100_000);

/** Milliseconds that `f` takes. */
export function timeMs(f: () => unknown): number {
  const t0 = performance.now();
  f();
  return performance.now() - t0;
}

/** A string of arbitrary UTF-16 code units, lone surrogates included. */
export const codeUnits = (units: number[]): string => String.fromCharCode(...units);

/**
 * Helpers for the tokenizer tests: fixture paths, expected-id files, readable id mismatches.
 *
 * @module
 */

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { UserError } from "../../errors.ts";
import type { Tokenizer } from "./tokenizer.ts";

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

/**
 * Encodes {@link hundredKb} and {@link HUNDRED_KB_WORD} with `tok` and checks the ids: integers
 * in the vocabulary, at least one, and at most one per UTF-8 byte plus BOS and EOS (no piece is
 * shorter than a byte). How long it takes is measured by bench/tokenizers.ts, not here.
 */
export function assertEncodesHundredKb(tok: Tokenizer, label: string): void {
  for (const [what, text] of [["100 kB of text", hundredKb()], ["a 100 kB word", HUNDRED_KB_WORD]]) {
    const ids = tok.encode(text);
    const bytes = new TextEncoder().encode(text).length;
    assert.ok(ids.length >= 1 && ids.length <= bytes + 2, `${label}, ${what}: ${ids.length} ids for ${bytes} bytes`);
    const bad = ids.findIndex((i) => !Number.isInteger(i) || i < 0 || i >= tok.vocabSize);
    assert.equal(bad, -1, `${label}, ${what}: id ${ids[bad]} at ${bad} is outside 0..${tok.vocabSize - 1}`);
  }
}

/** A string of arbitrary UTF-16 code units, lone surrogates included. */
export const codeUnits = (units: number[]): string => String.fromCharCode(...units);

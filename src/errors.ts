/**
 * One error type for everything the user can fix: a bad file, flag, id or folder.
 *
 * The CLI catches it at the edge, prints its message as one line on stderr and exits with
 * code 1. Any other exception is a bug in shortgpt: exit code 2 with the stack trace.
 *
 * Messages follow ../shared/STYLE.md: sentence case, quote the value, say what was expected
 * and what to do, e.g. `Cannot load "x.safetensors": header length 9007199254740991 exceeds
 * file size 1024`.
 *
 * @module
 */

/** The longest message kept whole; longer ones (a quoted value gone wild) are cut in the middle. */
const MAX_MESSAGE = 2000;

/**
 * An error caused by the user's input, with a message that says what to do. The message is
 * always one line: line breaks in it (from a quoted value or a parser's message) become spaces.
 */
export class UserError extends Error {
  /** `message` says what is wrong and what to do; it is made one line and cut to 2000 characters. */
  constructor(message: string) {
    let line = message.replace(/\s*[\r\n\u2028\u2029]+\s*/g, " ");
    if (line.length > MAX_MESSAGE) line = `${line.slice(0, MAX_MESSAGE / 2)} [...] ${line.slice(-MAX_MESSAGE / 2)}`;
    super(line);
    this.name = "UserError";
  }
}

/** Throws a {@link UserError} with `message` unless `condition` holds. */
export function check(condition: unknown, message: string | (() => string)): asserts condition {
  if (!condition) throw new UserError(typeof message === "function" ? message() : message);
}

/**
 * Why a file-system call failed, in words a user can act on (`ENOENT` becomes "it does not
 * exist"); other errors keep their code and message.
 *
 * @example
 * ```ts
 * import { readFileSync } from "node:fs";
 * import { fsReason } from "./errors.ts";
 * try {
 *   readFileSync("missing.txt");
 * } catch (e) {
 *   console.log(fsReason(e)); // "it does not exist"
 * }
 * ```
 */
export function fsReason(e: unknown): string {
  const code = (e as { code?: unknown })?.code;
  const words: Record<string, string> = {
    ENOENT: "it does not exist",
    EACCES: "permission denied",
    EPERM: "permission denied",
    EISDIR: "it is a folder, not a file",
    ENOTDIR: "a part of the path is a file, not a folder",
    ENOSPC: "no space left on the device",
    EROFS: "the file system is read-only",
    EEXIST: "something is already there",
    EMFILE: "too many open files",
    ENAMETOOLONG: "the name is too long",
    EBUSY: "it is busy (in use by another program)",
  };
  if (typeof code === "string" && code in words) return `${words[code]} (${code})`;
  const message = e instanceof Error ? e.message : String(e);
  return typeof code === "string" ? `${code}: ${message}` : message;
}

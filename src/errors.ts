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

/** An error caused by the user's input, with a message that says what to do. */
export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UserError";
  }
}

/** Throws a {@link UserError} with `message` unless `condition` holds. */
export function check(condition: unknown, message: string | (() => string)): asserts condition {
  if (!condition) throw new UserError(typeof message === "function" ? message() : message);
}

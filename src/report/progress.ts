/**
 * A progress line for long runs (calibration, per-layer perplexity, head removal).
 *
 * On a terminal it redraws one line with `\r`:
 *
 *     single-layer removal [######..............] 12/40 30% ETA 1m05s layer 11
 *
 * When stderr is a file or a pipe (CI logs) it prints a full line at most once per 10 % of the
 * work or every 10 s, plus the final line, so logs stay short.
 *
 * @module
 */
import process from "node:process";

/** Where progress goes: anything with `write`; `isTTY` picks the redrawn line. */
export interface ProgressStream {
  write(s: string): unknown;
  isTTY?: boolean;
}

/** Options for {@link Progress}. */
export interface ProgressOptions {
  /** Print nothing. */
  quiet?: boolean;
  /** Defaults to `process.stderr`. */
  stream?: ProgressStream;
  /** Clock in milliseconds; defaults to `performance.now()` (tests pass a fake one). */
  now?: () => number;
}

const BAR = 20, TTY_EVERY_MS = 100, LOG_EVERY_MS = 10_000;

/**
 * Counts finished work items and shows rate-based ETA.
 *
 * @example
 * ```ts
 * const windows = [[1, 2, 3], [4, 5, 6]];
 * const p = new Progress("perplexity", windows.length);
 * windows.forEach((_, i) => p.tick(1, `window ${i}`));
 * p.done("ppl 5.68");
 * ```
 */
export class Progress {
  readonly #label: string;
  readonly #total: number;
  readonly #stream: ProgressStream | null;
  readonly #tty: boolean;
  readonly #now: () => number;
  readonly #t0: number;
  #count = 0;
  #lastDraw = -Infinity; // time of the last output
  #lastDecile = 0; // non-TTY: last 10 % bucket printed
  #lastLen = 0; // TTY: length of the line on screen, to blank leftovers
  #finished = false;

  constructor(label: string, total: number, opts: ProgressOptions = {}) {
    this.#label = label;
    this.#total = Number.isFinite(total) && total > 0 ? Math.floor(total) : 0;
    this.#stream = opts.quiet ? null : opts.stream ?? process.stderr;
    this.#tty = this.#stream?.isTTY === true;
    this.#now = opts.now ?? (() => performance.now());
    this.#t0 = this.#now();
  }

  /** Records `n` more finished items; `detail` is shown after the ETA (e.g. "layer 11"). */
  tick(n = 1, detail?: string): void {
    if (this.#finished) return;
    this.#count += Number.isFinite(n) ? n : 0;
    if (!this.#stream) return;
    const t = this.#now();
    if (this.#tty) {
      if (t - this.#lastDraw < TTY_EVERY_MS && this.#count < this.#total) return;
      this.#redraw(this.#line(t, detail, true));
    } else {
      const decile = Math.floor(this.#fraction() * 10);
      if (decile <= this.#lastDecile && t - this.#lastDraw < LOG_EVERY_MS) return;
      if (this.#count >= this.#total && this.#total > 0) return; // done() prints the final line
      this.#lastDecile = Math.max(this.#lastDecile, decile);
      this.#stream.write(this.#line(t, detail, false) + "\n");
    }
    this.#lastDraw = t;
  }

  /** Prints the final line (count, total time, `summary`) and ends the line. Later calls do nothing. */
  done(summary?: string): void {
    if (this.#finished) return;
    this.#finished = true;
    if (!this.#stream) return;
    const elapsed = formatDuration(this.#now() - this.#t0);
    const bar = this.#tty ? ` [${"#".repeat(BAR)}]` : "";
    const line = `${this.#label}${bar} ${this.#count}/${this.#total} done in ${elapsed}${summary ? " " + summary : ""}`;
    if (this.#tty) this.#redraw(line), this.#stream.write("\n");
    else this.#stream.write(line + "\n");
  }

  #fraction(): number {
    return this.#total > 0 ? Math.min(1, Math.max(0, this.#count / this.#total)) : 1;
  }

  #line(t: number, detail: string | undefined, withBar: boolean): string {
    const f = this.#fraction();
    const filled = Math.round(f * BAR);
    const bar = withBar ? ` [${"#".repeat(filled)}${".".repeat(BAR - filled)}]` : "";
    const elapsed = t - this.#t0;
    const eta = this.#count > 0 && this.#count < this.#total
      ? ` ETA ${formatDuration((elapsed / this.#count) * (this.#total - this.#count))}`
      : this.#count === 0
      ? " ETA --"
      : "";
    return `${this.#label}${bar} ${this.#count}/${this.#total} ${Math.floor(f * 100)}%${eta}${
      detail ? " " + detail : ""
    }`;
  }

  #redraw(line: string): void {
    this.#stream!.write("\r" + line + " ".repeat(Math.max(0, this.#lastLen - line.length)));
    this.#lastLen = line.length;
  }
}

/** 950 → "0.9s", 65_000 → "1m05s", 3_725_000 → "1h02m". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return "--";
  const s = ms / 1000;
  if (s < 10) return `${s.toFixed(1)}s`;
  if (s < 60) return `${Math.round(s)}s`;
  const m = Math.floor(s / 60), h = Math.floor(m / 60);
  if (h === 0) return `${m}m${String(Math.floor(s % 60)).padStart(2, "0")}s`;
  return `${h}h${String(m % 60).padStart(2, "0")}m`;
}

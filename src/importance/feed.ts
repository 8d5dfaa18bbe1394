/**
 * The one place the hidden-state metrics are fed: each block's input X_i and output X_{i+1} of
 * each window go through {@link MetricFeed.block}, whichever order the work is done in, window-major
 * (`observeWindows`: the whole model per window) or layer-major (`streamLayers`: every window
 * through one block). Both orders therefore read, check and hand over the same numbers.
 *
 * Two ways to feed (see {@link useChangeSums}):
 * - sums: `Ops.changeSums` writes Σ_t(1 − cos) and Σ_t relmag of each (block, window) into a
 *   row of a [rows,2] buffer where the hidden states are; {@link MetricFeed.flush} reads it once
 *   and calls `changeSums()` on the metrics (one read per window, or per block when streaming);
 * - host: X_i and X_{i+1} come back as float32 arrays for `step()` and `state()`. A block's input
 *   is the previous block's output when the same window runs on (window-major), so that read is
 *   reused rather than repeated.
 * With no metric at all only the overflow check runs (one number read back on a device).
 *
 * Every output a metric sees is checked for NaN and Inf first (sums: from the sums), and the
 * error names the checkpoint's layer.
 *
 * @module
 */
import { UserError } from "../errors.ts";
import { anyNonFinite, checkFinite } from "../models/forward.ts";
import type { CausalLM } from "../models/model.ts";
import type { HiddenStateMetric } from "./metric.ts";

/**
 * Whether `metrics` are fed from `Ops.changeSums` rather than from hidden states read back:
 * on a device backend (the hidden states stay there and two numbers per block come back) when
 * every metric takes sums; `force` chooses (tests run the sums path on the CPU too).
 */
export function useChangeSums(
  opsName: string,
  metrics: readonly HiddenStateMetric[],
  force?: boolean,
): boolean {
  const possible = metrics.length > 0 && metrics.every((m) => m.changeSums && !m.state);
  if (!possible) return false;
  return force ?? opsName !== "cpu";
}

/**
 * Row j of the sums of `Ops.changeSums` ([n,2]), checked: a non-finite sum means the
 * block's output overflowed (NaN and Inf propagate into it), and the error names `layer`.
 */
export function sumsAt(sums: Float32Array, j: number, layer: number): [oneMinusCos: number, relmag: number] {
  const oneMinusCos = sums[2 * j], relmag = sums[2 * j + 1];
  if (!Number.isFinite(oneMinusCos) || !Number.isFinite(relmag)) {
    throw new UserError(
      `The output of layer ${layer} holds NaN or Inf (seen in its Block Influence sums); ` +
        "the weights overflow float32 on this input or are corrupt",
    );
  }
  return [oneMinusCos, relmag];
}

/** Options of {@link MetricFeed}. */
export interface FeedOptions {
  /** L, the number of blocks run: the output of block L−1 is X_L, the one `lastHidden` is about. */
  blocks: number;
  /** X_L before (`raw`) or after (`hf`) the final norm. */
  lastHidden: "raw" | "hf";
  /** How many (block, window) pairs may be fed between two flushes (the rows of the sums buffer). */
  rows: number;
  /** Feed from `Ops.changeSums` (default: {@link useChangeSums}). */
  sums?: boolean;
}

/** Feeds hidden-state metrics the windows of each block (see the module comment). */
export class MetricFeed<A> {
  readonly #model: Pick<CausalLM<A>, "ops" | "info" | "finalNorm">;
  readonly #metrics: readonly HiddenStateMetric[];
  readonly #opts: FeedOptions;
  readonly #sums: boolean;
  /** sums: the [rows,2] buffer being filled, and what each filled row belongs to. */
  #buffer: A | null = null;
  #filled: { i: number; layer: number; T: number }[] = [];
  /** host: the last output read back, reused when it comes in again as the next block's input. */
  #lastRead: { x: A; host: Float32Array } | null = null;

  constructor(
    model: Pick<CausalLM<A>, "ops" | "info" | "finalNorm">,
    metrics: readonly HiddenStateMetric[],
    opts: FeedOptions,
  ) {
    this.#model = model;
    this.#metrics = metrics;
    this.#opts = opts;
    this.#sums = opts.sums ?? useChangeSums(model.ops.name, metrics);
  }

  /** X_0 [T,D] of window `w` (the embeddings), for metrics that keep states. */
  async embedded(w: number, x0: A, T: number): Promise<void> {
    if (this.#sums || !this.#metrics.some((m) => m.state)) return;
    const host = await this.#model.ops.read(x0);
    this.#lastRead = { x: x0, host };
    for (const m of this.#metrics) m.state?.(w, 0, host, T, this.#model.info.hiddenSize);
  }

  /**
   * Block `i` of the stack (`layer` in the checkpoint's numbering) mapped X_i = `xIn` to
   * X_{i+1} = `xOut` [T,D] for window `w`. Neither is modified or released.
   */
  async block(w: number, i: number, layer: number, xIn: A, xOut: A, T: number): Promise<void> {
    const { ops, info: { hiddenSize: D } } = this.#model;
    const hfLast = i === this.#opts.blocks - 1 && this.#opts.lastHidden === "hf";
    const seen = hfLast ? this.#model.finalNorm(xOut, T) : xOut; // what the metrics call X_{i+1}
    const where = `The output of layer ${layer}`;
    if (this.#sums) {
      this.#buffer ??= ops.upload(new Float32Array(2 * this.#opts.rows)); // [rows,2]
      ops.changeSums(xIn, seen, T, D, this.#buffer, this.#filled.length);
      this.#filled.push({ i, layer, T });
      return;
    }
    if (this.#metrics.length === 0 || hfLast) {
      // Only the overflow check on X_{i+1} itself (one number read back on a device).
      if (await anyNonFinite(ops, xOut, T * D)) checkFinite(await ops.read(xOut), where);
      if (this.#metrics.length === 0) return;
    }
    const hostOut = await ops.read(seen);
    if (!hfLast) checkFinite(hostOut, where);
    const hostIn = this.#lastRead?.x === xIn ? this.#lastRead.host : await ops.read(xIn);
    for (const m of this.#metrics) {
      m.step?.(i, hostIn, hostOut, T, D);
      m.state?.(w, i + 1, hostOut, T, D);
    }
    this.#lastRead = hfLast ? null : { x: xOut, host: hostOut };
  }

  /** Hands the sums filled since the last flush to the metrics (one read); nothing to do otherwise. */
  async flush(): Promise<void> {
    if (this.#buffer === null) return;
    const { ops } = this.#model;
    const host = await ops.read(this.#buffer);
    ops.release?.(this.#buffer);
    this.#buffer = null;
    const filled = this.#filled;
    this.#filled = [];
    filled.forEach(({ i, layer, T }, row) => {
      const [oneMinusCos, relmag] = sumsAt(host, row, layer);
      for (const m of this.#metrics) m.changeSums!(i, oneMinusCos, relmag, T);
    });
  }
}

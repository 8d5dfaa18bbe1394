/**
 * The merge loop shared by every BPE tokenizer here, in O(n log n).
 *
 * All three BPE flavours repeat one step: among adjacent pairs of symbols that may merge,
 * take the one with the best priority (leftmost on ties) and replace it by the merged symbol.
 * They differ only in the priority: llama2.c and SentencePiece use the score of the merged
 * piece (highest first), Hugging Face the rank of the pair in `merges` (lowest first).
 *
 * The plain loop rescans the whole sequence after each merge, O(n²) (see `encodeNaive` in
 * `llama2c.ts`). Here, as in SentencePiece's `bpe_model.cc`, the symbols form a linked list
 * and the candidate pairs wait in a binary heap; a merge only adds the two new pairs around
 * the merged symbol, and heap entries made stale by earlier merges are skipped when popped.
 *
 * @module
 */

/** A possible merge of two adjacent ids: its priority (lower merges first) and the merged id. */
export interface Merge {
  priority: number;
  id: number;
}

/** Looks up whether `left` followed by `right` merges, and into what. */
export type MergeLookup = (left: number, right: number) => Merge | undefined;

// One candidate: the pair (pos, next[pos]) whose ids were (leftId, rightId) when it was pushed.
interface Candidate {
  priority: number;
  pos: number;
  leftId: number;
  rightId: number;
  merged: number;
}

const before = (a: Candidate, b: Candidate) => a.priority < b.priority || (a.priority === b.priority && a.pos < b.pos);

/** A binary min-heap of candidates ordered by (priority, position). */
class CandidateHeap {
  private items: Candidate[] = [];
  get size(): number {
    return this.items.length;
  }
  push(c: Candidate): void {
    const h = this.items;
    h.push(c);
    for (let i = h.length - 1; i > 0;) {
      const parent = (i - 1) >> 1;
      if (!before(h[i], h[parent])) break;
      [h[i], h[parent]] = [h[parent], h[i]];
      i = parent;
    }
  }
  pop(): Candidate {
    const h = this.items;
    const top = h[0];
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      for (let i = 0;;) {
        const l = 2 * i + 1, r = l + 1;
        let m = i;
        if (l < h.length && before(h[l], h[m])) m = l;
        if (r < h.length && before(h[r], h[m])) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m], h[i]];
        i = m;
      }
    }
    return top;
  }
}

/**
 * Merges `ids` until no adjacent pair merges: each step merges the pair with the lowest
 * priority, the leftmost among equals. Returns the merged ids.
 *
 * @example
 * ```ts
 * // "a" "b" "c" with merges ab (priority 1) and bc (priority 0): bc wins.
 * const merges = new Map([["0,1", { priority: 1, id: 3 }], ["1,2", { priority: 0, id: 4 }]]);
 * mergeByPriority([0, 1, 2], (l, r) => merges.get(`${l},${r}`)); // [0, 4]
 * ```
 */
export function mergeByPriority(ids: readonly number[], lookup: MergeLookup): number[] {
  const n = ids.length;
  if (n < 2) return ids.slice();
  const id = Int32Array.from(ids);
  const next = new Int32Array(n), prev = new Int32Array(n);
  const alive = new Uint8Array(n).fill(1);
  for (let i = 0; i < n; i++) {
    next[i] = i + 1 < n ? i + 1 : -1;
    prev[i] = i - 1;
  }
  const heap = new CandidateHeap();
  const consider = (pos: number) => {
    if (pos < 0 || next[pos] < 0) return;
    const m = lookup(id[pos], id[next[pos]]);
    if (m) heap.push({ priority: m.priority, pos, leftId: id[pos], rightId: id[next[pos]], merged: m.id });
  };
  for (let i = 0; i + 1 < n; i++) consider(i);

  while (heap.size > 0) {
    const c = heap.pop();
    const right = next[c.pos];
    // stale: the left symbol was absorbed, or either side changed since the candidate was pushed
    if (!alive[c.pos] || right < 0 || id[c.pos] !== c.leftId || id[right] !== c.rightId) continue;
    id[c.pos] = c.merged;
    alive[right] = 0;
    next[c.pos] = next[right];
    if (next[right] >= 0) prev[next[right]] = c.pos;
    consider(prev[c.pos]);
    consider(c.pos);
  }
  const out: number[] = [];
  for (let i = 0; i >= 0; i = next[i]) out.push(id[i]);
  return out;
}

/**
 * Remembers the answers of `lookup` for pairs of ids in `[0, size)` (other ids are asked
 * every time), so a pair that recurs in a long text builds its piece string only once.
 */
export function memoizePairs(lookup: MergeLookup, size: number): MergeLookup {
  const memo = new Map<number, Merge | null>();
  return (left, right) => {
    if (left < 0 || right < 0 || left >= size || right >= size) return lookup(left, right);
    const key = left * size + right;
    let m = memo.get(key);
    if (m === undefined) memo.set(key, m = lookup(left, right) ?? null);
    return m ?? undefined;
  };
}

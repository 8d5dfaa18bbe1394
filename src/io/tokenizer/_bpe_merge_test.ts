import assert from "node:assert/strict";
import fc from "fast-check";
import { test } from "../../testing/harness.ts";
import { type Merge, mergeByPriority } from "./_bpe_merge.ts";

/** The obvious O(n²) loop: rescan all pairs, merge the best (lowest priority, leftmost). */
function mergeNaive(ids: number[], lookup: (l: number, r: number) => Merge | undefined): number[] {
  const out = ids.slice();
  for (;;) {
    let best = -1, bestMerge: Merge | undefined;
    for (let i = 0; i + 1 < out.length; i++) {
      const m = lookup(out[i], out[i + 1]);
      if (m && (!bestMerge || m.priority < bestMerge.priority)) [best, bestMerge] = [i, m];
    }
    if (!bestMerge) return out;
    out.splice(best, 2, bestMerge.id);
  }
}

test("mergeByPriority() merges the lowest priority first and the leftmost among equals", () => {
  const table = new Map([["0,1", { priority: 1, id: 3 }], ["1,2", { priority: 0, id: 4 }], ["0,0", {
    priority: 5,
    id: 5,
  }]]);
  const lookup = (l: number, r: number) => table.get(`${l},${r}`);
  assert.deepEqual(mergeByPriority([0, 1, 2], lookup), [0, 4]);
  assert.deepEqual(mergeByPriority([0, 0, 0], lookup), [5, 0]);
  assert.deepEqual(mergeByPriority([], lookup), []);
  assert.deepEqual(mergeByPriority([7], lookup), [7]);
});

test("mergeByPriority() gives the same ids as the rescanning loop on random merge tables", () => {
  const arb = fc.record({
    ids: fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 60 }),
    merges: fc.array(
      fc.tuple(fc.integer({ min: 0, max: 9 }), fc.integer({ min: 0, max: 9 }), fc.integer({ min: -3, max: 3 })),
    ),
  });
  fc.assert(
    fc.property(arb, ({ ids, merges }) => {
      // merged ids are 10..19; the lookup reads them modulo 10, so merged symbols merge again
      const table = new Map<string, Merge>();
      merges.forEach(([l, r, priority], k) =>
        table.has(`${l},${r}`) || table.set(`${l},${r}`, { priority, id: 10 + (k % 10) })
      );
      const lookup = (l: number, r: number) => table.get(`${l % 10},${r % 10}`);
      assert.deepEqual(mergeByPriority(ids, lookup), mergeNaive(ids, lookup));
    }),
    { numRuns: 500 },
  );
});

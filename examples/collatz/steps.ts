// The seed's quick start: Collatz sequences, their lengths, and a summary.
import { step, useStepLogger } from "formed";

/** Streams the Collatz sequence from `init` down to 1. */
export const generateCollatz = step(function* ({ init }: { init: number }) {
  let n = init;
  while (n !== 1) {
    yield n;
    n = n % 2 === 0 ? n / 2 : 3 * n + 1;
  }
  yield 1;
});

/** The number of steps the sequence takes to reach 1. */
export const countSteps = step(({ sequence }: { sequence: Iterable<number> }): number => {
  let n = 0;
  for (const _ of sequence) n++;
  return n - 1;
});

/** The largest value the sequence reaches (iterates the same cached sequence again). */
export const peak = step(({ sequence }: { sequence: Iterable<number> }): number => {
  let max = 0;
  for (const n of sequence) max = Math.max(max, n);
  return max;
});

export const summarize = step(
  { name: "my::summarize", version: "001", deterministic: true, cacheable: true, format: "json" },
  (counts: Record<string, number>) => {
    useStepLogger().info(`summary: ${JSON.stringify(counts)}`);
    return counts;
  },
);

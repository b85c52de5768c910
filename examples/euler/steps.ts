// Project Euler problems 1, 2, 3 and 7 as workflow steps: a shared stream of primes feeds two of
// them, and a report gathers every answer through field references.
import { step, useStepLogger } from "formed";

/** Problem 1: the sum of the multiples of any of `divisors` below `limit`. */
export const sumOfMultiples = step(({ limit, divisors }: { limit: number; divisors: number[] }): number => {
  let sum = 0;
  for (let n = 1; n < limit; n++) if (divisors.some((d) => n % d === 0)) sum += n;
  return sum;
});

/** The Fibonacci numbers up to `max`, streamed. */
export const fibonacci = step(function* ({ max }: { max: number }) {
  let [a, b] = [1, 2];
  while (a <= max) {
    yield a;
    [a, b] = [b, a + b];
  }
});

/** Problem 2: the sum of the even values of a sequence. */
export const sumOfEven = step(({ values }: { values: Iterable<number> }): number => {
  let sum = 0;
  for (const v of values) if (v % 2 === 0) sum += v;
  return sum;
});

/** Primes below `limit` by the sieve of Eratosthenes, streamed. */
export const primes = step(function* ({ limit }: { limit: number }) {
  const composite = new Uint8Array(limit);
  for (let n = 2; n < limit; n++) {
    if (composite[n]) continue;
    yield n;
    for (let m = n * n; m < limit; m += n) composite[m] = 1;
  }
});

/** Problem 3: the largest prime factor of `n`, by trial division with the streamed primes. */
export const largestPrimeFactor = step(({ n, primes }: { n: number; primes: Iterable<number> }): number => {
  let rest = n;
  let largest = 1;
  for (const p of primes) {
    if (p * p > rest) break;
    while (rest % p === 0) {
      rest /= p;
      largest = p;
    }
  }
  return rest > 1 ? rest : largest;
});

/** Problem 7: the `index`-th prime (1-based). */
export const nthPrime = step(({ index, primes }: { index: number; primes: Iterable<number> }): number => {
  let i = 0;
  for (const p of primes) if (++i === index) return p;
  throw new Error(`fewer than ${index} primes below the sieve limit; raise it`);
});

/** Answers and a few facts about them, as one object: the report reads its fields. */
export const collect = step(
  { format: "json" },
  (answers: Record<string, number>): { answers: Record<string, number>; total: number } => {
    const total = Object.values(answers).reduce((a, b) => a + b, 0);
    return { answers, total };
  },
);

export const report = step(
  ({ problem1, problem7, total }: { problem1: number; problem7: number; total: number }) => {
    const logger = useStepLogger();
    logger.info(`problem 1: ${problem1}`);
    logger.info(`problem 7: ${problem7}`);
    logger.info(`sum of all answers: ${total}`);
    return `problem 1 = ${problem1}, problem 7 = ${problem7}, total = ${total}`;
  },
);

// Project Euler 1, 2, 3 and 7. `primes` is computed once and read by two steps; `answers`
// gathers the results and `report` reads single fields of it (`answers.answers.problem1`).
local ref(name) = { type: 'ref', ref: name };

{
  steps: {
    problem1: { type: 'sumOfMultiples', limit: 1000, divisors: [3, 5] },
    fib: { type: 'fibonacci', max: 4000000 },
    problem2: { type: 'sumOfEven', values: ref('fib') },
    primes: { type: 'primes', limit: 200000 },
    problem3: { type: 'largestPrimeFactor', n: 600851475143, primes: ref('primes') },
    problem7: { type: 'nthPrime', index: 10001, primes: ref('primes') },
    answers: {
      type: 'collect',
      problem1: ref('problem1'),
      problem2: ref('problem2'),
      problem3: ref('problem3'),
      problem7: ref('problem7'),
    },
    report: {
      type: 'report',
      problem1: ref('answers.answers.problem1'),
      problem7: ref('answers.answers.problem7'),
      total: ref('answers.total'),
    },
  },
}

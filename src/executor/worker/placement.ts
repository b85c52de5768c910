/**
 * Whether a synchronous step goes to a worker process or stays in the main process. A worker
 * keeps the main process free (other steps go on, Ctrl-C is heard at once) and uses another
 * core, but each step sent costs a few milliseconds of messages and cache reads on both sides:
 * for a step that computes for less than that, it doubles the work. So each step type is sent
 * to workers until the functions of two of its steps in a row computed for under `FAST_MS`
 * there; then its steps run in the main process, until one of them takes over `SLOW_MS` (its
 * function and storing its result: its inputs grew, say), which sends the type back to workers.
 * `step({ worker: true })` always sends a step to a worker.
 */
const FAST_MS = 10;
const SLOW_MS = 50;
const FAST_RUNS_TO_STAY = 2;

export class WorkerPlacement {
  /** Per step type: how many of its steps in a row were fast in a worker; at the threshold it stays in the main process. */
  readonly #fastRuns = new Map<string, number>();

  /** Whether a step of `type` (not forced either way by its options) should go to a worker. */
  prefersWorker(type: string): boolean {
    return (this.#fastRuns.get(type) ?? 0) < FAST_RUNS_TO_STAY;
  }

  /** A step of `type` computed for `ms` in a worker process. */
  ranInWorker(type: string, ms: number): void {
    this.#fastRuns.set(type, ms < FAST_MS ? (this.#fastRuns.get(type) ?? 0) + 1 : 0);
  }

  /** A step of `type` computed for `ms` in the main process (because its type was fast). */
  ranInMainProcess(type: string, ms: number): void {
    if (ms > SLOW_MS) this.#fastRuns.set(type, 0);
  }
}

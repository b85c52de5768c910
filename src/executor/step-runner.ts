import type { CacheKey } from "../cache/cache.js";
import type { StepNode } from "../graph/step-node.js";
import type { StepContext } from "../step/context.js";

/** A step to compute elsewhere: its result is to be stored in the cache under `key`. */
export interface RunnerRequest {
  readonly node: StepNode;
  readonly key: CacheKey;
  /** Replace the step's entry (`--force`). */
  readonly forced: boolean;
  /** The step's context in the main process: its log and state; the runner forwards to them. */
  readonly context: StepContext;
  /** The cache entry of each step it reads, by step name: its fingerprint, and the step's type (its format). */
  readonly inputs: ReadonlyMap<string, { readonly fingerprint: string; readonly type: string }>;
  /** The cache's `attachment` for the new entry, if it has one. */
  readonly attachment?: string;
}

/**
 * Where a step runs when not in the main process (a pool of worker processes). The run session
 * decides nothing else: keys, the cache check, the lock and callbacks stay in the main process.
 */
export interface StepRunner {
  /** Whether `node` runs here; `inputsStored`: every result it reads is a cache entry. */
  takes(node: StepNode, inputsStored: boolean): boolean;
  /** Computes the step and stores its result; rejects with the step's failure. */
  run(request: RunnerRequest): Promise<void>;
  /** A step this runner did not take ran in the main process for `ms` (it may weigh where the next go). */
  ranInMainProcess?(node: StepNode, ms: number): void;
  /** Stops everything it runs and frees its processes; the run's end. */
  close(): Promise<void>;
}

/** The runner could not read an input's cache entry: the main process computes the step (and that input) itself. */
export class InputUnusableError extends Error {
  constructor(
    readonly input: string,
    readonly reason: string,
  ) {
    super(`the cached result of "${input}" is not usable: ${reason}`);
    this.name = "InputUnusableError";
  }
}

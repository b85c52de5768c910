import type { WorkflowGraph } from "../../graph/graph.js";
import type { ExecutionOutcome, ExecutionRun } from "../executor.js";
import type { ResourceRequest } from "../resource-gate.js";
import { ScheduledExecutor } from "../scheduled-executor.js";
import type { StepRunner } from "../step-runner.js";
import { DistributedRunner, type DistributedTarget } from "./distributed-runner.js";
import { RedisLeases, withLeases } from "./redis-leases.js";

export interface DistributedExecutorOptions extends DistributedTarget {
  /** Steps in flight at once, on workers or here (default 64). */
  readonly jobs?: number;
  /** Capacity of each named resource across all workers; unnamed ones are unlimited. */
  readonly resources?: ResourceRequest;
  readonly keepGoing?: boolean;
}

export const DEFAULT_DISTRIBUTED_JOBS = 64;

/**
 * Runs the graph here (the one scheduler: readiness, slots, resources, keep-going, cancel, the
 * record) and computes its steps on `formed worker`s anywhere, through a BullMQ queue on Redis
 * (`distributed-runner.ts`). A step stays here when it must (`worker: false`, a result that is
 * not stored, an input that is not). The cache's lock becomes a Redis lease, so schedulers on
 * different machines compute a step once. Workers read inputs from and write results to the
 * cache their own project opens: one all of them share (a folder, or a remote cache).
 */
export class DistributedExecutor extends ScheduledExecutor {
  readonly #target: DistributedTarget;
  readonly #runners: WeakMap<ExecutionRun, StepRunner>;

  constructor(options: DistributedExecutorOptions) {
    const jobs = options.jobs ?? DEFAULT_DISTRIBUTED_JOBS;
    if (!Number.isInteger(jobs) || jobs < 1)
      throw new TypeError(`DistributedExecutor: jobs must be a whole number of at least 1, got ${jobs}`);
    const runners = new WeakMap<ExecutionRun, StepRunner>();
    super({
      jobs,
      ...(options.resources === undefined ? {} : { resources: options.resources }),
      ...(options.keepGoing === undefined ? {} : { keepGoing: options.keepGoing }),
      runner: (run) => runners.get(run),
    });
    this.#runners = runners;
    this.#target = { redis: options.redis, queue: options.queue };
  }

  override execute(graph: WorkflowGraph, run: ExecutionRun): Promise<ExecutionOutcome> {
    const runner = new DistributedRunner(this.#target, run);
    const leases = new RedisLeases(() => runner.client(), this.#target.redis, {
      guard: (command) => runner.guarded(command),
    });
    const leased: ExecutionRun = { ...run, cache: withLeases(run.cache, leases) };
    if (run.cache.shared === true) this.#runners.set(leased, runner);
    else {
      run.logger.warn(
        `the ${run.cache.kind} cache cannot be shared with workers: every step runs in this process`,
      );
      // Its connection (for the leases) is closed at the run's end all the same.
      this.#runners.set(leased, {
        takes: () => false,
        run: () => Promise.reject(new Error("not used")),
        close: () => runner.close(),
      });
    }
    return super.execute(graph, leased);
  }
}

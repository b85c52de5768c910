import { availableParallelism } from "node:os";
import type { StepNode } from "../graph/step-node.js";
import type { ResourceRequest } from "./resource-gate.js";
import { ScheduledExecutor } from "./scheduled-executor.js";
import type { StepRunner } from "./step-runner.js";
import { WorkerPlacement } from "./worker/placement.js";
import type { WorkerProject } from "./worker/protocol.js";
import { WorkerPool } from "./worker/worker-pool.js";

export interface ParallelExecutorOptions {
  /** Steps running at once (default: the cores this process may use). */
  readonly jobs?: number;
  readonly resources?: ResourceRequest;
  readonly keepGoing?: boolean;
  /**
   * Run synchronous steps in worker processes (default true; needs `project` and a cache other
   * processes can open). False: every step runs in this process, where only async steps overlap.
   */
  readonly workers?: boolean;
  /** The project the worker processes open (its folder and settings file). */
  readonly project?: WorkerProject;
}

/**
 * Runs up to `jobs` steps at once: async steps overlap in this process (they wait on the network
 * or on other processes); synchronous ones, which would block it, run in a pool of worker
 * processes, so CPU-bound steps use as many cores. `step({ worker: false })` keeps a step here
 * (it holds a live client, say); `step({ worker: true })` sends an async step to a worker.
 */
export class ParallelExecutor extends ScheduledExecutor {
  constructor(options: ParallelExecutorOptions = {}) {
    const jobs = options.jobs ?? availableParallelism();
    if (!Number.isInteger(jobs) || jobs < 1)
      throw new TypeError(`ParallelExecutor: jobs must be a whole number of at least 1, got ${jobs}`);
    const project = options.workers === false ? undefined : options.project;
    super({
      jobs,
      ...(options.resources === undefined ? {} : { resources: options.resources }),
      ...(options.keepGoing === undefined ? {} : { keepGoing: options.keepGoing }),
      ...(project === undefined
        ? {}
        : {
            runner: (run) =>
              run.cache.shared === true
                ? workerRunner(
                    new WorkerPool({
                      ...project,
                      size: jobs,
                      ...(run.signal === undefined ? {} : { signal: run.signal }),
                    }),
                  )
                : undefined,
          }),
    });
  }
}

/**
 * A worker takes a step whose result is stored and whose inputs are stored (it reads them from
 * the cache), if it is synchronous and not one of a type known to be too quick to be worth it.
 */
function workerRunner(pool: WorkerPool): StepRunner {
  const placement = new WorkerPlacement();
  return {
    takes: (node, inputsStored) =>
      inputsStored &&
      node.shouldBeCached &&
      runsInWorker(node) &&
      (node.registered.step.options.worker === true || placement.prefersWorker(node.type)),
    run: async (request) => placement.ranInWorker(request.node.type, await pool.run(request)),
    ranInMainProcess: (node, ms) => placement.ranInMainProcess(node.type, ms),
    close: () => pool.close(),
  };
}

/** `step({ worker })` decides; by default a synchronous function (or generator) may go to a worker, an async one stays. */
export function runsInWorker(node: StepNode): boolean {
  const { step } = node.registered;
  if (step.options.worker !== undefined) return step.options.worker;
  const kind = step.fn.constructor.name;
  return kind !== "AsyncFunction" && kind !== "AsyncGeneratorFunction";
}

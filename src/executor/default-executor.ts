import type { ResourceRequest } from "./resource-gate.js";
import { ScheduledExecutor } from "./scheduled-executor.js";

export { ExecutionCanceledError } from "./run-fault.js";
export { StepFailedError } from "./step-computation.js";

/**
 * The sequential executor (the default): the scheduler with one slot, every step in this
 * process, in config order. The first failure ends the run (with `keepGoing`, only the steps
 * that read it are skipped); every step finished before it stays cached.
 */
export class DefaultExecutor extends ScheduledExecutor {
  constructor(options: { readonly keepGoing?: boolean; readonly resources?: ResourceRequest } = {}) {
    super({ ...options, jobs: 1 });
  }
}

import { type ConfigIssue, ConfigurationError, FormedError } from "../errors.js";
import type { WorkflowGraph } from "../graph/graph.js";
import {
  type ExecutionContext,
  type ExecutionState,
  runInExecutionContext,
  type StepState,
} from "../step/context.js";
import type { ExecutionOutcome, ExecutionRun, WorkflowExecutor } from "./executor.js";
import { ResourceGate, type ResourceRequest } from "./resource-gate.js";
import { ExecutionCanceledError, RunFault } from "./run-fault.js";
import { RunSession } from "./run-session.js";
import { type ScheduleResult, schedule } from "./scheduler.js";
import type { StepRunner } from "./step-runner.js";

export interface ScheduledExecutorOptions {
  /** Steps running at once (default 1). */
  readonly jobs?: number;
  /** Capacity of each named resource steps ask for (`step({ resources })`); unnamed ones are unlimited. */
  readonly resources?: ResourceRequest;
  /** A failed step stops only the steps that read it; the others run, and every failure is reported. */
  readonly keepGoing?: boolean;
  /** Where steps run other than in this process, for one execution (absent: all run here). */
  readonly runner?: (run: ExecutionRun) => StepRunner | undefined;
}

/** Two or more steps failed (with keep-going, or while running at once): each with its first line. */
export class StepsFailedError extends FormedError {
  constructor(
    readonly failures: ReadonlyMap<string, unknown>,
    readonly blocked: readonly string[],
  ) {
    const lines = [...failures].map(([step, error]) => `  ${step}: ${firstLine(error)}`);
    const notRun =
      blocked.length === 0 ? "" : `\nnot run, because a step they read failed: ${blocked.join(", ")}`;
    const count = failures.size === 1 ? "1 step" : `${failures.size} steps`;
    super("E_STEP_FAILED", `${count} failed:\n${lines.join("\n")}${notRun}`);
    this.name = "StepsFailedError";
  }
}

/**
 * Runs a graph's steps as the scheduler allows (see `scheduler.ts`), each through the run
 * session: a cached result is reused, a deterministic (or cacheable) step's result goes to the
 * cache, any other result is kept for the rest of the run (the in-run memo) unless the step
 * name ends in `!`. Every step finished before a failure stays cached.
 */
export class ScheduledExecutor implements WorkflowExecutor {
  readonly #options: ScheduledExecutorOptions;

  constructor(options: ScheduledExecutorOptions = {}) {
    this.#options = options;
  }

  /** A step asking for more of a resource than there is could never run: a config error, before anything runs. */
  check(graph: WorkflowGraph, targets?: readonly string[]): void {
    const gate = new ResourceGate(this.#options.resources ?? {});
    const issues: ConfigIssue[] = [];
    for (const node of targets === undefined ? graph.nodes() : graph.closure(targets)) {
      const excess = gate.impossible(node.resources);
      if (excess !== undefined) {
        issues.push({
          path: `steps.${node.name}`,
          message: `step type "${node.type}" asks for ${excess} in workflow.executor.resources`,
        });
      }
    }
    if (issues.length > 0) throw new ConfigurationError(issues);
  }

  async execute(graph: WorkflowGraph, run: ExecutionRun): Promise<ExecutionOutcome> {
    const state: ExecutionState = { status: "running", startedAt: new Date().toISOString() };
    const context: ExecutionContext = { id: run.id, state, logger: run.logger };
    const nodes = run.targets === undefined ? graph.nodes() : graph.closure(run.targets);
    const runner = this.#options.runner?.(run);
    const session = new RunSession(graph, run, context, runner);
    let failure: unknown;

    await runInExecutionContext(context, async () => {
      for (const callback of run.callbacks) await callback.onExecutionStart?.(context, graph);
      let result: ScheduleResult;
      try {
        result = await schedule(nodes, async (node, slot) => void (await session.ensure(node, slot)), {
          jobs: this.#options.jobs ?? 1,
          ...(this.#options.resources === undefined ? {} : { resources: this.#options.resources }),
          ...(this.#options.keepGoing === undefined ? {} : { keepGoing: this.#options.keepGoing }),
          ...(run.signal === undefined ? {} : { signal: run.signal }),
        });
      } finally {
        await runner?.close();
      }
      failure = outcomeError(result);
      state.status =
        failure === undefined
          ? "completed"
          : failure instanceof ExecutionCanceledError
            ? "canceled"
            : "failure";
      if (failure !== undefined) state.error = failure instanceof Error ? failure.message : String(failure);
      state.finishedAt = new Date().toISOString();
      for (const callback of run.callbacks) await callback.onExecutionEnd?.(context, graph);
    });

    const steps = new Map<string, StepState>();
    for (const node of nodes) steps.set(node.name, session.stateOf(node));
    return failure === undefined ? { context, steps } : { context, steps, error: failure };
  }
}

/** The error an execution ends with: a cancel, a fault's or a step's failure, or all the steps' failures. */
function outcomeError(result: ScheduleResult): unknown {
  const { failures, blocked, interruption } = result;
  if (interruption !== undefined && !(interruption instanceof RunFault)) {
    return interruption instanceof ExecutionCanceledError ? interruption : new ExecutionCanceledError();
  }
  if (failures.size === 0) return interruption;
  if (failures.size === 1 && blocked.length === 0) return failures.values().next().value;
  return new StepsFailedError(failures, blocked);
}

function firstLine(error: unknown): string {
  const own = error instanceof FormedError && error.cause instanceof Error ? error.cause : error;
  const message = own instanceof Error ? own.message : String(own);
  return message.split("\n", 1)[0] ?? "";
}

/**
 * What `formed workflow list` shows of an execution (its status, times, how many steps ran, were
 * reused or failed), and how a record that says "running" is told from one whose process died:
 * the record names its owner (host, pid, start time: src/cache/owner.ts), and an owner that is
 * certainly dead turns "pending" or "running" into "interrupted".
 */
import { liveness, type Owner } from "../cache/owner.js";
import type { ExecutionState, StepState } from "../step/context.js";
import type {
  ArchivedExecution,
  ArchivedExecutionState,
  ArchivedExecutionStatus,
  ArchivedStepState,
} from "./archive.js";

export interface StepCounts {
  /** Steps in the run (all of the graph, or those `--step` selected). */
  readonly total: number;
  /** Computed in this execution. */
  readonly ran: number;
  /** Found in the cache. */
  readonly reused: number;
  readonly failed: number;
  readonly canceled: number;
}

export interface ExecutionSummary {
  readonly id: string;
  readonly status: ArchivedExecutionStatus;
  readonly startedAt?: string;
  readonly finishedAt?: string;
  /** The config file the graph came from, when it came from a file. */
  readonly config?: string;
  readonly steps: StepCounts;
}

/** The status words `--status` accepts, as `list` shows them. */
export const EXECUTION_STATUSES: readonly ArchivedExecutionStatus[] = [
  "pending",
  "running",
  "completed",
  "failure",
  "canceled",
  "interrupted",
];

export function countSteps(steps: Iterable<Pick<StepState, "status"> | ArchivedStepState>): StepCounts {
  let total = 0;
  let ran = 0;
  let reused = 0;
  let failed = 0;
  let canceled = 0;
  for (const { status } of steps) {
    total++;
    if (status === "completed") ran++;
    else if (status === "cached") reused++;
    else if (status === "failure") failed++;
    else if (status === "canceled") canceled++;
  }
  return { total, ran, reused, failed, canceled };
}

export function summarizeExecution(execution: ArchivedExecution): ExecutionSummary {
  const { state } = execution;
  return {
    id: execution.id,
    status: state.status,
    ...(state.startedAt === undefined ? {} : { startedAt: state.startedAt }),
    ...(state.finishedAt === undefined ? {} : { finishedAt: state.finishedAt }),
    ...(execution.metadata.config === undefined ? {} : { config: execution.metadata.config }),
    steps: countSteps(Object.values(execution.steps)),
  };
}

/** Whether the execution has not ended: its steps' results may be in use right now. */
export function isUnfinished(status: ArchivedExecutionStatus): boolean {
  return status === "pending" || status === "running";
}

/**
 * The status to show for a recorded state: "interrupted" when it has not ended and its owner is
 * certainly dead. An owner that cannot be judged from here (another host) is taken as running.
 */
export function effectiveStatus(
  status: ArchivedExecutionStatus,
  owner: Owner | undefined,
): ArchivedExecutionStatus {
  if (!isUnfinished(status) || owner === undefined) return status;
  return liveness(owner) === "dead" ? "interrupted" : status;
}

/**
 * The execution as it really stands: when its owner died before it ended, the execution and
 * every step that had not ended are "interrupted".
 */
export function withInterruption(
  state: ExecutionState | ArchivedExecutionState,
  steps: Record<string, StepState | ArchivedStepState>,
  owner: Owner | undefined,
): { state: ArchivedExecutionState; steps: Record<string, ArchivedStepState> } {
  const status = effectiveStatus(state.status, owner);
  if (status !== "interrupted") return { state, steps };
  const interrupted: Record<string, ArchivedStepState> = {};
  for (const [name, step] of Object.entries(steps)) {
    interrupted[name] = step.status === "running" ? { ...step, status: "interrupted" } : step;
  }
  return { state: { ...state, status }, steps: interrupted };
}

/** An owner as recorded in JSON or a tag, or undefined when it is not one. */
export function parseOwner(value: unknown): Owner | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const { host, pid, start } = value as Record<string, unknown>;
  if (typeof host !== "string" || typeof start !== "string") return undefined;
  if (typeof pid !== "number" || !Number.isInteger(pid) || pid <= 0) return undefined;
  return { host, pid, start };
}

/** Newest first: by start (or creation) time; at equal times, later in `summaries` first (they come oldest first). */
export function newestFirst(summaries: readonly ExecutionSummary[]): ExecutionSummary[] {
  const time = (summary: ExecutionSummary) => Date.parse(summary.startedAt ?? "") || 0;
  return summaries
    .map((summary, index) => ({ summary, index, time: time(summary) }))
    .sort((a, b) => b.time - a.time || b.index - a.index)
    .map((entry) => entry.summary);
}

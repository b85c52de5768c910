/**
 * What `formed workflow list` reads of an execution recorded on MLflow: the execution run's tags
 * alone (one search for all executions). Two tags of formed's own besides those of tags.ts: the
 * process that runs it (so a killed run reads as interrupted) and its step counts at the end.
 */
import { selfOwner } from "../cache/owner.js";
import { MAX_TAG_VALUE_LENGTH, truncate } from "../mlflow/limits.js";
import { TAG } from "../mlflow/tags.js";
import type { MlflowRun } from "../mlflow/types.js";
import { runTags } from "../mlflow/types.js";
import type { ExecutionState, ExecutionStatus, StepState } from "../step/context.js";
import {
  type ExecutionSummary,
  effectiveStatus,
  newestFirst,
  parseOwner,
  type StepCounts,
} from "./execution-summary.js";

export const OWNER_TAG = "formed.owner";
export const STEP_COUNTS_TAG = "formed.steps";
const CONFIG_TAG = "mlflow.source.name";

export function ownerTagValue(): string {
  return JSON.stringify(selfOwner());
}

export function ownerOf(tags: Record<string, string>) {
  try {
    return parseOwner(JSON.parse(tags[OWNER_TAG] ?? ""));
  } catch {
    return undefined;
  }
}

/** Executions' summaries, newest first, from their runs (the oldest run of an id wins, as in `get`). */
export function summariesOfRuns(runs: readonly MlflowRun[]): ExecutionSummary[] {
  const byId = new Map<string, ExecutionSummary>();
  const oldestFirst = [...runs].sort((a, b) => (a.info.start_time ?? 0) - (b.info.start_time ?? 0));
  for (const run of oldestFirst) {
    const summary = summaryOfRun(run);
    if (summary !== undefined && !byId.has(summary.id)) byId.set(summary.id, summary);
  }
  return newestFirst([...byId.values()]);
}

function summaryOfRun(run: MlflowRun): ExecutionSummary | undefined {
  const tags = runTags(run);
  const id = tags[TAG.executionId];
  if (id === undefined) return undefined;
  const recorded = (tags[TAG.status] ?? "pending") as ExecutionStatus;
  let steps: StepCounts = { total: 0, ran: 0, reused: 0, failed: 0, canceled: 0 };
  try {
    steps = { ...steps, ...(JSON.parse(tags[STEP_COUNTS_TAG] ?? "{}") as Partial<StepCounts>) };
  } catch {
    // an unreadable tag: no counts
  }
  const startedAt =
    tags[TAG.startedAt] ??
    (run.info.start_time === undefined ? undefined : new Date(run.info.start_time).toISOString());
  return {
    id,
    status: effectiveStatus(recorded, ownerOf(tags)),
    ...(startedAt === undefined ? {} : { startedAt }),
    ...(tags[TAG.finishedAt] === undefined ? {} : { finishedAt: tags[TAG.finishedAt] }),
    ...(tags[CONFIG_TAG] === undefined ? {} : { config: tags[CONFIG_TAG] }),
    steps,
  };
}

export function stateTags(state: ExecutionState | StepState): Record<string, string> {
  const tags: Record<string, string> = { [TAG.status]: state.status };
  if (state.startedAt !== undefined) tags[TAG.startedAt] = state.startedAt;
  if (state.finishedAt !== undefined) tags[TAG.finishedAt] = state.finishedAt;
  if (state.error !== undefined) tags[TAG.error] = truncate(state.error, MAX_TAG_VALUE_LENGTH);
  return tags;
}

export function stateFromTags(tags: Record<string, string>): ExecutionState {
  return {
    status: (tags[TAG.status] ?? "pending") as ExecutionStatus,
    ...(tags[TAG.startedAt] === undefined ? {} : { startedAt: tags[TAG.startedAt] }),
    ...(tags[TAG.finishedAt] === undefined ? {} : { finishedAt: tags[TAG.finishedAt] }),
    ...(tags[TAG.error] === undefined ? {} : { error: tags[TAG.error] }),
  };
}

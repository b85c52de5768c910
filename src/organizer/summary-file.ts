/**
 * `summary.json` in a filesystem execution's folder: what `formed workflow list` shows of it, in
 * one small file, so listing a thousand executions reads a thousand small files and no step
 * record. Written when the record is made (naming the process that runs it, so a killed run is
 * told from a running one) and at every change of the execution's state.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Owner } from "../cache/owner.js";
import { writeFileAtomicSync } from "../common/atomic-write.js";
import type { ExecutionStatus, StepState } from "../step/context.js";
import {
  countSteps,
  type ExecutionSummary,
  effectiveStatus,
  isUnfinished,
  parseOwner,
  type StepCounts,
} from "./execution-summary.js";

export const SUMMARY_FILE = "summary.json";

export interface SummaryRecord {
  readonly status: ExecutionStatus;
  /** When the record was made (an execution killed before it started has no `startedAt`). */
  readonly createdAt: string;
  readonly startedAt?: string;
  readonly finishedAt?: string;
  readonly config?: string;
  /** The process that runs the execution. */
  readonly owner: Owner;
  /** As of the last state change: an unfinished execution's steps.json is newer. */
  readonly steps: StepCounts;
}

export function writeSummaryRecord(executionFolder: string, record: SummaryRecord): void {
  writeFileAtomicSync(join(executionFolder, SUMMARY_FILE), `${JSON.stringify(record)}\n`);
}

/** The folder's summary; undefined when it has none (an older record) or it is damaged. */
export function readSummaryRecord(executionFolder: string): SummaryRecord | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(join(executionFolder, SUMMARY_FILE), "utf8"));
  } catch {
    return undefined;
  }
  if (typeof parsed !== "object" || parsed === null) return undefined;
  const record = parsed as Partial<SummaryRecord>;
  const owner = parseOwner(record.owner);
  if (
    typeof record.status !== "string" ||
    typeof record.createdAt !== "string" ||
    owner === undefined ||
    typeof record.steps !== "object" ||
    record.steps === null
  ) {
    return undefined;
  }
  return { ...record, owner } as SummaryRecord;
}

/**
 * The summary of the execution in `executionFolder` from its summary.json; for one not ended, the
 * step counts from `currentSteps` (steps.json, newer). Undefined when it has no summary.json.
 */
export function summaryFromFolder(
  id: string,
  executionFolder: string,
  currentSteps: () => Record<string, StepState> | undefined,
): ExecutionSummary | undefined {
  const record = readSummaryRecord(executionFolder);
  if (record === undefined) return undefined;
  const current = isUnfinished(record.status) ? currentSteps() : undefined;
  return {
    id,
    status: effectiveStatus(record.status, record.owner),
    startedAt: record.startedAt ?? record.createdAt,
    ...(record.finishedAt === undefined ? {} : { finishedAt: record.finishedAt }),
    ...(record.config === undefined ? {} : { config: record.config }),
    steps: current === undefined ? record.steps : countSteps(Object.values(current)),
  };
}

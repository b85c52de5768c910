import { FormedError } from "../../errors.js";
import type { ArchivedExecutionStatus } from "../../organizer/archive.js";
import { EXECUTION_STATUSES, type ExecutionSummary } from "../../organizer/execution-summary.js";
import { parseCount } from "../option-values.js";
import { displayPath, elapsed, formatDuration, formatTime, table } from "../records-display.js";
import type { Terminal } from "../terminal.js";
import { openRecords } from "./open-records.js";

export interface ListCommandOptions {
  limit?: string;
  status?: string;
  json?: boolean;
  settings?: string;
}

/** `formed workflow list`: executions newest first, from each one's summary. */
export async function listCommand(terminal: Terminal, options: ListCommandOptions): Promise<number> {
  const limit = options.limit === undefined ? undefined : parseCount(options.limit, "--limit", "E_EXECUTION");
  const status = options.status === undefined ? undefined : parseStatus(options.status);
  const records = await openRecords(options);
  let summaries = await records.list();
  if (status !== undefined) summaries = summaries.filter((summary) => summary.status === status);
  if (limit !== undefined) summaries = summaries.slice(0, limit);
  const now = new Date().toISOString();
  if (options.json === true) {
    const rows = summaries.map((summary) => ({ ...summary, durationMs: durationOf(summary, now) ?? null }));
    terminal.out(`${JSON.stringify(rows, null, 2)}\n`);
    return 0;
  }
  if (summaries.length === 0) {
    terminal.out(status === undefined ? "no executions recorded\n" : `no ${status} execution\n`);
    return 0;
  }
  const rows = summaries.map((summary) => {
    const duration = durationOf(summary, now);
    return [
      summary.id,
      formatTime(summary.startedAt),
      duration === undefined ? "-" : formatDuration(duration),
      summary.status,
      String(summary.steps.ran),
      String(summary.steps.reused),
      String(summary.steps.failed),
      summary.config === undefined ? "-" : displayPath(summary.config),
    ];
  });
  terminal.out(
    table(["ID", "STARTED", "DURATION", "STATUS", "RAN", "REUSED", "FAILED", "CONFIG"], rows, [2, 4, 5, 6]),
  );
  return 0;
}

/** To the end, or until now for one still running; unknown for one interrupted. */
function durationOf(summary: ExecutionSummary, now: string): number | undefined {
  const end = summary.finishedAt ?? (summary.status === "running" ? now : undefined);
  return elapsed(summary.startedAt, end);
}

function parseStatus(text: string): ArchivedExecutionStatus {
  const status = EXECUTION_STATUSES.find((known) => known === text);
  if (status === undefined) {
    throw new FormedError(
      "E_EXECUTION",
      `--status expects one of ${EXECUTION_STATUSES.join(", ")}, got ${JSON.stringify(text)}`,
    );
  }
  return status;
}

import { existsSync } from "node:fs";
import type { ArchivedExecution } from "../../organizer/archive.js";
import type { ExecutionRecords } from "../../workflow/execution-records.js";
import {
  displayPath,
  elapsed,
  firstLine,
  formatBytes,
  formatDuration,
  formatTime,
  table,
} from "../records-display.js";
import type { Terminal } from "../terminal.js";
import { openRecords } from "./open-records.js";

export interface ShowCommandOptions {
  json?: boolean;
  settings?: string;
}

interface ShownStep {
  name: string;
  type: string;
  status: string;
  startedAt?: string;
  finishedAt?: string;
  durationMs?: number;
  fingerprint?: string;
  /** Where its result is stored, when it is. */
  result?: { location: string; format: string; bytes: number };
  error?: string;
  log?: string;
}

/** `formed workflow show ID`: one execution, its config, circumstances and every step. */
export async function showCommand(
  terminal: Terminal,
  id: string,
  options: ShowCommandOptions,
): Promise<number> {
  const records = await openRecords(options);
  const execution = await records.get(id);
  const steps = await describeSteps(records, execution);
  const log = records.logPath(id);
  if (options.json === true) {
    const config = {
      steps: Object.fromEntries(
        execution.graph.order.map((name) => [name, execution.graph.steps[name]?.config]),
      ),
    };
    terminal.out(
      `${JSON.stringify({ id, state: execution.state, metadata: execution.metadata, config, ...(log === undefined ? {} : { log }), steps }, null, 2)}\n`,
    );
    return 0;
  }
  printExecution(terminal, execution, steps, log);
  return 0;
}

async function describeSteps(records: ExecutionRecords, execution: ArchivedExecution): Promise<ShownStep[]> {
  const shown: ShownStep[] = [];
  for (const name of execution.graph.order) {
    const state = execution.steps[name];
    const step: ShownStep = {
      name,
      type: execution.graph.steps[name]?.type ?? "?",
      status: state?.status ?? "not run",
    };
    if (state !== undefined) {
      if (state.startedAt !== undefined) step.startedAt = state.startedAt;
      if (state.finishedAt !== undefined) step.finishedAt = state.finishedAt;
      const duration = elapsed(state.startedAt, state.finishedAt);
      if (duration !== undefined) step.durationMs = duration;
      if (state.fingerprint !== "") step.fingerprint = state.fingerprint;
      const entry = await records.entry(state.fingerprint);
      if (entry !== undefined && entry.damaged === undefined) {
        step.result = { location: entry.location, format: entry.format, bytes: entry.bytes };
      }
      if (state.error !== undefined) step.error = state.error;
      const log = records.logPath(execution.id, name);
      if (log !== undefined && existsSync(log)) step.log = log;
    }
    shown.push(step);
  }
  return shown;
}

function printExecution(
  terminal: Terminal,
  execution: ArchivedExecution,
  steps: readonly ShownStep[],
  log: string | undefined,
): void {
  const { state, metadata } = execution;
  const duration = elapsed(state.startedAt, state.finishedAt);
  const lines: [string, string][] = [
    ["status", state.status],
    ["config", metadata.config === undefined ? "(not from a file)" : displayPath(metadata.config)],
    ["started", formatTime(state.startedAt)],
    [
      "finished",
      `${formatTime(state.finishedAt)}${duration === undefined ? "" : `  (${formatDuration(duration)})`}`,
    ],
    [
      "git",
      metadata.git === null
        ? "(not a git repository)"
        : `${metadata.git.commit}${metadata.git.dirty ? " (with uncommitted changes)" : ""}`,
    ],
    ["node", `${metadata.node} on ${metadata.platform}, formed ${metadata.formedVersion}`],
    [
      "packages",
      Object.entries(metadata.packages)
        .map(([name, version]) => `${name} ${version}`)
        .join(", ") || "(none)",
    ],
  ];
  if (log !== undefined && existsSync(log)) lines.push(["log", displayPath(log)]);
  if (state.error !== undefined) lines.push(["error", firstLine(state.error)]);
  terminal.out(`execution ${execution.id}\n`);
  for (const [label, value] of lines) terminal.out(`  ${label.padEnd(9)}${value}\n`);

  terminal.out("\nconfig:\n");
  for (const name of execution.graph.order) {
    terminal.out(`  ${name}: ${JSON.stringify(execution.graph.steps[name]?.config)}\n`);
  }

  terminal.out("\nsteps:\n");
  const rows = steps.map((step) => [
    step.name,
    step.type,
    step.status,
    step.durationMs === undefined ? "-" : formatDuration(step.durationMs),
    step.fingerprint ?? "-",
    step.result === undefined
      ? "-"
      : `${displayPath(step.result.location)} (${formatBytes(step.result.bytes)})`,
  ]);
  const text = table(["STEP", "TYPE", "STATE", "DURATION", "FINGERPRINT", "RESULT"], rows, [3]);
  const [header, ...body] = text.trimEnd().split("\n");
  terminal.out(`  ${header}\n`);
  steps.forEach((step, index) => {
    terminal.out(`  ${body[index]}\n`);
    if (step.error !== undefined) terminal.out(`      error: ${firstLine(step.error)}\n`);
    if (step.log !== undefined) terminal.out(`      log: ${displayPath(step.log)}\n`);
  });
}

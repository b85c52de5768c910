import type { WorkflowCallback } from "../executor/callback.js";
import type { LogSink } from "../logging/logger.js";
import { BOLD, DIM, GREEN, paint, RED, type Terminal, YELLOW } from "./terminal.js";

/**
 * Shows each step as it starts and ends (cached, ran, failed, with its time) and the steps' log
 * lines. On an interactive terminal the running step has a live line that its result replaces;
 * elsewhere every event is a plain line.
 */
const PLAIN_START_DELAY_MS = 1000;

export class ProgressReporter implements WorkflowCallback {
  readonly #terminal: Terminal;
  readonly #started = new Map<string, number>();
  #liveLine = false;
  #pendingStart: string | undefined;
  #pendingTimer: NodeJS.Timeout | undefined;
  #counts = { ran: 0, cached: 0, failed: 0, canceled: 0 };
  #executionStart = 0;

  constructor(terminal: Terminal) {
    this.#terminal = terminal;
  }

  /** Log lines of the steps, printed between the progress lines. */
  readonly logSink: LogSink = (record) => {
    // Debug lines are for files; a record with a detail is a failure the step's own line reports.
    if (record.level === "debug" || record.detail !== undefined) return;
    this.#clearLiveLine();
    this.#flushPendingStart();
    const where = record.step === undefined ? "" : `[${record.step}] `;
    const level = record.level === "info" ? "" : `${record.level}: `;
    this.#terminal.err(`${paint(this.#terminal, DIM, "  │")} ${where}${level}${record.message}\n`);
  };

  onExecutionStart: WorkflowCallback["onExecutionStart"] = (execution, graph) => {
    this.#executionStart = performance.now();
    this.#terminal.err(
      `${paint(this.#terminal, BOLD, "formed")} execution ${execution.id} (${graph.size} steps)\n`,
    );
  };

  onStepStart: WorkflowCallback["onStepStart"] = (step) => {
    this.#started.set(step.info.name, performance.now());
    if (this.#terminal.interactive) {
      this.#clearLiveLine();
      this.#terminal.err(`  ${paint(this.#terminal, YELLOW, "…")} ${step.info.name} running`);
      this.#liveLine = true;
    } else {
      // Plain output says a step started only once it is taking a while (or logs), so a
      // cached step is one line, not two.
      this.#flushPendingStart();
      this.#pendingStart = step.info.name;
      this.#pendingTimer = setTimeout(() => this.#flushPendingStart(), PLAIN_START_DELAY_MS);
      this.#pendingTimer.unref();
    }
  };

  #flushPendingStart(): void {
    if (this.#pendingTimer !== undefined) clearTimeout(this.#pendingTimer);
    this.#pendingTimer = undefined;
    if (this.#pendingStart === undefined) return;
    this.#terminal.err(`  … ${this.#pendingStart} running\n`);
    this.#pendingStart = undefined;
  }

  #dropPendingStart(name: string): void {
    if (this.#pendingStart !== name) return;
    if (this.#pendingTimer !== undefined) clearTimeout(this.#pendingTimer);
    this.#pendingTimer = undefined;
    this.#pendingStart = undefined;
  }

  onStepEnd: WorkflowCallback["onStepEnd"] = (step) => {
    const seconds = (performance.now() - (this.#started.get(step.info.name) ?? performance.now())) / 1000;
    const time = `${seconds.toFixed(seconds < 10 ? 2 : 1)}s`;
    const { status, error } = step.state;
    let line: string;
    if (status === "cached") {
      this.#counts.cached++;
      line = `  ${paint(this.#terminal, DIM, "○")} ${step.info.name} ${paint(this.#terminal, DIM, "cached")}`;
    } else if (status === "completed") {
      this.#counts.ran++;
      line = `  ${paint(this.#terminal, GREEN, "✓")} ${step.info.name} ran ${paint(this.#terminal, DIM, time)}`;
    } else if (status === "canceled") {
      this.#counts.canceled++;
      line = `  ${paint(this.#terminal, YELLOW, "⊘")} ${step.info.name} ${paint(this.#terminal, YELLOW, "canceled")} ${paint(this.#terminal, DIM, time)}`;
    } else {
      this.#counts.failed++;
      line = `  ${paint(this.#terminal, RED, "✗")} ${step.info.name} ${paint(this.#terminal, RED, "failed")} ${paint(this.#terminal, DIM, time)}${error === undefined ? "" : `: ${error}`}`;
    }
    this.#clearLiveLine();
    this.#dropPendingStart(step.info.name);
    this.#flushPendingStart();
    this.#terminal.err(`${line}\n`);
  };

  onExecutionEnd: WorkflowCallback["onExecutionEnd"] = (execution) => {
    this.#clearLiveLine();
    const seconds = ((performance.now() - this.#executionStart) / 1000).toFixed(2);
    const { ran, cached, failed, canceled } = this.#counts;
    const summary = `${ran} ran, ${cached} cached${failed > 0 ? `, ${failed} failed` : ""}${canceled > 0 ? `, ${canceled} canceled` : ""}`;
    const status =
      execution.state.status === "completed"
        ? paint(this.#terminal, GREEN, "completed")
        : paint(this.#terminal, RED, execution.state.status);
    this.#terminal.err(`execution ${execution.id} ${status} in ${seconds}s: ${summary}\n`);
  };

  #clearLiveLine(): void {
    if (!this.#liveLine) return;
    this.#terminal.err("\r\x1b[2K");
    this.#liveLine = false;
  }
}

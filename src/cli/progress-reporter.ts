import type { WorkflowCallback } from "../executor/callback.js";
import type { LogSink } from "../logging/logger.js";
import type { StepContext } from "../step/context.js";
import { LiveBlock } from "./live-block.js";
import { BOLD, DIM, GREEN, paint, RED, type Terminal, YELLOW } from "./terminal.js";

/** Plain output says a step started only once it has run this long (or logs). */
const PLAIN_START_DELAY_MS = 1000;

/** Where a step runs (a host, a worker process), shown after its name; undefined shows nothing. */
export type StepPlace = (step: StepContext) => string | undefined;

export interface ProgressReporterOptions {
  /** Where a step runs; by default a string `host` or `worker` on its info or its context, if any. */
  readonly placeOf?: StepPlace;
}

/**
 * A `host` or `worker` string on the step's info or context: the distributed executor sets the
 * context's `host` when a worker takes the step (labels are read again while it runs). The CLI
 * can pass its own `placeOf`.
 */
export const defaultPlaceOf: StepPlace = (step) => {
  for (const holder of [step.info, step] as const) {
    for (const field of ["host", "worker"]) {
      const value: unknown = (holder as unknown as Record<string, unknown>)[field];
      if (typeof value === "string" && value !== "") return value;
    }
  }
  return undefined;
};

/**
 * Shows each step as it starts and ends (cached, ran, failed, with its time) and the steps' log
 * lines, for any number of steps running at once. On an interactive terminal a live block at the
 * bottom lists the running steps (`live-block.ts`) and every other line is printed above it;
 * elsewhere every event is a plain line, written whole.
 */
export class ProgressReporter implements WorkflowCallback {
  readonly #terminal: Terminal;
  readonly #placeOf: StepPlace;
  readonly #block: LiveBlock | undefined;
  readonly #started = new Map<string, number>();
  /** Plain output: the steps not announced yet, each with the timer that will announce it. */
  readonly #unannounced = new Map<string, { line: () => string; timer: NodeJS.Timeout }>();
  #counts = { ran: 0, cached: 0, failed: 0, canceled: 0 };
  #executionStart = 0;

  constructor(terminal: Terminal, options: ProgressReporterOptions = {}) {
    this.#terminal = terminal;
    this.#placeOf = options.placeOf ?? defaultPlaceOf;
    this.#block = terminal.interactive ? new LiveBlock(terminal) : undefined;
  }

  /** Log lines of the steps, printed between the progress lines. */
  readonly logSink: LogSink = (record) => {
    // Debug lines are for files; a record with a detail is a failure the step's own line reports.
    if (record.level === "debug" || record.detail !== undefined) return;
    // A step that logs is announced first, so its lines read under its name.
    if (record.step !== undefined) this.#announce(record.step);
    const bar = paint(this.#terminal, DIM, "  │");
    const where = record.step === undefined ? "" : `[${record.step}] `;
    const level = record.level === "info" ? "" : `${record.level}: `;
    // Every line of the message is a whole line with its step, never a part of another.
    const lines = record.message.split(/\r?\n|\r/).map((line) => `${bar} ${where}${level}${line}\n`);
    this.#print(lines.join(""));
  };

  onExecutionStart: WorkflowCallback["onExecutionStart"] = (execution, graph) => {
    this.#executionStart = performance.now();
    this.#print(`${paint(this.#terminal, BOLD, "formed")} execution ${execution.id} (${graph.size} steps)\n`);
  };

  onStepStart: WorkflowCallback["onStepStart"] = (step) => {
    const name = step.info.name;
    this.#started.set(name, performance.now());
    if (this.#block !== undefined) {
      this.#block.start(name, () => this.#label(step));
      return;
    }
    // Plain output says a step started only once it is taking a while (or logs), so a cached
    // step is one line, not two.
    this.#drop(name);
    const timer = setTimeout(() => this.#announce(name), PLAIN_START_DELAY_MS);
    timer.unref();
    this.#unannounced.set(name, { line: () => `  … ${this.#label(step)} running\n`, timer });
  };

  onStepEnd: WorkflowCallback["onStepEnd"] = (step) => {
    const name = step.info.name;
    const started = this.#started.get(name);
    this.#started.delete(name);
    const seconds = started === undefined ? 0 : (performance.now() - started) / 1000;
    const line = this.#endLine(step, `${seconds.toFixed(seconds < 10 ? 2 : 1)}s`);
    if (this.#block !== undefined) {
      this.#block.end(name, line);
    } else {
      this.#drop(name);
      this.#terminal.err(line);
    }
  };

  onExecutionEnd: WorkflowCallback["onExecutionEnd"] = (execution) => {
    this.#block?.close();
    for (const name of [...this.#unannounced.keys()]) this.#drop(name);
    const seconds = ((performance.now() - this.#executionStart) / 1000).toFixed(2);
    const { ran, cached, failed, canceled } = this.#counts;
    const summary = `${ran} ran, ${cached} cached${failed > 0 ? `, ${failed} failed` : ""}${canceled > 0 ? `, ${canceled} canceled` : ""}`;
    const status =
      execution.state.status === "completed"
        ? paint(this.#terminal, GREEN, "completed")
        : paint(this.#terminal, RED, execution.state.status);
    this.#terminal.err(`execution ${execution.id} ${status} in ${seconds}s: ${summary}\n`);
  };

  /** The step's end line, counted for the summary. */
  #endLine(step: StepContext, time: string): string {
    const t = this.#terminal;
    const label = this.#label(step);
    const { status, error } = step.state;
    switch (status) {
      case "cached":
        this.#counts.cached++;
        return `  ${paint(t, DIM, "○")} ${label} ${paint(t, DIM, "cached")}\n`;
      case "completed":
        this.#counts.ran++;
        return `  ${paint(t, GREEN, "✓")} ${label} ran ${paint(t, DIM, time)}\n`;
      case "canceled":
        this.#counts.canceled++;
        return `  ${paint(t, YELLOW, "⊘")} ${label} ${paint(t, YELLOW, "canceled")} ${paint(t, DIM, time)}\n`;
      case "pending":
        // It did not get to run: not a result, so the summary does not count it.
        return `  ${paint(t, DIM, "·")} ${label} ${paint(t, DIM, "not run")}\n`;
      default: {
        this.#counts.failed++;
        const reason = error === undefined ? "" : `: ${error}`;
        return `  ${paint(t, RED, "✗")} ${label} ${paint(t, RED, "failed")} ${paint(t, DIM, time)}${reason}\n`;
      }
    }
  }

  /** The step's name, and where it runs when that is known. */
  #label(step: StepContext): string {
    const place = this.#placeOf(step);
    return place === undefined ? step.info.name : `${step.info.name} @${place}`;
  }

  #print(text: string): void {
    if (this.#block !== undefined) this.#block.print(text);
    else this.#terminal.err(text);
  }

  /** Plain output: says now that the step is running, unless it already did. */
  #announce(name: string): void {
    const entry = this.#unannounced.get(name);
    if (entry === undefined) return;
    this.#drop(name);
    this.#terminal.err(entry.line());
  }

  #drop(name: string): void {
    const entry = this.#unannounced.get(name);
    if (entry === undefined) return;
    clearTimeout(entry.timer);
    this.#unannounced.delete(name);
  }
}

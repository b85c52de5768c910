import { appendFileSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";

export type LogLevel = "debug" | "info" | "warn" | "error";

const LEVEL_ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface LogRecord {
  readonly level: LogLevel;
  readonly message: string;
  readonly time: Date;
  /** The step the line came from, when it came from one. */
  readonly step?: string;
  /** More lines (a stack trace) for files, not for the terminal. */
  readonly detail?: string;
}

/** Where log records go: a file, the terminal, another logger. */
export type LogSink = (record: LogRecord) => void;

export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** A logger that hands every record at or above `level` to each of its sinks. */
export class SinkLogger implements Logger {
  readonly #sinks: LogSink[];
  readonly #minimum: number;
  readonly #step: string | undefined;

  constructor(sinks: LogSink[], options: { level?: LogLevel; step?: string } = {}) {
    this.#sinks = sinks;
    this.#minimum = LEVEL_ORDER[options.level ?? "debug"];
    this.#step = options.step;
  }

  debug(message: string): void {
    this.#log("debug", message);
  }
  info(message: string): void {
    this.#log("info", message);
  }
  warn(message: string): void {
    this.#log("warn", message);
  }
  error(message: string): void {
    this.#log("error", message);
  }

  /** Logs with a `detail` (a stack trace, say) that files keep and the terminal leaves out. */
  log(level: LogLevel, message: string, detail?: string): void {
    this.#log(level, message, detail);
  }

  #log(level: LogLevel, message: string, detail?: string): void {
    if (LEVEL_ORDER[level] < this.#minimum) return;
    const record: LogRecord = {
      level,
      message,
      time: new Date(),
      ...(this.#step === undefined ? {} : { step: this.#step }),
      ...(detail === undefined ? {} : { detail }),
    };
    for (const sink of this.#sinks) sink(record);
  }
}

export function formatLogLine(record: LogRecord): string {
  const where = record.step === undefined ? "" : ` [${record.step}]`;
  const detail = record.detail === undefined ? "" : `\n${record.detail.replace(/^/gm, "    ")}`;
  return `${record.time.toISOString()} ${record.level.toUpperCase().padEnd(5)}${where} ${record.message}${detail}\n`;
}

/**
 * Appends each record as one line to `file`. Appends are synchronous on purpose: a step may be
 * killed at any moment, and every line it logged before that should be on disk.
 */
export function fileSink(file: string, options: { createFolder?: boolean } = {}): LogSink {
  if (options.createFolder === true) mkdirSync(dirname(file), { recursive: true });
  return (record) => appendFileSync(file, formatLogLine(record));
}

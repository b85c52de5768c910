/**
 * What can end a run from outside the steps' own promises, and how the steps then running are
 * recorded: a user's signal cancels them; a fault (nothing left pending while a step has not
 * settled, an error thrown in a step's timer) fails them with a message that names them. The
 * CLI detects these (src/cli/run-guard.ts) and aborts the run's signal with one of them as the
 * reason; the executor turns the reason into each running step's state.
 */
import { FormedError } from "../errors.js";

/** The run was canceled (Ctrl-C, SIGTERM, SIGHUP): running steps are abandoned and recorded as canceled. */
export class ExecutionCanceledError extends FormedError {
  constructor(why = "the execution was canceled") {
    super("E_CANCELED", why);
    this.name = "ExecutionCanceledError";
  }
}

/** Something outside a step's promise failed the run: every running step fails with `stepMessage`. */
export class RunFault extends FormedError {
  readonly #stepMessage: (step: string) => string;

  constructor(message: string, stepMessage: (step: string) => string, cause?: unknown) {
    super("E_STEP_FAILED", message, cause === undefined ? {} : { cause });
    this.name = "RunFault";
    this.#stepMessage = stepMessage;
  }

  /** What the running step `step` failed of. */
  stepMessage(step: string): string {
    return this.#stepMessage(step);
  }
}

/** Node found nothing left to do while steps were still running: their promises can never settle. */
export function stalledRun(): RunFault {
  return new RunFault(
    "the run stopped making progress: a step's promise did not settle and nothing else was pending",
    (step) => `step "${step}" never finished: its promise did not settle`,
  );
}

/** An error thrown in a step's timer or callback, or a promise rejected with no handler. */
export function thrownOutsideSteps(error: unknown, how: "thrown" | "rejected"): RunFault {
  const message = error instanceof Error ? error.message : String(error);
  const where =
    how === "thrown"
      ? "an error thrown outside its promise (in a timer or callback)"
      : "a promise rejected with no handler";
  return new RunFault(
    `${where} ended the run: ${message}`,
    (step) => `step "${step}" failed: ${where}: ${message}`,
    error,
  );
}

/** Thrown by `process.exit` while a run is going: a step must return or throw, not end the process. */
export class ProcessExitError extends Error {
  constructor(code: unknown) {
    super(
      `process.exit(${code === undefined ? "" : String(code)}) was called: a step must return or throw, not end the process`,
    );
    this.name = "ProcessExitError";
  }
}

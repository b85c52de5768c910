/**
 * Keeps a run's record true whatever its steps do to the process. While a run goes on:
 *
 * - SIGINT, SIGTERM and SIGHUP cancel it (steps recorded as canceled, locks released); a
 *   second signal quits at once;
 * - Node finding nothing left to do while a step has not settled (`beforeExit`) fails that
 *   step: its promise can never settle, and Node would otherwise exit 0 mid-run;
 * - an error thrown in a step's timer or callback, or a rejection nobody handles, fails the
 *   running steps instead of crashing the process with Node's own stack trace;
 * - `process.exit()` called by a step throws instead of ending the process unrecorded.
 */
import {
  ExecutionCanceledError,
  ProcessExitError,
  stalledRun,
  thrownOutsideSteps,
} from "../executor/run-fault.js";
import type { Terminal } from "./terminal.js";

/** The shell's status for a command ended by a signal. */
export const EXIT_CANCELED = 130;

const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

/** Installs the guard for one run, aborting `controller` with the reason; returns its removal. */
export function guardRun(controller: AbortController, terminal: Terminal): () => void {
  const realExit = process.exit;
  const interrupt = (reason: Error): void => {
    if (!controller.signal.aborted) controller.abort(reason);
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    if (controller.signal.aborted) realExit.call(process, EXIT_CANCELED);
    terminal.err(`\ncanceling (${signal}): running steps are abandoned (send it again to quit at once)\n`);
    interrupt(new ExecutionCanceledError(`the execution was canceled (${signal})`));
  };
  const onBeforeExit = (): void => interrupt(stalledRun());
  // After the run was interrupted, an abandoned step may still fail: said, not swallowed.
  const onLateError = (error: unknown): void =>
    terminal.err(`after the run was stopped: ${error instanceof Error ? error.message : String(error)}\n`);
  const onUncaught = (error: unknown): void => {
    if (controller.signal.aborted) onLateError(error);
    else interrupt(thrownOutsideSteps(error, "thrown"));
  };
  const onRejection = (reason: unknown): void => {
    if (controller.signal.aborted) onLateError(reason);
    else interrupt(thrownOutsideSteps(reason, "rejected"));
  };
  for (const signal of SIGNALS) process.on(signal, onSignal);
  process.on("beforeExit", onBeforeExit);
  process.on("uncaughtException", onUncaught);
  process.on("unhandledRejection", onRejection);
  process.exit = ((code?: unknown) => {
    throw new ProcessExitError(code);
  }) as typeof process.exit;

  return () => {
    for (const signal of SIGNALS) process.off(signal, onSignal);
    process.off("beforeExit", onBeforeExit);
    process.off("uncaughtException", onUncaught);
    process.off("unhandledRejection", onRejection);
    process.exit = realExit;
  };
}

import { FormedError } from "../errors.js";
import { paint, RED, type Terminal } from "./terminal.js";

/**
 * One clear message for any error: its text, its fix-it hint, and the stack (with causes) only
 * when FORMED_DEBUG=1. Errors that are not ours are labelled as unexpected: they are bugs.
 */
export function reportError(terminal: Terminal, error: unknown): void {
  const debug = process.env.FORMED_DEBUG === "1";
  const label = paint(terminal, RED, "error:");
  if (error instanceof FormedError) {
    terminal.err(`${label} ${error.message}\n`);
    if (error.hint !== undefined) terminal.err(`hint: ${error.hint}\n`);
  } else if (isSystemError(error)) {
    // The file system or the network refused (a missing folder, no space, no permission): the
    // message names the call and the path; it is the machine's state, not a bug to report.
    terminal.err(`${label} ${error.message}\n`);
  } else {
    const message = error instanceof Error ? error.message : String(error);
    terminal.err(`${label} unexpected error: ${message}\n`);
    if (!debug) terminal.err("hint: run again with FORMED_DEBUG=1 for the stack trace, and report it\n");
  }
  if (debug) {
    let current: unknown = error;
    while (current instanceof Error) {
      terminal.err(`${current.stack ?? current.message}\n`);
      current = current.cause;
      if (current !== undefined) terminal.err("caused by: ");
    }
  }
}

function isSystemError(error: unknown): error is NodeJS.ErrnoException {
  if (!(error instanceof Error)) return false;
  const { code, syscall } = error as NodeJS.ErrnoException;
  return typeof code === "string" && /^E[A-Z0-9]+$/.test(code) && typeof syscall === "string";
}

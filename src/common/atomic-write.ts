import { randomBytes } from "node:crypto";
import { renameSync, rmSync, writeFileSync } from "node:fs";
import { rename, rm, writeFile } from "node:fs/promises";
import { relative } from "node:path";
import { FormedError, type FormedErrorCode } from "../errors.js";

/**
 * Writes `file` so that a reader sees the old content or the new, never half of it: the text
 * goes to a sibling temporary file that is then renamed over `file`.
 */
export async function writeFileAtomic(file: string, text: string): Promise<void> {
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    await writeFile(temporary, text);
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/**
 * The same, synchronously: for the many tiny records of an execution, where a round trip
 * through libuv's thread pool costs more than the write. The temporary name carries the pid:
 * processes never share one, and a process's synchronous writes never interleave.
 */
export function writeFileAtomicSync(file: string, text: string): void {
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(temporary, text);
    renameSync(temporary, file);
  } catch (error) {
    // A full disk leaves a partly written temporary: nothing may stay behind of a failed write.
    rmSync(temporary, { force: true });
    throw error;
  }
}

export async function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  await writeFileAtomic(file, `${JSON.stringify(value, null, 2)}\n`);
}

const NO_SPACE: Record<string, string> = {
  ENOSPC: "no space left on device",
  EDQUOT: "disk quota exceeded",
};

/**
 * A system error met writing `path`, as a FormedError naming the path (relative to the working
 * directory): Node's own message says only "ENOSPC: no space left on device, write", and the
 * CLI reports an error that is not a FormedError as a bug. Other errors are returned as they are.
 */
export function writeFailure(error: unknown, path: string, code: FormedErrorCode): unknown {
  const errno = (error as NodeJS.ErrnoException | undefined)?.code;
  if (error instanceof FormedError || typeof errno !== "string" || !/^E[A-Z]+$/.test(errno)) return error;
  const shown = relative(process.cwd(), path) || path;
  const reason = NO_SPACE[errno];
  return new FormedError(
    code,
    reason === undefined
      ? `cannot write ${shown}: ${(error as Error).message}`
      : `${reason} writing ${shown}`,
    {
      cause: error,
      ...(reason === undefined ? {} : { hint: "free some space on that device, then run again" }),
    },
  );
}

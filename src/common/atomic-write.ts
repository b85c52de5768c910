import { randomBytes } from "node:crypto";
import { renameSync, writeFileSync } from "node:fs";
import { rename, rm, writeFile } from "node:fs/promises";

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
  writeFileSync(temporary, text);
  renameSync(temporary, file);
}

export async function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  await writeFileAtomic(file, `${JSON.stringify(value, null, 2)}\n`);
}

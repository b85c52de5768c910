/**
 * Scratch directories of the filesystem cache, under `<cache>/.tmp/`: entries being written
 * and entries being deleted. Each name carries the host and pid of its owner, so leftovers of
 * a process that was killed can be recognised and removed by any later process on that host.
 */
import { randomBytes } from "node:crypto";
import { readdir, rm } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";

export const TEMP_DIRECTORY = ".tmp";

const HOST = hostname().replace(/[^A-Za-z0-9-]/g, "-") || "host";

/** `<label>.<host>.<pid>.<random>`; `label` must not contain dots. */
export function tempName(label: string): string {
  return `${label}.${HOST}.${process.pid}.${randomBytes(6).toString("hex")}`;
}

/** Whether `pid` is a live process (EPERM: alive, but another user's). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Removes the scratch directories under `cacheDirectory` whose owner on this host is dead.
 * Those of other hosts are left alone: their liveness cannot be known from here. Returns how
 * many were removed.
 */
export async function removeDeadTempDirectories(cacheDirectory: string): Promise<number> {
  const root = join(cacheDirectory, TEMP_DIRECTORY);
  let names: string[];
  try {
    names = await readdir(root);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of names) {
    const parts = name.split(".");
    if (parts.length !== 4 || parts[1] !== HOST) continue;
    const pid = Number(parts[2]);
    if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid || isAlive(pid)) continue;
    await rm(join(root, name), { recursive: true, force: true });
    removed++;
  }
  return removed;
}

/**
 * Scratch directories of the filesystem cache, under `<cache>/.tmp/`: entries being written
 * and entries being deleted. Each name carries its owner (host, pid, start time: owner.ts), so
 * leftovers of a process that was killed can be recognised and removed by any later process.
 */
import { randomBytes } from "node:crypto";
import { lstat, readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { liveness, type Owner, ownerTag, UNKNOWN_START } from "./owner.js";

export const TEMP_DIRECTORY = ".tmp";

/**
 * A scratch folder whose owner cannot be judged from here (another host) is removed once nothing
 * in it changed for this long. Writers do not refresh their folders the way lock holders do, and
 * a step may stream its result slowly, so this is hours, not the seconds of a lock's staleness.
 */
export const ABANDONED_SCRATCH_MS = 24 * 60 * 60 * 1000;

/** `<label>.<host>.<pid>.<start>.<random>`; `label` must not contain dots. */
export function tempName(label: string): string {
  return `${label}.${ownerTag()}.${randomBytes(6).toString("hex")}`;
}

/**
 * The label and owner of a name made by `tempName`, or by earlier versions
 * (`<label>.<host>.<pid>.<random>`, no start time); undefined for any other name.
 */
export function parseTempName(name: string): { label: string; owner: Owner } | undefined {
  const parts = name.split(".");
  if (parts.length !== 4 && parts.length !== 5) return undefined;
  const [label, host, pidText] = parts as [string, string, string];
  const pid = Number(pidText);
  if (label === "" || host === "" || !Number.isInteger(pid) || pid <= 0) return undefined;
  const start = parts.length === 5 ? (parts[3] as string) : UNKNOWN_START;
  return { label, owner: { host, pid, start } };
}

/**
 * Whether a scratch file or folder may be removed: its owner is dead, or it cannot be judged
 * and nothing in it changed for `abandonedAfterMs`. Never one of a live process.
 */
async function isAbandoned(path: string, owner: Owner, abandonedAfterMs: number): Promise<boolean> {
  const state = liveness(owner);
  if (state !== "unknown") return state === "dead";
  const newest = await newestChange(path);
  return newest !== undefined && newest < Date.now() - abandonedAfterMs;
}

/**
 * Removes the scratch directories under `cacheDirectory` whose owner is dead (on this host), or
 * that nothing touched for `abandonedAfterMs` (another host's, whose liveness cannot be known
 * from here). Returns how many were removed.
 */
export async function removeDeadTempDirectories(
  cacheDirectory: string,
  abandonedAfterMs = ABANDONED_SCRATCH_MS,
): Promise<number> {
  const root = join(cacheDirectory, TEMP_DIRECTORY);
  let names: string[];
  try {
    names = await readdir(root);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of names) {
    const parsed = parseTempName(name);
    if (parsed === undefined) continue;
    const path = join(root, name);
    if (!(await isAbandoned(path, parsed.owner, abandonedAfterMs))) continue;
    await rm(path, { recursive: true, force: true });
    removed++;
  }
  return removed;
}

/**
 * The latest mtime of anything under `path` (a writer's files and folders keep changing);
 * undefined if it is gone.
 */
async function newestChange(path: string): Promise<number | undefined> {
  let stats: Awaited<ReturnType<typeof lstat>>;
  try {
    stats = await lstat(path);
  } catch {
    return undefined;
  }
  let newest = stats.mtimeMs;
  if (stats.isDirectory()) {
    const names = await readdir(path).catch(() => [] as string[]);
    for (const name of names) newest = Math.max(newest, (await newestChange(join(path, name))) ?? 0);
  }
  return newest;
}

/**
 * Cross-process locks on fingerprints, so two processes sharing a cache compute a step once:
 * the second waits for the first, then finds the entry. The lock is a directory
 * `<cache>/.locks/<fingerprint>.lock` made with mkdir (atomic, also on NFS). In it, an empty
 * file names its owner (`owner.<host>.<pid>.<start>.<random>`, see owner.ts), and a thread of
 * its own (lock-refresher.ts) touches its mtime every `update` ms while it is held.
 *
 * A lock found taken is taken over at once when its owner is a dead process of this host; an
 * owner we cannot judge (another host) loses it when it was not refreshed for `stale` ms; a live
 * owner of this host keeps it however long it takes. Released, the folder is removed, or handed
 * to a LockFolderRecycler (the filesystem cache writes its next entry in it).
 */
import {
  mkdirSync,
  readdirSync,
  renameSync,
  rmdirSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { basename, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { FormedError } from "../errors.js";
import type { CacheLock } from "./cache.js";
import { startRefreshing, stopRefreshing } from "./lock-refresher.js";
import { liveness, type Owner } from "./owner.js";
import { ABANDONED_SCRATCH_MS, parseTempName, tempName } from "./temp-dirs.js";

export const LOCK_DIRECTORY = ".locks";

/**
 * Staleness matters only for owners of other hosts (those of this host are judged by whether
 * they run), and refreshes run on their own thread, so a holder blocked in a long synchronous
 * step still refreshes: 30 s / 5 s tolerates a holder stalled by a loaded machine or a slow
 * network filesystem, and takes over another host's dead holder within ~30 s.
 */
export const DEFAULT_LOCK_STALE_MS = 30_000;
export const DEFAULT_LOCK_UPDATE_MS = 5_000;

export interface LockOptions {
  /** Milliseconds without refresh after which another host's lock is considered abandoned. */
  stale?: number;
  /** Milliseconds between refreshes of a held lock (at most stale / 2). */
  update?: number;
}

const FIRST_POLL_MS = 25;
const MAX_POLL_MS = 1_000;
const MARKER_LABEL = "owner";
const LOCK_SUFFIX = ".lock";

/**
 * Takes the folders of released locks, instead of their being deleted: the filesystem cache
 * writes its next entry in one. On ext4, deleting a folder costs more than making one, and
 * makes every inode allocated in the next ~30 s slower (the allocator skips recently deleted
 * inodes): a run of thousands of small steps slowed down as it went.
 */
export interface LockFolderRecycler {
  /** Where to move a released lock's (empty) folder, its parent made; undefined: not now. */
  destination(): string | undefined;
  /** The folder is now at `path`. */
  recycled(path: string): void;
}

/** A folder's identity: inode and birth time (an inode number alone is reused at once). */
function identityOf(path: string): string | undefined {
  const stats = statSync(path, { bigint: true, throwIfNoEntry: false });
  return stats === undefined ? undefined : `${stats.ino}:${stats.birthtimeNs}`;
}

/** Locks this process holds, released if it exits holding them (process.exit, an uncaught error). */
const held = new Set<FingerprintLock>();

/** An acquired fingerprint lock. */
export class FingerprintLock implements CacheLock {
  readonly #path: string;
  readonly #identity: string | undefined;
  readonly #marker: string | undefined;
  readonly #recycler: LockFolderRecycler | undefined;
  readonly #refresh: number | undefined;
  #released = false;
  /** Set when the lock was lost while held (its folder removed, or taken over by another process). */
  compromised: Error | undefined;

  constructor(
    path: string,
    fingerprint: string,
    marker: string | undefined,
    timing: { stale: number; update: number },
    recycler?: LockFolderRecycler,
  ) {
    this.#path = path;
    this.#identity = identityOf(path);
    this.#marker = marker;
    this.#recycler = recycler;
    if (this.#identity !== undefined) {
      this.#refresh = startRefreshing({
        path,
        identity: this.#identity,
        ...timing,
        // Not thrown: losing the lock only risks computing a step twice, which the atomic
        // cache writes make harmless.
        onLost: (reason) => {
          this.compromised ??= new Error(reason);
          process.emitWarning(`cache lock on ${fingerprint} was lost: ${reason}`, "FormedCacheLockWarning");
        },
      });
    }
    held.add(this);
    watchExit();
  }

  async release(): Promise<void> {
    this.releaseSync();
  }

  /**
   * @internal The release itself: synchronous, so it can also run while the process exits
   * (then the folder is removed, not recycled: no put will use it).
   */
  releaseSync(recycle = true): void {
    if (this.#released) return;
    this.#released = true;
    held.delete(this);
    if (this.#refresh !== undefined) stopRefreshing(this.#refresh);
    // A compromised lock may now be someone else's: releasing it would free their hold.
    if (!this.#checkStillOurs()) return;
    let empty = true;
    if (this.#marker !== undefined) {
      // The marker goes back to the spares: the folder must be empty to be recycled, and the
      // next lock reuses the file instead of making one.
      const spare = join(this.#path, "..", this.#marker);
      try {
        renameSync(join(this.#path, this.#marker), spare);
        spareMarkers.push(spare);
      } catch {
        empty = false; // someone renamed or removed it: the folder is removed, whatever is in it
      }
    }
    if (recycle && empty && this.#recycle()) return;
    try {
      rmdirSync(this.#path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT")
        rmSync(this.#path, { recursive: true, force: true });
    }
  }

  /**
   * A lock can be lost without the refresher having said so yet: the folder at the lock's path
   * is then another process's (another identity), not to be touched.
   */
  #checkStillOurs(): boolean {
    if (this.#identity === undefined || this.compromised !== undefined) return false;
    const now = identityOf(this.#path);
    if (now === undefined) return false; // removed (the cache was cleared): nothing to release
    if (now === this.#identity) return true;
    this.compromised = new Error(`lock folder ${this.#path} was taken over by another process`);
    return false;
  }

  /** Moves the folder to the recycler; false when there is none, or the move failed. */
  #recycle(): boolean {
    const destination = this.#recycler?.destination();
    if (destination === undefined) return false;
    try {
      renameSync(this.#path, destination);
    } catch {
      return false;
    }
    this.#recycler?.recycled(destination);
    return true;
  }
}

/** The lock directory of `fingerprint`. */
export function lockPath(cacheDirectory: string, fingerprint: string): string {
  return join(cacheDirectory, LOCK_DIRECTORY, `${fingerprint}${LOCK_SUFFIX}`);
}

/**
 * Takes the lock on `fingerprint`, polling with backoff for as long as another live holder
 * keeps it: that holder may be computing a long step, so there is no timeout.
 */
export async function lockFingerprint(
  cacheDirectory: string,
  fingerprint: string,
  options: LockOptions = {},
  recycler?: LockFolderRecycler,
): Promise<FingerprintLock> {
  const directory = join(cacheDirectory, LOCK_DIRECTORY);
  const stale = Math.max(options.stale ?? DEFAULT_LOCK_STALE_MS, 100);
  const update = Math.max(Math.min(options.update ?? DEFAULT_LOCK_UPDATE_MS, stale / 2), 10);
  const path = lockPath(cacheDirectory, fingerprint);
  removeAbandonedLocksOnce(cacheDirectory, { stale });
  let delay = FIRST_POLL_MS;
  for (;;) {
    // Synchronous calls: a computed step takes and releases a lock, and each call would
    // otherwise be a round trip through the thread pool.
    if (makeLockFolder(directory, path, fingerprint)) {
      return new FingerprintLock(path, fingerprint, placeMarker(path), { stale, update }, recycler);
    }
    let found: ReturnType<typeof takeOverIfAbandoned>;
    try {
      found = takeOverIfAbandoned(path, stale);
    } catch (error) {
      throw new FormedError("E_CACHE", `cannot lock cache entry ${fingerprint} in ${directory}`, {
        cause: error,
      });
    }
    if (found !== "held") continue;
    // Jitter keeps waiters from polling in lockstep.
    await sleep(delay * (0.75 + Math.random() * 0.5));
    delay = Math.min(delay * 1.5, MAX_POLL_MS);
  }
}

/**
 * Takes the lock on `fingerprint` only if no live process holds it (a dead holder's is taken
 * over): undefined when one does. For whoever must not wait behind a step being computed
 * (`formed cache gc` skips such an entry).
 */
export function tryLockFingerprint(
  cacheDirectory: string,
  fingerprint: string,
  options: LockOptions = {},
): FingerprintLock | undefined {
  const directory = join(cacheDirectory, LOCK_DIRECTORY);
  const stale = Math.max(options.stale ?? DEFAULT_LOCK_STALE_MS, 100);
  const update = Math.max(Math.min(options.update ?? DEFAULT_LOCK_UPDATE_MS, stale / 2), 10);
  const path = lockPath(cacheDirectory, fingerprint);
  // A few tries: a dead holder's folder, once removed, may be taken by a live waiter first.
  for (let attempt = 0; attempt < 3; attempt++) {
    if (makeLockFolder(directory, path, fingerprint)) {
      return new FingerprintLock(path, fingerprint, placeMarker(path), { stale, update });
    }
    if (takeOverIfAbandoned(path, stale) === "held") return undefined;
  }
  return undefined;
}

/** mkdir of the lock folder: true when made, false when it exists (or .locks went away meanwhile). */
function makeLockFolder(directory: string, path: string, fingerprint: string): boolean {
  try {
    if (!madeLockDirectories.has(directory)) {
      mkdirSync(directory, { recursive: true });
      madeLockDirectories.add(directory);
    }
    mkdirSync(path);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EEXIST") return false;
    // ENOENT: .locks was removed since it was made (someone cleared the cache).
    if (code === "ENOENT") {
      madeLockDirectories.delete(directory);
      return false;
    }
    throw new FormedError("E_CACHE", `cannot lock cache entry ${fingerprint} in ${directory}`, {
      cause: error,
    });
  }
}

/** Names the owner in a lock folder just made; returns the marker's name, undefined if none could be written. */
function placeMarker(path: string): string | undefined {
  for (let spare = spareMarkers.pop(); spare !== undefined; spare = spareMarkers.pop()) {
    const name = basename(spare);
    try {
      renameSync(spare, join(path, name));
      return name;
    } catch {
      // gone (.locks cleared), or in another cache's .locks: try the next, or make one
    }
  }
  const name = tempName(MARKER_LABEL);
  try {
    writeFileSync(join(path, name), "", { flag: "wx" });
    return name;
  } catch {
    // A full disk, say: the lock holds without it, judged by its mtime alone.
    return undefined;
  }
}

/** The owner named in a lock folder; undefined without a marker (just made, or by an older version). */
function readOwner(path: string): Owner | undefined {
  let names: string[];
  try {
    names = readdirSync(path);
  } catch {
    return undefined;
  }
  for (const name of names) {
    const parsed = parseTempName(name);
    if (parsed?.label === MARKER_LABEL) return parsed.owner;
  }
  return undefined;
}

/**
 * Looks at the lock folder at `path`: "held" when its owner runs (or may run), else it is moved
 * out of the way and deleted ("removed"); "gone" when there is no folder any more.
 */
function takeOverIfAbandoned(path: string, stale: number): "held" | "removed" | "gone" {
  const before = statSync(path, { bigint: true, throwIfNoEntry: false });
  if (before === undefined) return "gone";
  const owner = readOwner(path);
  const state = owner === undefined ? "unknown" : liveness(owner);
  if (state === "alive") return "held";
  if (state === "unknown" && Number(before.mtimeMs) >= Date.now() - stale) return "held";
  // Renamed first, which only one of several waiters can do; the name carries our pid, so a
  // trash folder left by our own death is cleaned like any scratch.
  const trash = join(path, "..", tempName("abandoned"));
  try {
    renameSync(path, trash);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ENOENT" ? "gone" : "held";
  }
  if (identityOf(trash) !== `${before.ino}:${before.birthtimeNs}`) {
    // Another waiter took the dead lock over between our look and our rename: this is its
    // fresh lock. Put it back (if a third made one meanwhile, the moved one's owner finds its lock lost).
    try {
      renameSync(trash, path);
      return "held";
    } catch {
      // fall through: removed below
    }
  }
  rmSync(trash, { recursive: true, force: true });
  return "removed";
}

/**
 * Removes what killed runs left in `<cache>/.locks`: lock folders whose owner is dead on this
 * host (or, for another host's, not refreshed for `stale` ms), and spare markers and half-removed
 * folders of dead owners. A live process's are never touched. Returns how many were removed.
 */
export function removeAbandonedLocks(
  cacheDirectory: string,
  options: { stale?: number; abandonedAfterMs?: number } = {},
): number {
  const directory = join(cacheDirectory, LOCK_DIRECTORY);
  const stale = options.stale ?? DEFAULT_LOCK_STALE_MS;
  let names: string[];
  try {
    names = readdirSync(directory);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of names) {
    const path = join(directory, name);
    try {
      if (name.endsWith(LOCK_SUFFIX)) {
        if (takeOverIfAbandoned(path, stale) === "removed") removed++;
        continue;
      }
      const parsed = parseTempName(name);
      if (parsed === undefined) continue;
      const state = liveness(parsed.owner);
      if (state === "alive") continue;
      if (state === "unknown") {
        // Another host's spare marker or trash: only once nothing changed it for long.
        const stats = statSync(path, { throwIfNoEntry: false });
        const age = stats === undefined ? 0 : Date.now() - stats.mtimeMs;
        if (age < (options.abandonedAfterMs ?? ABANDONED_SCRATCH_MS)) continue;
      }
      rmSync(path, { recursive: true, force: true });
      removed++;
    } catch {
      // One unreadable entry does not stop the others; the lock path reports real problems.
    }
  }
  return removed;
}

/** `removeAbandonedLocks`, the first time this process asks for `cacheDirectory` (then 0): at its first lock or put. */
export function removeAbandonedLocksOnce(
  cacheDirectory: string,
  options: { stale?: number; abandonedAfterMs?: number } = {},
): number {
  const directory = join(cacheDirectory, LOCK_DIRECTORY);
  if (cleanedLockDirectories.has(directory)) return 0;
  cleanedLockDirectories.add(directory);
  return removeAbandonedLocks(cacheDirectory, options);
}

/** Lock folders made by this process: made once, not before every lock. */
const madeLockDirectories = new Set<string>();
/** `.locks` folders cleaned of dead runs' leftovers by this process (once, at the first lock). */
const cleanedLockDirectories = new Set<string>();
/** Marker files of released locks, to name the owner of the next lock without making a file. */
const spareMarkers: string[] = [];

let exitWatched = false;

/**
 * Releases held locks and removes spare markers when the process exits (a waiter of another
 * host would otherwise wait for staleness; one of this host would see the owner dead anyway).
 */
function watchExit(): void {
  if (exitWatched) return;
  exitWatched = true;
  process.once("exit", () => {
    for (const lock of [...held]) lock.releaseSync(false);
    for (const spare of spareMarkers.splice(0)) {
      try {
        unlinkSync(spare);
      } catch {
        // already gone
      }
    }
  });
}

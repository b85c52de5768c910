/**
 * Cross-process locks on fingerprints, so two processes sharing a cache compute a step once:
 * the second waits for the first, then finds the entry. Built on proper-lockfile: the lock is
 * a directory `<cache>/.locks/<fingerprint>.lock` made with mkdir (atomic, also on NFS) whose
 * mtime the holder refreshes every `update` ms; a lock not refreshed for `stale` ms belongs to
 * a dead process and is taken over. Released, the folder is removed, or handed to a
 * LockFolderRecycler (the filesystem cache writes its next entry in it).
 */
import { mkdirSync, realpathSync, renameSync, rmdirSync, statSync, utimesSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { FormedError } from "../errors.js";
import type { CacheLock } from "./cache.js";

export const LOCK_DIRECTORY = ".locks";

/**
 * Stale/update trade off takeover delay against false takeovers. Refreshes run on the event
 * loop, so a step computing synchronously for longer than `stale - update` would lose its lock
 * to a waiter. 30 s / 5 s tolerates ~25 s of blocking and takes over a killed holder's lock
 * within ~30 s, small next to the steps worth locking for.
 */
export const DEFAULT_LOCK_STALE_MS = 30_000;
export const DEFAULT_LOCK_UPDATE_MS = 5_000;

export interface LockOptions {
  /** Milliseconds without refresh after which a lock is considered abandoned (min 2000). */
  stale?: number;
  /** Milliseconds between refreshes of a held lock (min 1000, max stale / 2). */
  update?: number;
}

const FIRST_POLL_MS = 25;
const MAX_POLL_MS = 1_000;

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

/**
 * The folder this lock made, and its identity: inode and birth time (an inode number alone is
 * reused at once by a folder made right after ours was removed).
 */
interface HeldFolder {
  readonly path: string;
  readonly identity: string;
}

function folderIdentity(path: string): string | undefined {
  const stats = statSync(path, { bigint: true, throwIfNoEntry: false });
  return stats === undefined ? undefined : `${stats.ino}:${stats.birthtimeNs}`;
}

/** An acquired fingerprint lock. */
export class FingerprintLock implements CacheLock {
  readonly #release: () => Promise<void>;
  readonly #folder: HeldFolder | undefined;
  readonly #recycler: LockFolderRecycler | undefined;
  #released = false;
  /** Set when the lock was lost while held (refresh failed, or another process took it over). */
  compromised: Error | undefined;

  constructor(release: () => Promise<void>, folder?: HeldFolder, recycler?: LockFolderRecycler) {
    this.#release = release;
    this.#folder = folder;
    this.#recycler = recycler;
  }

  async release(): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    const ours = this.#checkStillOurs();
    // A compromised lock may now be someone else's: releasing it would free their hold.
    if (this.compromised !== undefined) return;
    if (ours) this.#recycleFolder();
    try {
      await this.#release();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== "ERELEASED" && code !== "ENOTACQUIRED" && code !== "ENOENT") throw error;
    }
  }

  /**
   * A holder blocked longer than `stale` can be taken over before its refresh timer notices:
   * the folder at the lock's path is then another process's (another identity), not to be touched.
   */
  #checkStillOurs(): boolean {
    if (this.#folder === undefined || this.compromised !== undefined) return false;
    const now = folderIdentity(this.#folder.path);
    if (now === undefined) return false; // removed (the cache was cleared): nothing to recycle
    if (now === this.#folder.identity) return true;
    this.compromised = new Error(`lock folder ${this.#folder.path} was taken over by another process`);
    return false;
  }

  /** Moves the folder to the recycler; proper-lockfile's release then finds nothing to remove. */
  #recycleFolder(): void {
    if (this.#folder === undefined || this.#recycler === undefined) return;
    const destination = this.#recycler.destination();
    if (destination === undefined) return;
    try {
      renameSync(this.#folder.path, destination);
    } catch {
      return; // the release removes it as usual
    }
    this.#recycler.recycled(destination);
  }
}

/** The lock directory proper-lockfile creates for `fingerprint`. */
export function lockPath(cacheDirectory: string, fingerprint: string): string {
  return join(cacheDirectory, LOCK_DIRECTORY, `${fingerprint}.lock`);
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
  const stale = options.stale ?? DEFAULT_LOCK_STALE_MS;
  const update = options.update ?? Math.min(DEFAULT_LOCK_UPDATE_MS, stale / 2);
  const lockfile = await loadLockfile();
  const path = lockPath(cacheDirectory, fingerprint);
  let delay = FIRST_POLL_MS;
  for (;;) {
    let lock: FingerprintLock | undefined;
    try {
      makeLockDirectory(directory);
      // The synchronous API: a computed step takes and releases a lock, and each of the four
      // calls behind that (mkdir, stat; rmdir) would otherwise be a round trip through the
      // thread pool. The mtime refresh still runs from a timer.
      const release = lockfile.lockSync(join(directory, fingerprint), {
        lockfilePath: path,
        realpath: false,
        fs: LOCK_FS,
        stale,
        update,
        retries: 0,
        // The default throws from a timer, which would crash the whole run; losing the lock
        // only risks computing a step twice, which the atomic cache writes make harmless.
        onCompromised: (error) => {
          if (lock !== undefined) lock.compromised = error;
          process.emitWarning(
            `cache lock on ${fingerprint} was lost: ${error.message}`,
            "FormedCacheLockWarning",
          );
        },
      });
      const identity = folderIdentity(path);
      const folder = identity === undefined ? undefined : { path, identity };
      lock = new FingerprintLock(async () => release(), folder, recycler);
      return lock;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // ENOENT: .locks was removed between mkdir and lock (someone cleared the cache).
      if (code === "ENOENT") madeLockDirectories.delete(directory);
      if (code !== "ELOCKED" && code !== "ENOENT") {
        throw new FormedError("E_CACHE", `cannot lock cache entry ${fingerprint} in ${directory}`, {
          cause: error,
        });
      }
    }
    // Jitter keeps waiters from polling in lockstep.
    await sleep(delay * (0.75 + Math.random() * 0.5));
    delay = Math.min(delay * 1.5, MAX_POLL_MS);
  }
}

/**
 * The only calls proper-lockfile's synchronous API makes. Given the whole fs module, it copies
 * all of it into a new object on every lock (~40 µs each, 4% of a cold run of small steps).
 */
const LOCK_FS = { mkdirSync, realpathSync, rmdirSync, statSync, utimesSync };

/** Lock folders made by this process: made once, not before every lock. */
const madeLockDirectories = new Set<string>();

function makeLockDirectory(directory: string): void {
  if (madeLockDirectories.has(directory)) return;
  mkdirSync(directory, { recursive: true });
  madeLockDirectories.add(directory);
}

let lockfileModule: Promise<typeof import("proper-lockfile")> | undefined;

/** proper-lockfile (and graceful-fs under it) loads only when a step is computed: a fully cached run never locks. */
function loadLockfile(): Promise<typeof import("proper-lockfile")> {
  lockfileModule ??= import("proper-lockfile").then((module) => module.default ?? module);
  return lockfileModule;
}

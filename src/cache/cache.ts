import type { Format } from "../format/format.js";

/** Identifies one cache entry: the step fingerprint, and the format its value is stored in. */
export interface CacheKey {
  readonly fingerprint: string;
  readonly format: Format;
}

/** An exclusive hold on one fingerprint, across processes for caches that persist. */
export interface CacheLock {
  release(): Promise<void>;
}

/**
 * Where step results live between runs, keyed by fingerprint.
 *
 * An entry is complete or absent: `has` is true only for an entry that was fully written,
 * and `get` never returns a partial or corrupt entry (it deletes one and throws
 * `CacheMissError`, so the step is recomputed).
 */
export interface WorkflowCache {
  /** A short name for messages: "memory", "filesystem", "empty", ... */
  readonly kind: string;
  /**
   * Other processes opening the same settings see the same entries: worker processes can read
   * a step's inputs from it and write its result to it.
   */
  readonly shared?: boolean;
  /**
   * Where a new entry for `fingerprint` belongs, as the organizer set it with `attach` (MLflow:
   * the step's run, which the entry's run nests under). A worker process storing the entry is
   * given it, so the entry lands in the same place as if the main process stored it.
   */
  attachment?(fingerprint: string): string | undefined;
  attach?(fingerprint: string, attachment: string): void;
  has(key: CacheKey): Promise<boolean>;
  /** The stored value; for iterables, a value that can be iterated again and again. */
  get(key: CacheKey): Promise<unknown>;
  /**
   * Stores `value` (consuming a one-shot iterator as it streams) and returns it as read back
   * from the cache, so a consumed generator comes back re-iterable.
   */
  put(key: CacheKey, value: unknown): Promise<unknown>;
  delete(fingerprint: string): Promise<void>;
  /**
   * Takes an exclusive hold on `fingerprint`, waiting while another holder (another process
   * too) computes it. A hold left by a process that died is taken over. Optional: caches that
   * nothing else shares need no lock.
   */
  lock?(fingerprint: string): Promise<CacheLock>;
  /**
   * The content digest of a stored entry (see `contentDigest`): the same bytes give the same
   * digest whatever fingerprint they are stored under. Undefined when there is no such entry,
   * or the cache cannot tell without reading the value.
   */
  digest?(key: CacheKey): Promise<string | undefined>;
  /** The directory of a stored entry, for caches that have one (used to link results from executions). */
  entryPath?(fingerprint: string): string | undefined;
}

export class CacheMissError extends Error {
  constructor(fingerprint: string, reason = "no such entry") {
    super(`cache entry ${fingerprint} is not usable: ${reason}`);
    this.name = "CacheMissError";
  }
}

/**
 * What a cache holds, entry by entry, for `formed cache info`, `gc` and `remove`: each entry's
 * size, format, age and content digest, and a removal that is safe while other processes use
 * the cache (it takes the entry's lock, and never removes an entry a running execution uses).
 */

export interface CacheEntryInfo {
  readonly fingerprint: string;
  /** The format that wrote it; empty for a damaged entry. */
  readonly format: string;
  /** Bytes on disk (or on the server): its files and its manifest. */
  readonly bytes: number;
  /** ISO 8601, from its manifest. */
  readonly created?: string;
  /** The content digest (see `contentDigest`); absent for a damaged entry. */
  readonly digest?: string;
  /** The file names of what its format wrote, "/"-separated. */
  readonly files: readonly string[];
  /** Where it is: a folder, or a run on a server. */
  readonly location: string;
  /** Why it cannot be read (its manifest is missing or unreadable); it is garbage. */
  readonly damaged?: string;
}

export type RemoveOutcome =
  | { readonly removed: true; readonly bytes: number }
  /** held: another live process holds its lock (computing or writing it); in-use: a running execution uses it. */
  | { readonly removed: false; readonly reason: "held" | "in-use" | "kept" | "gone" };

export type KeepCheck = (fingerprint: string, executionsEnded: boolean) => boolean | Promise<boolean>;

export interface CacheInventory {
  /** "filesystem", "mlflow". */
  readonly kind: string;
  /** The cache's folder, or the server and experiment. */
  readonly location: string;
  /** Every entry, complete or damaged. */
  entries(): Promise<CacheEntryInfo[]>;
  /** The entry of `fingerprint`, or undefined when there is none. */
  entry(fingerprint: string): Promise<CacheEntryInfo | undefined>;
  /** Fingerprints that running executions use now (they must stay). */
  inUse(): Set<string>;
  /**
   * Removes the entry unless another process holds its lock, a running execution uses it, or
   * `keep` says so: both asked while the lock is held and the entry is out of place (so no
   * reader can start on it meanwhile). `keep` is told whether executions ended since the last
   * look (their records may name more entries now).
   */
  remove(fingerprint: string, keep?: KeepCheck): Promise<RemoveOutcome>;
  /** Removes what killed processes left behind (scratch folders, locks); returns how many. */
  removeLeftovers(): Promise<number>;
}

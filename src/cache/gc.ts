/**
 * Garbage collection of a cache: every entry that nothing keeps is removed. What keeps an entry
 * is decided by the caller (the entries its kept executions used), plus what the cache itself
 * knows: entries running executions use, entries another process holds the lock of (it is
 * computing or writing them), and entries made after the collection started (a run that began
 * meanwhile made them). Damaged entries are garbage whatever keeps them.
 */
import type { CacheEntryInfo, CacheInventory, KeepCheck } from "./inventory.js";

export interface GcOptions {
  /** Say what would be removed, remove nothing. */
  readonly dryRun?: boolean;
  /** Called for each entry as it is removed (or, in a dry run, would be). */
  readonly onRemove?: (entry: CacheEntryInfo) => void;
}

export interface GcReport {
  readonly dryRun: boolean;
  /** Removed, or in a dry run to be removed, oldest first. */
  readonly removed: readonly CacheEntryInfo[];
  /** Their bytes. */
  readonly bytes: number;
  /** Entries left because a running execution uses them, or another process holds them. */
  readonly skipped: readonly { readonly entry: CacheEntryInfo; readonly reason: "in-use" | "held" }[];
  /** Entries left because something keeps them. */
  readonly kept: number;
  /** Leftovers of killed processes removed (scratch folders, locks). */
  readonly leftovers: number;
}

/**
 * Removes the entries of `inventory` that `keep` does not keep (`keep` is asked again, with the
 * entry out of place, just before each removal: see CacheInventory.remove).
 */
export async function collectGarbage(
  inventory: CacheInventory,
  keep: KeepCheck,
  options: GcOptions = {},
): Promise<GcReport> {
  const dryRun = options.dryRun === true;
  const started = Date.now();
  const leftovers = dryRun ? 0 : await inventory.removeLeftovers();
  const inUse = inventory.inUse();
  const entries = (await inventory.entries()).sort(
    (a, b) => created(a) - created(b) || (a.fingerprint < b.fingerprint ? -1 : 1),
  );
  const removed: CacheEntryInfo[] = [];
  const skipped: { entry: CacheEntryInfo; reason: "in-use" | "held" }[] = [];
  let kept = 0;
  let bytes = 0;
  for (const entry of entries) {
    const garbage = entry.damaged !== undefined;
    if (!garbage && (created(entry) >= started || (await keep(entry.fingerprint, false)))) {
      kept++;
      continue;
    }
    if (inUse.has(entry.fingerprint)) {
      skipped.push({ entry, reason: "in-use" });
      continue;
    }
    if (dryRun) {
      removed.push(entry);
      bytes += entry.bytes;
      options.onRemove?.(entry);
      continue;
    }
    const outcome = await inventory.remove(entry.fingerprint, garbage ? undefined : keep);
    if (outcome.removed) {
      removed.push(entry);
      bytes += outcome.bytes;
      options.onRemove?.(entry);
    } else if (outcome.reason === "kept") {
      kept++;
    } else if (outcome.reason !== "gone") {
      skipped.push({ entry, reason: outcome.reason });
    }
  }
  return { dryRun, removed, bytes, skipped, kept, leftovers };
}

/** When the entry was made; 0 when unknown (a damaged entry). */
function created(entry: CacheEntryInfo): number {
  return entry.created === undefined ? 0 : Date.parse(entry.created) || 0;
}

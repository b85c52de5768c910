/**
 * `formed cache gc`: which executions keep their cache entries, and the collection itself.
 * Kept: every execution not ended (pending, running), and, without options, every recorded
 * execution; with `--keep-last N` the N newest, with `--older-than D` those that started less
 * than D ago (both: either one keeps it, as restic's `--keep-last` and `--keep-within` do).
 */
import { collectGarbage, type GcOptions, type GcReport } from "../cache/gc.js";
import type { KeepCheck } from "../cache/inventory.js";
import { FormedError } from "../errors.js";
import { RecordedUses } from "./cache-usage.js";
import { type ExecutionSummary, isUnfinished } from "./execution-summary.js";
import { listExecutions, requireInventory } from "./list-executions.js";
import type { WorkflowOrganizer } from "./organizer.js";

export interface RetentionPolicy {
  /** Keep the entries of the N newest executions. */
  readonly keepLast?: number;
  /** Keep the entries of executions that started less than this many milliseconds ago. */
  readonly keepWithinMs?: number;
}

export interface CacheGcReport extends GcReport {
  /** Recorded executions, and how many of them keep their entries. */
  readonly executions: number;
  readonly keptExecutions: number;
}

/** The executions whose entries stay, of `summaries` (newest first). */
export function keptExecutions(
  summaries: readonly ExecutionSummary[],
  policy: RetentionPolicy,
  now = Date.now(),
): ExecutionSummary[] {
  const { keepLast, keepWithinMs } = policy;
  if (keepLast === undefined && keepWithinMs === undefined) return [...summaries];
  return summaries.filter(
    (summary, index) =>
      isUnfinished(summary.status) ||
      (keepLast !== undefined && index < keepLast) ||
      (keepWithinMs !== undefined && (Date.parse(summary.startedAt ?? "") || 0) >= now - keepWithinMs),
  );
}

/**
 * Removes every entry of the organizer's cache that no kept execution used (see collectGarbage
 * for what else keeps one). When executions end while it runs, the records are read again
 * before the next removal: a run that ended meanwhile keeps what it used.
 */
export async function collectCacheGarbage(
  organizer: WorkflowOrganizer,
  policy: RetentionPolicy,
  options: GcOptions = {},
): Promise<CacheGcReport> {
  for (const [name, value] of Object.entries(policy)) {
    if (value !== undefined && (!Number.isFinite(value) || value < 0)) {
      throw new FormedError("E_CACHE", `${name} must be a number of 0 or more, got ${value}`);
    }
  }
  const inventory = requireInventory(organizer);
  const uses = new RecordedUses();
  let executions = 0;
  let kept = 0;
  const readKept = async (): Promise<void> => {
    const summaries = await listExecutions(organizer);
    const keptNow = keptExecutions(summaries, policy);
    executions = summaries.length;
    kept = Math.max(kept, keptNow.length);
    await uses.read(
      organizer,
      keptNow.map((summary) => summary.id),
    );
  };
  await readKept();
  const keep: KeepCheck = async (fingerprint, executionsEnded) => {
    if (executionsEnded) await readKept();
    return uses.has(fingerprint);
  };
  const report = await collectGarbage(inventory, keep, options);
  return { ...report, executions, keptExecutions: kept };
}

/**
 * Which cache entries executions used, from their records: each step's fingerprint names its
 * entry, its graph names the step's type. `formed cache info` groups entries by step type with
 * it; `formed cache gc` keeps what kept executions used.
 */
import type { CacheEntryInfo } from "../cache/inventory.js";
import type { ArchivedExecution } from "./archive.js";
import { listExecutions, requireInventory } from "./list-executions.js";
import type { WorkflowOrganizer } from "./organizer.js";

/** An entry no execution's record names. */
export const NO_EXECUTION = "(no execution)";

export class RecordedUses {
  readonly #types = new Map<string, string>();
  readonly #read = new Set<string>();

  /** Reads the records of `ids` not read yet. */
  async read(organizer: WorkflowOrganizer, ids: Iterable<string>): Promise<void> {
    for (const id of ids) {
      if (this.#read.has(id)) continue;
      const execution = await organizer.get(id);
      if (execution === undefined) continue;
      this.add(execution);
      // An execution not ended may name more entries later: read again when asked.
      if (execution.state.status !== "pending" && execution.state.status !== "running") this.#read.add(id);
    }
  }

  add(execution: ArchivedExecution): void {
    for (const [name, state] of Object.entries(execution.steps)) {
      if (state.fingerprint === "") continue;
      this.#types.set(state.fingerprint, execution.graph.steps[name]?.type ?? NO_EXECUTION);
    }
  }

  has(fingerprint: string): boolean {
    return this.#types.has(fingerprint);
  }

  /** The step type whose entry this is, as the records name it. */
  typeOf(fingerprint: string): string {
    return this.#types.get(fingerprint) ?? NO_EXECUTION;
  }
}

export interface CacheInfo {
  readonly kind: string;
  readonly location: string;
  readonly entries: number;
  readonly bytes: number;
  readonly oldest?: CacheEntryInfo;
  readonly newest?: CacheEntryInfo;
  /** Entries whose manifest is missing or unreadable (`gc` removes them). */
  readonly damaged: number;
  /** Per step type, largest first. */
  readonly types: readonly { readonly type: string; readonly entries: number; readonly bytes: number }[];
}

/** What the organizer's cache holds: entries, size, ages, and per step type. */
export async function cacheInfo(organizer: WorkflowOrganizer): Promise<CacheInfo> {
  const inventory = requireInventory(organizer);
  const entries = await inventory.entries();
  const uses = new RecordedUses();
  await uses.read(
    organizer,
    (await listExecutions(organizer)).map((summary) => summary.id),
  );
  const byType = new Map<string, { type: string; entries: number; bytes: number }>();
  let bytes = 0;
  let oldest: CacheEntryInfo | undefined;
  let newest: CacheEntryInfo | undefined;
  for (const entry of entries) {
    bytes += entry.bytes;
    const type = uses.typeOf(entry.fingerprint);
    const group = byType.get(type) ?? { type, entries: 0, bytes: 0 };
    group.entries++;
    group.bytes += entry.bytes;
    byType.set(type, group);
    if (entry.created === undefined) continue;
    if (oldest?.created === undefined || entry.created < oldest.created) oldest = entry;
    if (newest?.created === undefined || entry.created > newest.created) newest = entry;
  }
  return {
    kind: inventory.kind,
    location: inventory.location,
    entries: entries.length,
    bytes,
    ...(oldest === undefined ? {} : { oldest }),
    ...(newest === undefined ? {} : { newest }),
    damaged: entries.filter((entry) => entry.damaged !== undefined).length,
    types: [...byType.values()].sort((a, b) => b.bytes - a.bytes || b.entries - a.entries),
  };
}

/**
 * The recorded executions and the cache of a working directory, without loading its step
 * modules: what `formed workflow list/show/diff` and `formed cache info/gc` need is in the
 * records (reading a result or keying a config needs the project: `WorkflowProject`).
 */
import { resolve } from "node:path";
import type { CacheEntryInfo, RemoveOutcome } from "../cache/inventory.js";
import { ClassRegistry } from "../format/class-registry.js";
import type { ArchivedExecution } from "../organizer/archive.js";
import {
  type CacheGcReport,
  collectCacheGarbage,
  type RetentionPolicy,
} from "../organizer/cache-retention.js";
import { type CacheInfo, cacheInfo } from "../organizer/cache-usage.js";
import { organizerOfSettings } from "../organizer/create-organizer.js";
import { diffExecutions, type ExecutionDiff } from "../organizer/execution-diff.js";
import type { ExecutionSummary } from "../organizer/execution-summary.js";
import { listExecutions, requireExecution, requireInventory } from "../organizer/list-executions.js";
import type { WorkflowOrganizer } from "../organizer/organizer.js";
import { applyEnvironment, loadSettings } from "../settings/settings.js";
import type { LoadProjectOptions } from "./project.js";

export class ExecutionRecords {
  private constructor(readonly organizer: WorkflowOrganizer) {}

  /** The organizer formed.yml names (its `environment` applied), with no step module loaded. */
  static async open(options: Omit<LoadProjectOptions, "organizer"> = {}): Promise<ExecutionRecords> {
    const cwd = resolve(options.cwd ?? process.cwd());
    const settings = await loadSettings({
      cwd,
      ...(options.settingsFile === undefined ? {} : { file: options.settingsFile }),
    });
    applyEnvironment(settings);
    return new ExecutionRecords(organizerOfSettings(settings, { cwd, classes: new ClassRegistry() }));
  }

  /** The records of an organizer in hand (a loaded project's, a memory organizer). */
  static of(organizer: WorkflowOrganizer): ExecutionRecords {
    return new ExecutionRecords(organizer);
  }

  /** Every execution, newest first. */
  list(): Promise<ExecutionSummary[]> {
    return listExecutions(this.organizer);
  }

  /** An execution; an unknown id is an error. */
  get(id: string): Promise<ArchivedExecution> {
    return requireExecution(this.organizer, id);
  }

  /** Where a stored result is: undefined when the cache has no entry of that fingerprint (or cannot list). */
  async entry(fingerprint: string): Promise<CacheEntryInfo | undefined> {
    if (fingerprint === "") return undefined;
    return this.organizer.inventory?.().entry(fingerprint);
  }

  /** The file of an execution's log, or a step's, when the organizer keeps one. */
  logPath(id: string, step?: string): string | undefined {
    return this.organizer.logPath?.(id, step);
  }

  async diff(first: string, second: string): Promise<ExecutionDiff> {
    const [a, b] = [await this.get(first), await this.get(second)];
    const inventory = this.organizer.inventory?.();
    return diffExecutions(a, b, {
      keys: {
        ...(await keysOf(this.organizer, first, "first")),
        ...(await keysOf(this.organizer, second, "second")),
      },
      digestOf: async (fingerprint, format) => {
        const entry = await inventory?.entry(fingerprint);
        return entry?.format === format ? entry.digest : undefined;
      },
    });
  }

  cacheInfo(): Promise<CacheInfo> {
    return cacheInfo(this.organizer);
  }

  /** Removes the cache entries no kept execution uses (see collectCacheGarbage). */
  collectGarbage(
    policy: RetentionPolicy,
    options: { dryRun?: boolean; onRemove?: (entry: CacheEntryInfo) => void } = {},
  ): Promise<CacheGcReport> {
    return collectCacheGarbage(this.organizer, policy, options);
  }

  /** Removes one entry, unless a running execution uses it or another process holds it. */
  removeEntry(fingerprint: string): Promise<RemoveOutcome> {
    return requireInventory(this.organizer).remove(fingerprint);
  }
}

async function keysOf(organizer: WorkflowOrganizer, id: string, side: "first" | "second") {
  const keys = await organizer.keysOf?.(id);
  return keys === undefined ? {} : { [side]: keys };
}

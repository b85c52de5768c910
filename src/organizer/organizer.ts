import type { WorkflowCache } from "../cache/cache.js";
import type { CacheInventory } from "../cache/inventory.js";
import type { WorkflowCallback } from "../executor/callback.js";
import type { ExecutionOutcome, ExecutionRun, WorkflowExecutor } from "../executor/executor.js";
import type { FieldDigestMemo } from "../executor/input-digests.js";
import type { ExecutionKeys } from "../fingerprint/step-key.js";
import type { ClassRegistry } from "../format/class-registry.js";
import type { FormatRegistry } from "../format/registry.js";
import type { WorkflowGraph } from "../graph/graph.js";
import type { LogLevel, LogSink } from "../logging/logger.js";
import type { ArchivedExecution } from "./archive.js";
import type { ExecutionSummary } from "./execution-summary.js";
import type { ExecutionMetadata } from "./metadata.js";

export interface OrganizerRunOptions {
  /** A new id; one that exists is refused. Generated when absent. */
  readonly executionId?: string;
  /** Run only these steps and their dependencies. */
  readonly targets?: readonly string[];
  readonly executor?: WorkflowExecutor;
  /** Extra callbacks (a progress display, say), after the organizer's own. */
  readonly callbacks?: readonly WorkflowCallback[];
  /** Extra places every log line goes (the terminal, say). */
  readonly logSinks?: readonly LogSink[];
  readonly logLevel?: LogLevel;
  readonly metadata: ExecutionMetadata;
  /** See `ExecutionRun.construct`. */
  readonly construct?: ExecutionRun["construct"];
  /** Cancels the run when aborted. */
  readonly signal?: AbortSignal;
  /** See `ExecutionRun.force`, `.classes`, `.fieldDigests`. */
  readonly force?: readonly string[];
  readonly classes?: ClassRegistry;
  readonly fieldDigests?: FieldDigestMemo;
}

export interface OrganizerRunResult extends ExecutionOutcome {
  readonly execution: ArchivedExecution;
}

/**
 * Owns the cache and the record of executions: runs a graph as a new execution, records its
 * graph, metadata, states and logs, and finds past executions again.
 */
export interface WorkflowOrganizer {
  readonly kind: string;
  readonly cache: WorkflowCache;
  run(graph: WorkflowGraph, options: OrganizerRunOptions): Promise<OrganizerRunResult>;
  /** A past execution, or undefined when there is none with that id. */
  get(id: string): Promise<ArchivedExecution | undefined>;
  /** Ids of recorded executions, oldest first. */
  list(): Promise<string[]>;
  /** Forgets an execution (its cached results stay in the cache). An unknown id is an error. */
  remove(id: string): Promise<void>;
  /** The cached result of `step` in a past execution. */
  readResult(execution: ArchivedExecution, step: string, formats: FormatRegistry): Promise<unknown>;
  /** The step's own directory for `useStepWorkdir`, kept across runs of the same fingerprint. */
  workdir(fingerprint: string): string;
  /**
   * The key parts recorded with past executions, newest first, for `--dry-run` and `explain`.
   * Absent or empty for organizers that keep none.
   */
  keys?(): AsyncIterable<{ readonly id: string; readonly keys: ExecutionKeys }>;
  /** The key parts recorded with execution `id` (`formed workflow diff`); undefined when it has none. */
  keysOf?(id: string): Promise<ExecutionKeys | undefined>;
  /**
   * Every execution's summary, newest first, without reading step records (`formed workflow
   * list`). Absent: `listExecutions` reads every execution with `get`.
   */
  summaries?(): Promise<ExecutionSummary[]>;
  /** The file of an execution's log, or of one of its steps' logs, for organizers that keep one. */
  logPath?(id: string, step?: string): string;
  /** The cache's entries, for caches that can list them (`formed cache info`, `gc`, `remove`). */
  inventory?(): CacheInventory;
}

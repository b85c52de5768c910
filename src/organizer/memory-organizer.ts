import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { WorkflowCache } from "../cache/cache.js";
import { MemoryCache } from "../cache/memory.js";
import { FormedError } from "../errors.js";
import type { ExecutionKeys } from "../fingerprint/step-key.js";
import type { ClassRegistry } from "../format/class-registry.js";
import { formatLogLine } from "../logging/logger.js";
import type { ExecutionState, StepState } from "../step/context.js";
import type { ArchivedExecution, ArchivedGraph } from "./archive.js";
import type { ExecutionMetadata } from "./metadata.js";
import { type ExecutionRecord, RecordingOrganizer } from "./recording-organizer.js";

export interface MemoryOrganizerOptions {
  cache?: WorkflowCache;
  /** Classes the default cache can write through formats (for result digests). */
  classes?: ClassRegistry;
}

interface MemoryExecution {
  graph?: ArchivedGraph;
  metadata?: ExecutionMetadata;
  state: ExecutionState;
  steps: Record<string, StepState>;
  log: string[];
  stepLogs: Record<string, string[]>;
  keys?: ExecutionKeys;
}

/** Keeps executions and results in this process only: for tests and throwaway runs. */
export class MemoryOrganizer extends RecordingOrganizer {
  readonly kind = "memory";
  readonly cache: WorkflowCache;
  readonly #executions = new Map<string, MemoryExecution>();
  #workdirRoot: string | undefined;

  constructor(options: MemoryOrganizerOptions = {}) {
    super();
    this.cache =
      options.cache ?? new MemoryCache(options.classes === undefined ? {} : { classes: options.classes });
  }

  protected async createRecord(id: string): Promise<ExecutionRecord> {
    if (this.#executions.has(id)) {
      throw new FormedError("E_EXECUTION", `execution ${id} already exists`, {
        hint: "choose another --execution-id",
      });
    }
    const entry: MemoryExecution = { state: { status: "pending" }, steps: {}, log: [], stepLogs: {} };
    this.#executions.set(id, entry);
    return {
      writeGraph: async (graph) => {
        entry.graph = graph;
      },
      writeMetadata: async (metadata) => {
        entry.metadata = metadata;
      },
      writeState: async (state) => {
        entry.state = { ...state };
      },
      writeStepState: async (node, state) => {
        entry.steps[node.name] = { ...state };
      },
      writeKeys: async (keys) => {
        entry.keys = keys;
      },
      executionLog: (record) => {
        entry.log.push(formatLogLine(record));
      },
      stepLog: (node) => (record) => {
        const lines = entry.stepLogs[node.name] ?? [];
        lines.push(formatLogLine(record));
        entry.stepLogs[node.name] = lines;
      },
    };
  }

  async get(id: string): Promise<ArchivedExecution | undefined> {
    const entry = this.#executions.get(id);
    if (entry?.graph === undefined || entry.metadata === undefined) return undefined;
    return { id, graph: entry.graph, metadata: entry.metadata, state: entry.state, steps: entry.steps };
  }

  /** The log lines of an execution, or of one of its steps. */
  log(id: string, step?: string): string[] {
    const entry = this.#executions.get(id);
    if (entry === undefined) return [];
    return step === undefined ? [...entry.log] : [...(entry.stepLogs[step] ?? [])];
  }

  async list(): Promise<string[]> {
    return [...this.#executions.keys()];
  }

  async remove(id: string): Promise<void> {
    if (!this.#executions.delete(id)) {
      throw new FormedError("E_EXECUTION", `no execution ${id}`);
    }
  }

  async *keys(): AsyncIterable<{ id: string; keys: ExecutionKeys }> {
    for (const [id, entry] of [...this.#executions].reverse()) {
      if (entry.keys !== undefined) yield { id, keys: entry.keys };
    }
  }

  async keysOf(id: string): Promise<ExecutionKeys | undefined> {
    return this.#executions.get(id)?.keys;
  }

  workdir(fingerprint: string): string {
    this.#workdirRoot ??= mkdtempSync(join(tmpdir(), "formed-workdir-"));
    return join(this.#workdirRoot, fingerprint);
  }
}

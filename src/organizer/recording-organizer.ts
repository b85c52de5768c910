import type { WorkflowCache } from "../cache/cache.js";
import { FormedError } from "../errors.js";
import type { WorkflowCallback } from "../executor/callback.js";
import { DefaultExecutor } from "../executor/default-executor.js";
import type { ExecutionRun } from "../executor/executor.js";
import { type ExecutionKeys, ExecutionKeysBuilder } from "../fingerprint/step-key.js";
import type { FormatRegistry } from "../format/registry.js";
import type { WorkflowGraph } from "../graph/graph.js";
import type { StepNode } from "../graph/step-node.js";
import { type LogLevel, type LogSink, SinkLogger } from "../logging/logger.js";
import type { ExecutionState, StepState } from "../step/context.js";
import { type ArchivedExecution, type ArchivedGraph, archiveGraph } from "./archive.js";
import { newExecutionId, validateExecutionId } from "./execution-id.js";
import type { ExecutionMetadata } from "./metadata.js";
import type { OrganizerRunOptions, OrganizerRunResult, WorkflowOrganizer } from "./organizer.js";

/** Where one execution's record goes; each organizer keeps it its own way. */
export interface ExecutionRecord {
  writeGraph(graph: ArchivedGraph): Promise<void>;
  writeMetadata(metadata: ExecutionMetadata): Promise<void>;
  writeState(state: ExecutionState): Promise<void>;
  writeStepState(node: StepNode, state: StepState): Promise<void>;
  /**
   * A step's key is made: called before the cache is asked for its entry, so a record that
   * names the entries in use (for `formed cache gc`) names this one before it can be read.
   */
  stepKeyed?(node: StepNode, fingerprint: string): void;
  /**
   * Called when a step's result is ready: it ran, or was found in the cache (`node.shouldBeCached`
   * tells whether it is in the cache). `load` reads the value, lazily for a cached step.
   */
  recordResult?(node: StepNode, fingerprint: string, load: () => Promise<unknown>): Promise<void>;
  /** The parts every step's key was made from (written once, when the execution ends). */
  writeKeys?(keys: ExecutionKeys): Promise<void>;
  readonly executionLog: LogSink;
  stepLog(node: StepNode): LogSink;
}

/**
 * The part every organizer shares: one execution = a new record, the graph and metadata written
 * first, every state change written as it happens, logs to the record and to any extra sinks.
 */
export abstract class RecordingOrganizer implements WorkflowOrganizer {
  abstract readonly kind: string;
  abstract readonly cache: WorkflowCache;

  /** Creates the record for a new execution; an id that exists is refused (atomically). */
  protected abstract createRecord(id: string): Promise<ExecutionRecord>;
  abstract get(id: string): Promise<ArchivedExecution | undefined>;
  abstract list(): Promise<string[]>;
  abstract remove(id: string): Promise<void>;
  abstract workdir(fingerprint: string): string;

  async run(graph: WorkflowGraph, options: OrganizerRunOptions): Promise<OrganizerRunResult> {
    const id = validateExecutionId(options.executionId ?? newExecutionId());
    if (options.targets !== undefined) graph.closure(options.targets); // unknown names fail before anything is recorded
    const record = await this.createRecord(id);
    const archived = archiveGraph(graph);
    await record.writeGraph(archived);
    await record.writeMetadata(options.metadata);

    const extraSinks = options.logSinks ?? [];
    const level = options.logLevel ?? "info";
    const run: ExecutionRun = {
      id,
      cache: this.cache,
      callbacks: [recordingCallback(record), ...(options.callbacks ?? [])],
      ...(options.targets === undefined ? {} : { targets: options.targets }),
      logger: new SinkLogger([record.executionLog, ...extraSinks], { level }),
      stepLogger: (node) =>
        new SinkLogger([record.stepLog(node), record.executionLog, ...extraSinks], {
          level,
          step: node.name,
        }),
      workdir: (fingerprint) => this.workdir(fingerprint),
      ...(options.force === undefined ? {} : { force: options.force }),
      ...(options.classes === undefined ? {} : { classes: options.classes }),
      ...(options.fieldDigests === undefined ? {} : { fieldDigests: options.fieldDigests }),
      ...(options.construct === undefined ? {} : { construct: options.construct }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    };
    const outcome = await (options.executor ?? new DefaultExecutor()).execute(graph, run);
    const execution: ArchivedExecution = {
      id,
      graph: archived,
      metadata: options.metadata,
      state: outcome.context.state,
      steps: Object.fromEntries(outcome.steps),
    };
    return { ...outcome, execution };
  }

  async readResult(execution: ArchivedExecution, step: string, formats: FormatRegistry): Promise<unknown> {
    const archived = execution.graph.steps[step];
    if (archived === undefined) {
      throw new FormedError("E_NOT_FOUND", `execution ${execution.id} has no step "${step}"`, {
        hint: `its steps are: ${execution.graph.order.join(", ")}`,
      });
    }
    const fingerprint = execution.steps[step]?.fingerprint ?? "";
    if (fingerprint === "") {
      throw new FormedError(
        "E_NOT_FOUND",
        `step "${step}" of execution ${execution.id} never ran, so it has no result`,
      );
    }
    const key = { fingerprint, format: formats.resolve(archived.format) };
    if (!(await this.cache.has(key))) {
      throw new FormedError(
        "E_NOT_FOUND",
        `the result of step "${step}" of execution ${execution.id} (fingerprint ${fingerprint}) is not in the ${this.cache.kind} cache`,
        {
          hint: archived.shouldBeCached
            ? "run the workflow again to compute it"
            : "the step is not cacheable, so its result was never stored",
        },
      );
    }
    return this.cache.get(key);
  }
}

function recordingCallback(record: ExecutionRecord): WorkflowCallback {
  // Progress goes to the execution's log only, not to the extra sinks: the terminal shows it its own way.
  const note = (level: LogLevel, message: string) =>
    record.executionLog({ level, message, time: new Date() });
  const keys = new ExecutionKeysBuilder();
  return {
    onStepKey: (_step, node, key) => {
      record.stepKeyed?.(node, key.fingerprint);
      keys.add(node.name, key, node.key.code);
    },
    onExecutionStart: async (execution, graph) => {
      note("info", `execution ${execution.id} started (${graph.size} steps)`);
      await record.writeState(execution.state);
    },
    onStepStart: (step, node) => record.writeStepState(node, step.state),
    onStepResult: (step, node, load) => record.recordResult?.(node, step.info.fingerprint, load),
    onStepEnd: async (step, node) => {
      const { status, error } = step.state;
      note(
        status === "failure" ? "error" : "info",
        `step ${node.name} ${status}${error === undefined ? "" : `: ${error}`}`,
      );
      await record.writeStepState(node, step.state);
    },
    onExecutionEnd: async (execution) => {
      note(
        execution.state.status === "completed" ? "info" : "error",
        `execution ${execution.id} ${execution.state.status}`,
      );
      // Before the final state: an execution that reads as ended has its keys.
      if (keys.size > 0) await record.writeKeys?.(keys.build());
      await record.writeState(execution.state);
    },
  };
}

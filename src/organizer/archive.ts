import type { StepConfig } from "../config/workflow-config.js";
import type { WorkflowGraph } from "../graph/graph.js";
import type { ExecutionState, ExecutionStatus, StepState, StepStatus } from "../step/context.js";
import type { ExecutionMetadata } from "./metadata.js";

/**
 * A step as recorded with a past execution: plain data, read back without loading any user
 * module. (The live `StepNode` is a different type: it can run.)
 */
export interface ArchivedStep {
  readonly name: string;
  readonly type: string;
  readonly version: string;
  readonly format: string;
  readonly deterministic: boolean;
  readonly cacheable: boolean | null;
  readonly shouldBeCached: boolean;
  readonly config: StepConfig;
  readonly dependencies: readonly string[];
  readonly ignoredArguments: readonly string[];
}

export interface ArchivedGraph {
  /** Step names in execution order. */
  readonly order: readonly string[];
  readonly steps: Readonly<Record<string, ArchivedStep>>;
}

/**
 * "interrupted": the record says pending or running, but the process that ran it is dead (it was
 * killed, or its machine stopped): it will never end on its own.
 */
export type ArchivedExecutionStatus = ExecutionStatus | "interrupted";
export type ArchivedStepStatus = StepStatus | "interrupted";

export interface ArchivedExecutionState extends Omit<ExecutionState, "status"> {
  status: ArchivedExecutionStatus;
}

export interface ArchivedStepState extends Omit<StepState, "status"> {
  status: ArchivedStepStatus;
}

/** A past (or running) execution as an organizer records it. */
export interface ArchivedExecution {
  readonly id: string;
  readonly graph: ArchivedGraph;
  readonly metadata: ExecutionMetadata;
  readonly state: ArchivedExecutionState;
  /**
   * The state of each step that was part of the run (all of them, or those `--step` selected),
   * with its fingerprint: made when the results it reads existed, so it is not in `graph`.
   */
  readonly steps: Readonly<Record<string, ArchivedStepState>>;
}

export function archiveGraph(graph: WorkflowGraph): ArchivedGraph {
  const steps: Record<string, ArchivedStep> = {};
  for (const node of graph.nodes()) {
    steps[node.name] = {
      name: node.name,
      type: node.type,
      version: node.version,
      format: node.format.identifier,
      deterministic: node.deterministic,
      cacheable: node.cacheable ?? null,
      shouldBeCached: node.shouldBeCached,
      config: node.config,
      dependencies: node.dependencies,
      ignoredArguments: node.ignoredArguments,
    };
  }
  return { order: graph.order, steps };
}

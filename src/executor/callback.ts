import type { StepKeyRecord } from "../fingerprint/step-key.js";
import type { WorkflowGraph } from "../graph/graph.js";
import type { StepNode } from "../graph/step-node.js";
import type { ExecutionContext, StepContext } from "../step/context.js";

/**
 * Hooks around an execution and each of its steps. Every hook is optional; a hook may be async,
 * and the executor waits for it. `onStepEnd` sees the final state: completed, cached or failure.
 */
export interface WorkflowCallback {
  onExecutionStart?(execution: ExecutionContext, graph: WorkflowGraph): void | Promise<void>;
  /** The step's key is made (its inputs are ready): what it was made from, before the step starts. */
  onStepKey?(step: StepContext, node: StepNode, key: StepKeyRecord): void | Promise<void>;
  onStepStart?(step: StepContext, node: StepNode): void | Promise<void>;
  /**
   * A step's result is ready (it ran, or was found in the cache). `load` reads it: for a cached
   * step only when called, so a callback that does not need the value costs nothing.
   */
  onStepResult?(step: StepContext, node: StepNode, load: () => Promise<unknown>): void | Promise<void>;
  onStepEnd?(step: StepContext, node: StepNode): void | Promise<void>;
  onExecutionEnd?(execution: ExecutionContext, graph: WorkflowGraph): void | Promise<void>;
}

import type { WorkflowCache } from "../cache/cache.js";
import type { ClassRegistry } from "../format/class-registry.js";
import type { WorkflowGraph } from "../graph/graph.js";
import type { StepNode } from "../graph/step-node.js";
import type { Logger } from "../logging/logger.js";
import type { ExecutionContext, StepState } from "../step/context.js";
import type { WorkflowCallback } from "./callback.js";
import type { FieldDigestMemo } from "./input-digests.js";

/** What an organizer hands an executor for one execution. */
export interface ExecutionRun {
  readonly id: string;
  readonly cache: WorkflowCache;
  readonly callbacks: readonly WorkflowCallback[];
  /** Run only these steps and what they depend on; all steps when absent. */
  readonly targets?: readonly string[];
  /** The execution's log. */
  readonly logger: Logger;
  /** The log of one step. */
  stepLogger(node: StepNode): Logger;
  /** The directory of the step whose fingerprint is `fingerprint` (see `useStepWorkdir`). */
  workdir(fingerprint: string): string;
  /**
   * Builds the objects a step's arguments describe (classes, Registrable choices, Dates...) from
   * its config, refs already replaced by results. Absent: the arguments are passed as written.
   */
  construct?(node: StepNode, args: Record<string, unknown>): Promise<Record<string, unknown>>;
  /** Aborting it cancels the run: no further step starts, and the running one is abandoned. */
  readonly signal?: AbortSignal;
  /** Steps to run again even when cached (`--force`); their entries are replaced. */
  readonly force?: readonly string[];
  /** Classes formats can write, for digests of results that are not stored. */
  readonly classes?: ClassRegistry;
  /** Digests of fields read by field refs, remembered across runs. */
  readonly fieldDigests?: FieldDigestMemo;
}

export interface ExecutionOutcome {
  readonly context: ExecutionContext;
  /** The final state of each step that was part of the run. */
  readonly steps: ReadonlyMap<string, StepState>;
  /** The error that failed the execution, when it failed. */
  readonly error?: unknown;
}

/** Runs a graph. The default one is sequential; others may run steps in parallel. */
export interface WorkflowExecutor {
  /** Refuses, before anything runs, what this executor could never run (a step asking for more than there is). */
  check?(graph: WorkflowGraph, targets?: readonly string[]): void;
  execute(graph: WorkflowGraph, run: ExecutionRun): Promise<ExecutionOutcome>;
}

/**
 * The messages between the main process and a step worker process (Node's IPC channel, JSON).
 * Values never travel here: a job names the cache entries its step reads, and the step's result
 * goes to the cache, so a large result is written once and read by whoever needs it.
 */
import type { StepConfig } from "../../config/workflow-config.js";
import type { StepRef } from "../../graph/ref.js";
import type { LogLevel } from "../../logging/logger.js";

/** How a worker opens the project: the same folder and settings file as the main process. */
export interface WorkerProject {
  readonly cwd: string;
  readonly settingsFile?: string;
}

/** What a worker is started with (JSON in an environment variable). */
export interface WorkerStart extends WorkerProject {
  /** The main process's pid: the worker dies with it. */
  readonly parent: number;
}

/** Environment variable carrying the `WorkerStart` (JSON) to a worker process. */
export const WORKER_PROJECT_VARIABLE = "FORMED_WORKER_PROJECT";

export interface WorkerJob {
  readonly step: string;
  readonly type: string;
  readonly config: StepConfig;
  readonly refs: readonly StepRef[];
  readonly fingerprint: string;
  readonly version: string;
  readonly forced: boolean;
  readonly execution: string;
  readonly workdir: string;
  /** The cache entry of each step it reads: its fingerprint, and its type (whose format it was stored in). */
  readonly inputs: Readonly<Record<string, { readonly fingerprint: string; readonly type: string }>>;
  /** The main process's cache attachment for the new entry (see `WorkflowCache.attachment`). */
  readonly attachment?: string;
}

export type ToWorker = { readonly kind: "run"; readonly job: WorkerJob };

export type FromWorker =
  | { readonly kind: "ready" }
  /** The worker cannot serve: its project did not load. */
  | { readonly kind: "fatal"; readonly message: string }
  | {
      readonly kind: "log";
      /** The step's log, or the execution's. */
      readonly scope: "step" | "execution";
      readonly level: LogLevel;
      readonly message: string;
      readonly detail?: string;
    }
  /** `ms`: how long the step's function computed in the worker (a generator's: the whole job). */
  | { readonly kind: "done"; readonly ms: number }
  /** `message`: the step's own error; `whole`: the complete message when it is not "step X failed: <message>". */
  | {
      readonly kind: "failed";
      readonly message: string;
      readonly whole?: string;
      /** Set when an input's cache entry was unusable: the main process computes the step itself. */
      readonly unusableInput?: string;
    };

import { AsyncLocalStorage } from "node:async_hooks";
import { mkdirSync } from "node:fs";
import type { StepConfig } from "../config/workflow-config.js";
import type { Logger } from "../logging/logger.js";

export type StepStatus = "pending" | "running" | "completed" | "cached" | "failure" | "canceled";

export interface StepState {
  status: StepStatus;
  fingerprint: string;
  startedAt?: string;
  finishedAt?: string;
  /** The error message, when the step failed. */
  error?: string;
}

/** What a running step can know about itself. */
export interface StepInfo {
  /** The step's name in the config (`steps.NAME`). */
  readonly name: string;
  /** The registered step type (`type` in config). */
  readonly type: string;
  readonly fingerprint: string;
  readonly version: string;
  readonly config: StepConfig;
}

export interface StepContext {
  readonly info: StepInfo;
  readonly state: StepState;
  readonly logger: Logger;
  /** The step's own directory, kept across runs of the same fingerprint; created on first use. */
  readonly workdir: string;
  readonly execution: ExecutionContext;
  /** Where the step runs when not in this process (a `formed worker`'s host), set by the executor that sent it there. */
  host?: string;
}

export type ExecutionStatus = "pending" | "running" | "completed" | "failure" | "canceled";

export interface ExecutionState {
  status: ExecutionStatus;
  startedAt?: string;
  finishedAt?: string;
  error?: string;
}

/** What the whole run can know about itself. */
export interface ExecutionContext {
  readonly id: string;
  readonly state: ExecutionState;
  readonly logger: Logger;
}

interface ContextStore {
  step?: StepContext;
  execution?: ExecutionContext;
}

// One storage per process, shared by every copy of this package a process may load
// (the CLI's own and a user project's node_modules/formed), so the hooks work in both.
const STORAGE_KEY = Symbol.for("formed.context-storage");
const globalHolder = globalThis as { [STORAGE_KEY]?: AsyncLocalStorage<ContextStore> };
globalHolder[STORAGE_KEY] ??= new AsyncLocalStorage();
const storage: AsyncLocalStorage<ContextStore> = globalHolder[STORAGE_KEY];

export function runInExecutionContext<R>(execution: ExecutionContext, fn: () => R): R {
  return storage.run({ execution }, fn);
}

export function runInStepContext<R>(step: StepContext, fn: () => R): R {
  return storage.run({ execution: step.execution, step }, fn);
}

function currentStep(hook: string): StepContext {
  const step = storage.getStore()?.step;
  if (step === undefined) {
    throw new Error(`${hook}() can only be called while a workflow step is running`);
  }
  return step;
}

export function useStepContext(): StepContext {
  return currentStep("useStepContext");
}

export function useStepLogger(): Logger {
  return currentStep("useStepLogger").logger;
}

export function useStepWorkdir(): string {
  const { workdir } = currentStep("useStepWorkdir");
  mkdirSync(workdir, { recursive: true });
  return workdir;
}

export function useExecutionContext(): ExecutionContext {
  const execution = storage.getStore()?.execution;
  if (execution === undefined) {
    throw new Error("useExecutionContext() can only be called while a workflow runs");
  }
  return execution;
}

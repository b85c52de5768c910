/**
 * What `formed ui` shows, read from the working directory's records: every lookup goes through
 * `ExecutionRecords` (the organizer's own `get`, `keysOf`, `logPath`, `diff`), so an id or step
 * name from a URL is only ever a key into what the organizer recorded, never a path.
 */
import { FormedError } from "../../errors.js";
import { describeDifference } from "../../fingerprint/key-diff.js";
import type { StepKeyRecord } from "../../fingerprint/step-key.js";
import type { ArchivedExecution, ArchivedStep, ArchivedStepState } from "../../organizer/archive.js";
import { validateExecutionId } from "../../organizer/execution-id.js";
import type { ExecutionRecords } from "../../workflow/execution-records.js";

/** An id or step that is not in the records: the server answers 404. */
export class NotFound extends Error {}

export interface StepView {
  readonly execution: string;
  readonly step: ArchivedStep;
  readonly state?: ArchivedStepState;
  readonly key?: StepKeyRecord;
  /** Hashes of the code units its key names. */
  readonly units: Readonly<Record<string, string>>;
  /** Why it ran, was reused, or did not finish. */
  readonly reason: readonly string[];
  readonly hasLog: boolean;
}

export class UiRecords {
  constructor(readonly records: ExecutionRecords) {}

  /** The execution of a URL's id: validated as an id first, then looked up. */
  async execution(id: string): Promise<ArchivedExecution> {
    try {
      validateExecutionId(id);
    } catch {
      throw new NotFound(`no execution ${JSON.stringify(id)}`);
    }
    const execution = await this.records.organizer.get(id);
    if (execution === undefined) throw new NotFound(`no execution ${JSON.stringify(id)}`);
    return execution;
  }

  /** A step of an execution: only names its graph records. */
  async step(id: string, name: string): Promise<{ execution: ArchivedExecution; step: ArchivedStep }> {
    const execution = await this.execution(id);
    const step = Object.hasOwn(execution.graph.steps, name) ? execution.graph.steps[name] : undefined;
    if (step === undefined) throw new NotFound(`execution ${id} has no step ${JSON.stringify(name)}`);
    return { execution, step };
  }

  /** The log file of an execution (no step) or of one of its steps, once both are validated. */
  async logPath(id: string, name?: string): Promise<string | undefined> {
    if (name === undefined) await this.execution(id);
    else await this.step(id, name);
    return this.records.logPath(id, name);
  }

  async stepView(id: string, name: string): Promise<StepView> {
    const { execution, step } = await this.step(id, name);
    const keys = await this.records.organizer.keysOf?.(id);
    const key = keys?.steps[name];
    const units: Record<string, string> = {};
    for (const unit of key?.units ?? []) units[unit] = keys?.units[unit]?.hash ?? "";
    const state = execution.steps[name];
    return {
      execution: id,
      step,
      ...(state === undefined ? {} : { state }),
      ...(key === undefined ? {} : { key }),
      units,
      reason: await this.#reason(execution, name, state),
      hasLog: this.records.logPath(id, name) !== undefined,
    };
  }

  async #reason(execution: ArchivedExecution, name: string, state?: ArchivedStepState): Promise<string[]> {
    switch (state?.status) {
      case undefined:
        return ["did not run: not selected by --step, or the run stopped before it"];
      case "cached":
        return [`reused: a result of fingerprint ${state.fingerprint} was in the cache`];
      case "failure":
        return [`failed: ${state.error ?? "(no message)"}`];
      case "canceled":
        return ["canceled before it finished"];
      case "interrupted":
        return ["interrupted: the process running it died"];
      case "pending":
        return ["waiting for the steps it reads"];
      case "running":
        return ["running now"];
      case "completed":
        return this.#whyRan(execution, name);
    }
  }

  /** What `formed workflow diff` says of this step against the latest earlier execution of it. */
  async #whyRan(execution: ArchivedExecution, name: string): Promise<string[]> {
    // list() is newest first: the executions after this one started before it.
    const all = await this.records.list();
    const earlier = all.slice(all.findIndex((summary) => summary.id === execution.id) + 1);
    for (const summary of earlier) {
      const keys = await this.records.organizer.keysOf?.(summary.id);
      if (keys?.steps[name] === undefined) continue;
      const diff = await this.records.diff(summary.id, execution.id);
      const step = diff.steps.find((candidate) => candidate.name === name);
      const lines = (step?.differences ?? []).map(describeDifference);
      const prefix = `ran: its key differs from execution ${summary.id}'s`;
      return lines.length === 0
        ? [`ran: the key is that of execution ${summary.id}, but its result was not in the cache`]
        : [prefix, ...lines];
    }
    return ["ran: no earlier execution recorded this step"];
  }
}

export function isNotFound(error: unknown): boolean {
  return error instanceof NotFound || (error instanceof FormedError && error.code === "E_EXECUTION");
}

/**
 * The one scheduler of every executor: which step may start (everything it reads is done, a job
 * slot is free, in config order among the ready ones), what a step's resources allow, what a
 * failure stops (everything, or with keep-going only the steps that read it) and what a cancel
 * does (nothing more starts). Executors differ only in where a started step runs (see
 * `StepRunner`); the sequential executor is this with one slot.
 */
import { type Release, ResourceGate, type ResourceRequest } from "./resource-gate.js";
import { ExecutionCanceledError } from "./run-fault.js";

export interface SchedulableStep {
  readonly name: string;
  /** Names of the steps it reads; those outside the scheduled set are taken as done. */
  readonly dependencies: readonly string[];
}

export interface SchedulerOptions {
  /** Steps running at once. */
  readonly jobs: number;
  /** Capacity of each named resource; one not named here is unlimited. */
  readonly resources?: ResourceRequest;
  /** A failed step stops only its readers (default: it stops every step not yet started). */
  readonly keepGoing?: boolean;
  /** Aborted: nothing more starts (the running tasks see the same signal and stop themselves). */
  readonly signal?: AbortSignal;
}

/** What a running task may ask of the scheduler. */
export interface TaskSlot {
  /**
   * Waits until `resources` are free too (the task's job slot is given up while it waits, so
   * other steps run meanwhile). Rejects with `NotStartedError` when the run stops first.
   */
  acquire(resources: ResourceRequest): Promise<void>;
}

/** A task that was stopped before it started (another step failed, or the run was canceled). */
export class NotStartedError extends Error {
  constructor() {
    super("not started: the run stopped first");
    this.name = "NotStartedError";
  }
}

export interface ScheduleResult {
  /** Each failed step's error, in the order they failed. */
  readonly failures: ReadonlyMap<string, unknown>;
  /** Steps that did not run because a step they read failed. */
  readonly blocked: readonly string[];
  /** The cancel or fault that ended the run, when one did. */
  readonly interruption?: unknown;
}

// A name no user resource can have (those are identifiers).
const SLOTS = " jobs";

export function schedule<S extends SchedulableStep>(
  steps: readonly S[],
  task: (step: S, slot: TaskSlot) => Promise<void>,
  options: SchedulerOptions,
): Promise<ScheduleResult> {
  return new Scheduler(steps, task, options).run();
}

class Scheduler<S extends SchedulableStep> {
  readonly #gate: ResourceGate;
  readonly #priority = new Map<string, number>();
  readonly #waitingFor = new Map<string, number>();
  readonly #readers = new Map<string, S[]>();
  readonly #failures = new Map<string, unknown>();
  readonly #blocked = new Set<string>();
  #interruption: unknown;
  #inFlight = 0;
  #stopped = false;
  #finish: (() => void) | undefined;

  constructor(
    readonly steps: readonly S[],
    readonly task: (step: S, slot: TaskSlot) => Promise<void>,
    readonly options: SchedulerOptions,
  ) {
    this.#gate = new ResourceGate({ ...options.resources, [SLOTS]: Math.max(1, options.jobs) });
    for (const [index, step] of steps.entries()) this.#priority.set(step.name, index);
    for (const step of steps) {
      const inputs = new Set(step.dependencies.filter((name) => this.#priority.has(name)));
      this.#waitingFor.set(step.name, inputs.size);
      for (const input of inputs) {
        const readers = this.#readers.get(input) ?? [];
        readers.push(step);
        this.#readers.set(input, readers);
      }
    }
  }

  async run(): Promise<ScheduleResult> {
    const signal = this.options.signal;
    const onAbort = () => this.#stop(signal?.reason ?? new ExecutionCanceledError());
    if (signal?.aborted === true) onAbort();
    else signal?.addEventListener("abort", onAbort, { once: true });
    try {
      const done = new Promise<void>((resolve) => {
        this.#finish = resolve;
      });
      for (const step of this.steps) if (this.#waitingFor.get(step.name) === 0) this.#start(step);
      if (this.#inFlight > 0) await done;
    } finally {
      signal?.removeEventListener("abort", onAbort);
    }
    return {
      failures: this.#failures,
      blocked: this.steps.map((step) => step.name).filter((name) => this.#blocked.has(name)),
      ...(this.#interruption === undefined ? {} : { interruption: this.#interruption }),
    };
  }

  #start(step: S): void {
    if (this.#stopped) return;
    this.#inFlight++;
    const priority = this.#priority.get(step.name)!;
    let release: Release | undefined;
    /** What the task holds besides its job slot (a `!` step run again inside its reader's task changes it). */
    let holding = "{}";
    const slot: TaskSlot = {
      acquire: async (resources) => {
        const entries = Object.entries(resources).sort();
        const wanted = entries.length === 0 ? "{}" : JSON.stringify(entries);
        if (wanted === holding) return;
        release?.();
        release = undefined;
        release = await this.#gate.acquire({ ...resources, [SLOTS]: 1 }, priority).catch(() => {
          throw new NotStartedError();
        });
        holding = wanted;
      },
    };
    this.#gate
      .acquire({ [SLOTS]: 1 }, priority)
      .then(
        async (held) => {
          release = held;
          await this.task(step, slot);
          this.#succeeded(step);
        },
        () => undefined, // The run stopped while it waited: it never started.
      )
      .catch((error: unknown) => this.#failed(step, error))
      .finally(() => {
        release?.();
        this.#inFlight--;
        if (this.#inFlight === 0) this.#finish?.();
      });
  }

  #succeeded(step: S): void {
    for (const reader of this.#readers.get(step.name) ?? []) {
      const waiting = this.#waitingFor.get(reader.name)! - 1;
      this.#waitingFor.set(reader.name, waiting);
      if (waiting === 0 && !this.#blocked.has(reader.name)) this.#start(reader);
    }
  }

  #failed(step: S, error: unknown): void {
    if (error instanceof NotStartedError) return;
    if (error instanceof ExecutionCanceledError || this.#interruption !== undefined) {
      // Canceled, or failed by the fault that interrupted the run: the run's outcome says why.
      this.#interruption ??= error;
      if (!(error instanceof ExecutionCanceledError)) this.#failures.set(step.name, error);
      return;
    }
    this.#failures.set(step.name, error);
    if (this.options.keepGoing === true) this.#block(step.name);
    else this.#stop(undefined);
  }

  /** Every step that reads `name`, directly or not, will not run. */
  #block(name: string): void {
    const pending = [...(this.#readers.get(name) ?? [])];
    for (let reader = pending.pop(); reader !== undefined; reader = pending.pop()) {
      if (this.#blocked.has(reader.name)) continue;
      this.#blocked.add(reader.name);
      pending.push(...(this.#readers.get(reader.name) ?? []));
    }
  }

  /** Nothing more starts; the running steps finish (a stop by failure) or stop themselves (a cancel). */
  #stop(interruption: unknown): void {
    this.#stopped = true;
    if (interruption !== undefined) this.#interruption ??= interruption;
    this.#gate.close(new NotStartedError());
  }
}

/**
 * The worker process of the parallel executor (`dist/worker.js` runs this): it opens the same
 * project as the main process (settings, modules, registries, cache), says it is ready, and
 * then runs the steps it is sent, one at a time, each inside a step context whose log goes back
 * to the main process. Inputs are read from the cache and results written to it.
 *
 * The main process decides everything else (keys, locks, cancel): signals that reach this
 * process from a terminal are ignored (the main process kills it), and it kills itself when the
 * main process is gone (`parent-watch.ts`). What a step does to the process is turned into that
 * step's failure, as the main process's run guard does: `process.exit()` throws; an error
 * thrown in a timer, a rejection nobody handles, or a promise that can never settle fail it.
 */
import { type CacheKey, CacheMissError } from "../cache/cache.js";
import { FormedError } from "../errors.js";
import { ProcessExitError, stalledRun, thrownOutsideSteps } from "../executor/run-fault.js";
import { runStepFunction, StepFailedError, stepArguments } from "../executor/step-computation.js";
import { dieWithParent } from "../executor/worker/parent-watch.js";
import {
  type FromWorker,
  type ToWorker,
  WORKER_PROJECT_VARIABLE,
  type WorkerJob,
  type WorkerStart,
} from "../executor/worker/protocol.js";
import type { Format } from "../format/format.js";
import { type LogRecord, SinkLogger } from "../logging/logger.js";
import type { ExecutionContext, StepContext } from "../step/context.js";
import { WorkflowProject } from "./project.js";

type Outcome = Extract<FromWorker, { kind: "done" | "failed" }>;

export async function runStepWorker(): Promise<void> {
  const start = JSON.parse(process.env[WORKER_PROJECT_VARIABLE] ?? "null") as WorkerStart | null;
  if (start === null)
    throw new Error(`${WORKER_PROJECT_VARIABLE} is not set: this is formed's worker process`);
  dieWithParent(start.parent);
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, () => undefined);

  let project: WorkflowProject;
  try {
    project = await WorkflowProject.load({
      cwd: start.cwd,
      ...(start.settingsFile === undefined ? {} : { settingsFile: start.settingsFile }),
    });
  } catch (error) {
    send({ kind: "fatal", message: error instanceof Error ? error.message : String(error) });
    process.disconnect?.();
    return;
  }
  new StepWorker(project).serve();
  send({ kind: "ready" });
}

function send(message: FromWorker): void {
  process.send?.(message);
}

class StepWorker {
  /** What the running step's promise is raced against: a fault outside it ends it. */
  #fault: ((outcome: Outcome) => void) | undefined;

  constructor(readonly project: WorkflowProject) {}

  serve(): void {
    const realExit = process.exit;
    process.exit = ((code?: unknown) => {
      throw new ProcessExitError(code);
    }) as typeof process.exit;
    const failRunning = (outcome: Outcome, andExit: boolean) => {
      const fault = this.#fault;
      if (fault === undefined) return;
      // After an error thrown outside any promise, nothing in this process can be trusted.
      if (andExit) this.#exitAfterRun = () => realExit(1);
      fault(outcome);
    };
    process.on("uncaughtException", (error) =>
      failRunning(this.#faultOf(thrownOutsideSteps(error, "thrown")), true),
    );
    process.on("unhandledRejection", (reason) =>
      failRunning(this.#faultOf(thrownOutsideSteps(reason, "rejected")), false),
    );
    // While a step runs, the channel to the main process does not keep this process alive, so
    // Node reaching "nothing left to do" means the step's promise can never settle.
    process.on("beforeExit", () => failRunning(this.#faultOf(stalledRun()), false));
    process.on("message", (message: ToWorker) => {
      if (message.kind === "run") void this.#run(message.job);
    });
  }

  #current: string | undefined;
  /** Set when this process must end once the running step's outcome is sent. */
  #exitAfterRun: (() => void) | undefined;

  #faultOf(fault: { stepMessage(step: string): string }): Outcome {
    const message = fault.stepMessage(this.#current ?? "?");
    return { kind: "failed", message, whole: message };
  }

  async #run(job: WorkerJob): Promise<void> {
    this.#current = job.step;
    const faulted = new Promise<Outcome>((resolve) => {
      this.#fault = resolve;
    });
    process.channel?.unref();
    const started = performance.now();
    const outcome = await Promise.race([this.#compute(job, started), faulted]);
    this.#fault = undefined;
    this.#current = undefined;
    process.channel?.ref();
    const exit = this.#exitAfterRun;
    if (exit === undefined) send(outcome);
    else process.send?.(outcome, () => exit());
  }

  async #compute(job: WorkerJob, started: number): Promise<Outcome> {
    const registered = this.project.steps.get(job.type);
    if (registered === undefined) {
      const message = `step type "${job.type}" is not registered in the worker process (did a module change during the run?)`;
      return { kind: "failed", message };
    }
    const cache = this.project.organizer.cache;
    // How long the step's own function computes (a generator computes while it is stored, so
    // for one it is the whole job): what the main process weighs against a worker's overhead.
    let computing = Number.NaN;
    const original = registered.step.fn;
    const timed = (args: unknown) => {
      const before = performance.now();
      try {
        return original(args);
      } finally {
        computing = performance.now() - before;
      }
    };
    const generator = original.constructor.name === "GeneratorFunction";
    const step = { ...job, name: job.step, fn: generator ? original : timed, shouldBeCached: true };
    const context = this.#context(job);
    try {
      const args = await stepArguments(
        step,
        async (name) => {
          const input = job.inputs[name]!;
          const key: CacheKey = { fingerprint: input.fingerprint, format: this.#formatOf(input.type) };
          return cache.get(key).catch((error: unknown) => {
            throw error instanceof CacheMissError ? new UnusableInput(name, error.message) : error;
          });
        },
        this.project.constructArguments,
      );
      const key: CacheKey = { fingerprint: job.fingerprint, format: this.#formatOf(job.type) };
      if (job.attachment !== undefined) cache.attach?.(job.fingerprint, job.attachment);
      await runStepFunction(step, args, { cache, key, forced: job.forced, context });
      return { kind: "done", ms: generator ? performance.now() - started : computing };
    } catch (error) {
      if (error instanceof UnusableInput)
        return { kind: "failed", message: error.message, unusableInput: error.input };
      const own = error instanceof StepFailedError && error.step === job.step ? error.cause : error;
      const message = own instanceof Error ? own.message : String(own);
      const whole = error instanceof FormedError ? error.message : undefined;
      return { kind: "failed", message, ...(whole === undefined ? {} : { whole }) };
    }
  }

  #formatOf(type: string): Format {
    const registered = this.project.steps.get(type);
    return this.project.formats.resolve(registered?.step.options.format ?? "auto");
  }

  #context(job: WorkerJob): StepContext {
    const forward =
      (scope: "step" | "execution") =>
      (record: LogRecord): void =>
        send({
          kind: "log",
          scope,
          level: record.level,
          message: record.message,
          ...(record.detail === undefined ? {} : { detail: record.detail }),
        });
    const execution: ExecutionContext = {
      id: job.execution,
      state: { status: "running" },
      logger: new SinkLogger([forward("execution")]),
    };
    return {
      info: {
        name: job.step,
        type: job.type,
        fingerprint: job.fingerprint,
        version: job.version,
        config: job.config,
      },
      state: { status: "running", fingerprint: job.fingerprint, startedAt: new Date().toISOString() },
      logger: new SinkLogger([forward("step")], { step: job.step }),
      workdir: job.workdir,
      execution,
    };
  }
}

class UnusableInput extends Error {
  constructor(
    readonly input: string,
    message: string,
  ) {
    super(message);
  }
}

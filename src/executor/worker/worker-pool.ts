/**
 * The worker processes of one run: started when a step first needs one (up to `size`), each
 * loading the project's modules once and then running one step after another. A step's log
 * lines and its process's output come back as whole lines into the step's log; its result goes
 * to the cache. On cancel every busy worker is killed; a worker whose main process dies kills
 * itself (see `parent-watch.ts`).
 */
import { type ChildProcess, fork } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { packageRoot } from "../../common/package-info.js";
import { type Logger, SinkLogger } from "../../logging/logger.js";
import { ExecutionCanceledError } from "../run-fault.js";
import { StepFailedError } from "../step-computation.js";
import { InputUnusableError, type RunnerRequest } from "../step-runner.js";
import {
  type FromWorker,
  type ToWorker,
  WORKER_PROJECT_VARIABLE,
  type WorkerJob,
  type WorkerProject,
  type WorkerStart,
} from "./protocol.js";

export interface WorkerPoolOptions extends WorkerProject {
  /** Worker processes at most. */
  readonly size: number;
  /** Aborted: every busy worker is killed at once. */
  readonly signal?: AbortSignal;
}

/** Where a job's log records go: the step's log, and the execution's (a `StepContext` is one). */
export interface JobLogs {
  readonly logger: Logger;
  readonly execution: { readonly logger: Logger };
}

interface Job {
  readonly step: string;
  readonly context: JobLogs;
  readonly resolve: (ms: number) => void;
  readonly reject: (error: unknown) => void;
}

/** One worker process; `job` is what it runs now. */
class Worker {
  job: Job | undefined;
  exited = false;
  readonly ready: Promise<void>;

  constructor(readonly child: ChildProcess) {
    this.ready = new Promise<void>((resolve, reject) => {
      const onMessage = (message: FromWorker) => {
        if (message.kind === "ready") resolve();
        else if (message.kind === "fatal") reject(new Error(message.message));
        else return;
        child.off("message", onMessage);
      };
      child.on("message", onMessage);
      child.once("exit", (code, signal) =>
        reject(new Error(`the worker process exited while starting (${describeExit(code, signal)})`)),
      );
    });
    // Awaited by whoever asks for this worker; a worker never asked for must not go unhandled.
    this.ready.catch(() => undefined);
  }

  /** An idle worker keeps nothing alive: the main process may end (or find itself stalled) without it. */
  hold(busy: boolean): void {
    const handles = [this.child, this.child.channel, this.child.stdout, this.child.stderr];
    for (const handle of handles) {
      const refable = handle as { ref?: () => void; unref?: () => void } | null | undefined;
      if (busy) refable?.ref?.();
      else refable?.unref?.();
    }
  }
}

export class WorkerPool {
  readonly #options: WorkerPoolOptions;
  readonly #workers = new Set<Worker>();
  readonly #idle: Worker[] = [];
  readonly #waiting: Array<{ resolve: (worker: Worker) => void; reject: (error: unknown) => void }> = [];
  #closed = false;
  /** Workers spawned and not yet ready. */
  #starting = 0;

  constructor(options: WorkerPoolOptions) {
    this.#options = options;
    options.signal?.addEventListener("abort", () => this.#killBusy(), { once: true });
  }

  /** Runs the step in a worker; resolves, with how long it took there (ms), once its result is stored in the cache. */
  run(request: RunnerRequest): Promise<number> {
    return this.runJob(workerJob(request), request.context);
  }

  /** Runs `job` in a worker, its log records into `logs`; resolves (with the ms it took) once its result is stored. */
  async runJob(job: WorkerJob, logs: JobLogs): Promise<number> {
    const worker = await this.#take();
    try {
      return await new Promise<number>((resolve, reject) => {
        worker.job = { step: job.step, context: logs, resolve, reject };
        worker.hold(true);
        const message: ToWorker = { kind: "run", job };
        worker.child.send(message);
      });
    } finally {
      worker.job = undefined;
      this.#give(worker);
    }
  }

  /** Starts every worker process ahead of the first job (a long-lived pool pays their start before any step waits). */
  async warm(): Promise<void> {
    const starting: Promise<Worker>[] = [];
    while (this.#workers.size < this.#options.size) starting.push(this.#started(this.#spawn()));
    for (const worker of await Promise.all(starting)) this.#give(worker);
  }

  /** Kills every worker and waits for them to be gone. */
  async close(): Promise<void> {
    this.#closed = true;
    const exits = [...this.#workers].map((worker) => this.#kill(worker));
    this.#idle.length = 0;
    await Promise.all(exits);
  }

  async #take(): Promise<Worker> {
    if (this.#closed) throw new ExecutionCanceledError();
    const idle = this.#idle.pop();
    if (idle !== undefined) return idle;
    // One worker starts at a time: steps that finish quickly are done by the first before a
    // second is ready, and a start costs ~160 ms of CPU the steps would otherwise have.
    if (this.#workers.size >= this.#options.size || this.#starting > 0) {
      return new Promise<Worker>((resolve, reject) => this.#waiting.push({ resolve, reject }));
    }
    return this.#started(this.#spawn());
  }

  /** Starts one more worker for the steps waiting, if none is starting and there is room. */
  #spawnForWaiting(): void {
    if (this.#closed || this.#waiting.length === 0 || this.#starting > 0) return;
    if (this.#workers.size >= this.#options.size) return;
    this.#started(this.#spawn()).then(
      (worker) => this.#give(worker),
      (error: unknown) => this.#waiting.shift()?.reject(error),
    );
  }

  async #started(worker: Worker): Promise<Worker> {
    this.#starting++;
    try {
      await worker.ready;
      return worker;
    } catch (error) {
      this.#workers.delete(worker);
      throw new Error(`a worker process could not start: ${(error as Error).message}`);
    } finally {
      this.#starting--;
      // Steps still waiting once this one is up get the next worker started.
      queueMicrotask(() => this.#spawnForWaiting());
    }
  }

  #give(worker: Worker): void {
    if (worker.exited || this.#closed) return;
    const next = this.#waiting.shift();
    if (next !== undefined) {
      next.resolve(worker);
      return;
    }
    worker.hold(false);
    this.#idle.push(worker);
  }

  #spawn(): Worker {
    const project: WorkerStart = {
      parent: process.pid,
      cwd: this.#options.cwd,
      ...(this.#options.settingsFile === undefined ? {} : { settingsFile: this.#options.settingsFile }),
    };
    const child = fork(join(packageRoot(), "dist", "worker.js"), [], {
      cwd: this.#options.cwd,
      env: { ...process.env, [WORKER_PROJECT_VARIABLE]: JSON.stringify(project) },
      // Not the main process's flags (a test runner's, say): a worker is a plain Node process.
      execArgv: [],
      stdio: ["ignore", "pipe", "pipe", "ipc"],
    });
    const worker = new Worker(child);
    this.#workers.add(worker);
    child.on("message", (message: FromWorker) => this.#onMessage(worker, message));
    this.#forwardLines(worker, "stdout");
    this.#forwardLines(worker, "stderr");
    child.on("error", () => undefined); // a failed send to a dead worker: its exit says what happened
    child.once("exit", (code, signal) => {
      worker.exited = true;
      this.#workers.delete(worker);
      const at = this.#idle.indexOf(worker);
      if (at !== -1) this.#idle.splice(at, 1);
      // A step waiting for a worker gets a new one in place of this one.
      this.#spawnForWaiting();
      const job = worker.job;
      if (job === undefined) return;
      if (this.#options.signal?.aborted === true || this.#closed) job.reject(new ExecutionCanceledError());
      else {
        const why = `its worker process (pid ${child.pid}) ended while it ran (${describeExit(code, signal)})`;
        job.reject(new StepFailedError(job.step, new Error(why)));
      }
    });
    return worker;
  }

  #onMessage(worker: Worker, message: FromWorker): void {
    const job = worker.job;
    if (job === undefined) return;
    if (message.kind === "log") {
      const logger = message.scope === "step" ? job.context.logger : job.context.execution.logger;
      if (logger instanceof SinkLogger) logger.log(message.level, message.message, message.detail);
      else logger[message.level](message.message);
    } else if (message.kind === "done") {
      job.resolve(message.ms);
    } else if (message.kind === "failed" && message.unusableInput !== undefined) {
      job.reject(new InputUnusableError(message.unusableInput, message.message));
    } else if (message.kind === "failed") {
      job.reject(new StepFailedError(job.step, new Error(message.message), message.whole));
    }
  }

  /** The worker's output, line by line, into the log of the step it runs (else to ours). */
  #forwardLines(worker: Worker, stream: "stdout" | "stderr"): void {
    const input = worker.child[stream];
    if (input === null) return;
    createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY }).on("line", (line) => {
      const job = worker.job;
      if (job === undefined) process.stderr.write(`[worker ${worker.child.pid}] ${line}\n`);
      else if (stream === "stdout") job.context.logger.info(line);
      else job.context.logger.warn(line);
    });
  }

  #killBusy(): void {
    for (const worker of this.#workers) if (worker.job !== undefined) void this.#kill(worker);
  }

  /** SIGKILL: a worker holds no lock (the main process does) and its scratch files are cleaned by the next run. */
  #kill(worker: Worker): Promise<void> {
    if (worker.exited) return Promise.resolve();
    const gone = new Promise<void>((resolve) => worker.child.once("exit", () => resolve()));
    worker.hold(true); // an idle worker's handles are unref'd: its exit must still be waited for
    worker.child.kill("SIGKILL");
    return gone;
  }
}

/** The job of a request: names and fingerprints only, never values. */
export function workerJob(request: RunnerRequest): WorkerJob {
  const { node, context } = request;
  return {
    step: node.name,
    type: node.type,
    config: node.config,
    refs: node.refs,
    fingerprint: request.key.fingerprint,
    version: node.version,
    forced: request.forced,
    execution: context.execution.id,
    workdir: context.workdir,
    inputs: Object.fromEntries(request.inputs),
    ...(request.attachment === undefined ? {} : { attachment: request.attachment }),
  };
}

function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  return signal === null ? `exit status ${code}` : `killed by ${signal}`;
}

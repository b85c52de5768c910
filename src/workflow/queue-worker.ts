/**
 * `formed worker`: serves the distributed executor's queue from a checkout of the project. It
 * opens the project (settings, modules, cache) as a parallel executor's worker process does,
 * takes BullMQ jobs from the queues its resources cover, checks each step's code version against
 * the scheduler's (`worker-code-check.ts`), and computes it in the parallel executor's worker
 * processes (`WorkerPool`): inputs read from and the result written to this project's cache,
 * log records sent back on the run's channel.
 *
 * Its job locks are renewed by BullMQ on this process's event loop, which never runs a step, so
 * a long step keeps its job; a worker that dies (SIGKILL, a lost machine) stops renewing, and
 * BullMQ's stalled-job check on another worker gives the job to someone else, who computes the
 * step again (cache writes are atomic: nothing half-written is ever an entry).
 */
import { hostname } from "node:os";
import type { Job, Worker as QueueConsumer } from "bullmq";
import { FormedError } from "../errors.js";
import { distributedTarget } from "../executor/create-executor.js";
import {
  type DistributedJobData,
  type JobEvent,
  type JobOutcome,
  MAX_RESOURCE_NAMES,
  QUEUE_PREFIX,
  queuesServed,
} from "../executor/distributed/job-protocol.js";
import {
  closeRedis,
  connectRedis,
  describeServer,
  queuePackages,
  type RedisClient,
  type RedisUnavailableError,
} from "../executor/distributed/redis-link.js";
import { ResourceGate, type ResourceRequest } from "../executor/resource-gate.js";
import { ExecutionCanceledError } from "../executor/run-fault.js";
import { StepFailedError } from "../executor/step-computation.js";
import { InputUnusableError } from "../executor/step-runner.js";
import { WorkerPool } from "../executor/worker/worker-pool.js";
import { type LogRecord, SinkLogger } from "../logging/logger.js";
import { WorkflowProject } from "./project.js";
import { WorkerCodeCheck } from "./worker-code-check.js";

export interface QueueWorkerOptions {
  /** The project folder (formed.yml, modules, `.formed/`). */
  readonly cwd: string;
  readonly settingsFile?: string;
  /** Steps computed at once (worker processes). */
  readonly concurrency: number;
  /** What this machine has: a step asking for more is left to another worker. */
  readonly resources?: ResourceRequest;
  /** The base queue, over formed.yml's. */
  readonly queue?: string;
  /** Lines for the terminal. */
  readonly say?: (line: string) => void;
  /** How long a job's lock lives without renewal (default 15 s): a dead worker's job moves on after about this. */
  readonly lockMs?: number;
}

/** How long a broken connection is retried before the worker gives up (a restarting Redis is waited for). */
const WORKER_PATIENCE_MS = 30_000;
const DEFAULT_LOCK_MS = 15_000;
/** A job this worker can never run (too few resources) waits this long before another worker may take it. */
const HAND_BACK_MS = 1_000;
// A name no user resource can have (those are identifiers).
const SLOTS = " jobs";

export class QueueWorker {
  readonly #project: WorkflowProject;
  readonly #check: WorkerCodeCheck;
  readonly #client: RedisClient;
  readonly #pool: WorkerPool;
  readonly #abort = new AbortController();
  readonly #gate: ResourceGate;
  readonly #consumers: QueueConsumer<DistributedJobData, JobOutcome>[] = [];
  readonly #say: (line: string) => void;
  readonly #host = hostname();
  readonly #where: string;
  #lost: ((error: RedisUnavailableError) => void) | undefined;
  #stopping: Promise<void> | undefined;
  /** Resolves when the worker has stopped; rejects when it stopped because Redis was lost. */
  readonly finished: Promise<void>;

  private constructor(
    project: WorkflowProject,
    check: WorkerCodeCheck,
    client: RedisClient,
    options: QueueWorkerOptions,
  ) {
    this.#project = project;
    this.#check = check;
    this.#client = client;
    this.#say = options.say ?? (() => undefined);
    this.#where = `${this.#host} (pid ${process.pid}, ${project.cwd})`;
    this.#gate = new ResourceGate({ ...options.resources, [SLOTS]: options.concurrency });
    this.#pool = new WorkerPool({
      cwd: project.cwd,
      ...(project.settings.file === undefined ? {} : { settingsFile: project.settings.file }),
      size: options.concurrency,
      signal: this.#abort.signal,
    });
    this.finished = new Promise<void>((resolve, reject) => {
      this.#stopped = (failure) => (failure === undefined ? resolve() : reject(failure));
    });
    this.finished.catch(() => undefined);
    this.#lost = (error) => {
      this.#failure ??= error;
      this.#abort.abort(error);
      void this.#stop();
    };
  }

  #stopped: (failure: unknown) => void = () => undefined;
  /** Why the worker stopped on its own (its server lost). */
  #failure: unknown;

  /** Opens the project, connects, and starts taking jobs. */
  static async start(options: QueueWorkerOptions): Promise<QueueWorker> {
    const resources = options.resources ?? {};
    if (Object.keys(resources).length > MAX_RESOURCE_NAMES) {
      throw new FormedError("E_USAGE", `--resources names at most ${MAX_RESOURCE_NAMES} resources`);
    }
    const project = await WorkflowProject.load({
      cwd: options.cwd,
      ...(options.settingsFile === undefined ? {} : { settingsFile: options.settingsFile }),
    });
    const target = distributedTarget(
      project.settings.workflow.executor,
      {
        cwd: project.cwd,
        ...(project.settings.file === undefined ? {} : { settingsFile: project.settings.file }),
      },
      options.queue,
    );
    const cache = project.organizer.cache;
    if (cache.shared !== true) {
      throw new FormedError(
        "E_SETTINGS",
        `a worker writes results to its project's cache, and the ${cache.kind} cache is not one the scheduler can read`,
        { hint: "use the filesystem organizer with a folder every machine reaches, or a remote cache" },
      );
    }
    const { bullmq } = queuePackages();
    const check = await WorkerCodeCheck.open(project);
    let worker: QueueWorker | undefined;
    let lostEarly: RedisUnavailableError | undefined;
    const client = connectRedis(target.redis, {
      patienceMs: WORKER_PATIENCE_MS,
      name: `formed-worker-${hostname()}-${process.pid}`,
      onLost: (error) => {
        lostEarly = error;
        if (worker !== undefined) worker.#lost?.(error);
      },
    });
    try {
      await client.ping();
    } catch (error) {
      throw lostEarly ?? error;
    }
    worker = new QueueWorker(project, check, client, options);
    // Its processes load the project before the first job: a step never waits for them.
    try {
      await worker.#pool.warm();
    } catch (error) {
      await worker.abandon();
      throw error;
    }
    const lockDuration = Math.max(options.lockMs ?? DEFAULT_LOCK_MS, 1_000);
    for (const queue of queuesServed(target.queue, resources)) {
      const consumer = new bullmq.Worker<DistributedJobData, JobOutcome>(
        queue,
        (job, token) => worker.#process(job, token),
        {
          connection: client,
          prefix: QUEUE_PREFIX,
          concurrency: options.concurrency,
          lockDuration,
          stalledInterval: Math.max(Math.min(lockDuration / 2, 5_000), 500),
          // A job whose worker died goes to another worker twice more; a third death fails it.
          maxStalledCount: 2,
          name: `${hostname()}-${process.pid}`,
        },
      );
      consumer.on("error", () => undefined); // a lost server is reported by our own connection
      worker.#consumers.push(consumer);
    }
    const served = queuesServed(target.queue, resources).join(", ");
    const has = Object.entries(resources)
      .map(([name, amount]) => `${name}=${amount}`)
      .join(",");
    options.say?.(
      `formed worker on ${worker.#host}: ${project.cwd}, queue${served.includes(",") ? "s" : ""} ${served} at ${describeServer(target.redis)}, ${options.concurrency} at once${has === "" ? "" : `, resources ${has}`}`,
    );
    return worker;
  }

  /** Stops taking jobs; the running ones finish. */
  drain(): Promise<void> {
    return this.#stop();
  }

  /** Stops taking jobs and hands the running ones back to the queue (their processes killed). */
  abandon(): Promise<void> {
    this.#abort.abort(new ExecutionCanceledError("the worker was stopped"));
    return this.#stop();
  }

  #stop(): Promise<void> {
    this.#stopping ??= (async () => {
      // Without a server, nothing is waited for: a job's state cannot be written anyway.
      const force = this.#failure !== undefined;
      await Promise.all(this.#consumers.map((consumer) => consumer.close(force).catch(() => undefined)));
      await this.#pool.close();
      this.#check.save();
      await closeRedis(this.#client);
      this.#stopped(this.#failure);
    })();
    return this.#stopping;
  }

  async #process(job: Job<DistributedJobData, JobOutcome>, token: string | undefined): Promise<JobOutcome> {
    const data = job.data;
    const id = job.id ?? "";
    const { step } = data.job;
    const publish = (event: JobEvent) =>
      void this.#client.publish(data.channel, JSON.stringify(event)).catch(() => undefined);
    publish({ job: id, kind: "start", host: this.#host, pid: process.pid });
    const started = performance.now();
    try {
      const refusal = this.#check.refusal(data, this.#where);
      if (refusal !== undefined) {
        this.#say(`⊘ ${step} refused: its code differs from the scheduler's`);
        return { kind: "failed", message: refusal, whole: refusal };
      }
      if (this.#gate.impossible(data.resources) !== undefined) return await this.#handBack(job, token);
      const release = await this.#gate.acquire({ ...data.resources, [SLOTS]: 1 }, 0);
      try {
        const workdir = this.#project.organizer.workdir(data.job.fingerprint);
        const ms = await this.#pool.runJob({ ...data.job, workdir }, jobLogs(publish, id, step));
        this.#say(`✓ ${step} ran ${seconds(started)}`);
        return { kind: "done", ms };
      } finally {
        release();
      }
    } catch (error) {
      return await this.#outcomeOf(error, job, token, started);
    } finally {
      publish({ job: id, kind: "end" });
    }
  }

  /** A step's failure is its outcome; a stopped worker hands the job back; anything else fails the job. */
  async #outcomeOf(
    error: unknown,
    job: Job<DistributedJobData, JobOutcome>,
    token: string | undefined,
    started: number,
  ): Promise<JobOutcome> {
    const step = job.data.job.step;
    if (error instanceof InputUnusableError) {
      return { kind: "failed", message: error.reason, unusableInput: error.input };
    }
    if (error instanceof StepFailedError) {
      const cause = error.cause instanceof Error ? error.cause.message : String(error.cause);
      this.#say(`✗ ${step} failed ${seconds(started)}: ${cause.split("\n", 1)[0]}`);
      return { kind: "failed", message: cause, whole: error.message };
    }
    if (this.#abort.signal.aborted) {
      this.#say(`↩ ${step} handed back to the queue`);
      await job.moveToWait(token);
      throw new (queuePackages().bullmq.WaitingError)();
    }
    throw error;
  }

  async #handBack(job: Job<DistributedJobData, JobOutcome>, token: string | undefined): Promise<never> {
    await job.moveToDelayed(Date.now() + HAND_BACK_MS, token);
    throw new (queuePackages().bullmq.DelayedError)();
  }
}

/** The job's log records, published on the run's channel (the step's, and the execution's). */
function jobLogs(publish: (event: JobEvent) => void, job: string, step: string) {
  const sink =
    (scope: "step" | "execution") =>
    (record: LogRecord): void =>
      publish({
        job,
        kind: "log",
        scope,
        level: record.level,
        message: record.message,
        ...(record.detail === undefined ? {} : { detail: record.detail }),
      });
  return {
    logger: new SinkLogger([sink("step")], { step }),
    execution: { logger: new SinkLogger([sink("execution")]) },
  };
}

function seconds(since: number): string {
  const elapsed = (performance.now() - since) / 1000;
  return `${elapsed.toFixed(elapsed < 10 ? 2 : 1)}s`;
}

/**
 * The distributed executor's `StepRunner`, for one run: each step it takes becomes a BullMQ job
 * (names and fingerprints, never values), which a `formed worker` somewhere computes into the
 * shared cache. The job's outcome comes back as its return value (QueueEvents); where it runs
 * and its log records come on the run's pub/sub channel, into the step's log. Redis going away
 * fails every step waiting on it with one clear error.
 */
import { randomBytes, randomUUID } from "node:crypto";
import type { QueueEvents } from "bullmq";
import { SinkLogger } from "../../logging/logger.js";
import type { ExecutionRun } from "../executor.js";
import { StepFailedError } from "../step-computation.js";
import { InputUnusableError, type RunnerRequest, type StepRunner } from "../step-runner.js";
import { workerJob } from "../worker/worker-pool.js";
import {
  type DistributedJobData,
  type JobEvent,
  type JobOutcome,
  QUEUE_PREFIX,
  queueFor,
  runChannel,
} from "./job-protocol.js";
import {
  closeRedis,
  connectRedis,
  describeServer,
  queuePackages,
  type RedisClient,
  RedisUnavailableError,
} from "./redis-link.js";

export interface DistributedTarget {
  /** `redis://[user:password@]host:port[/db]` */
  readonly redis: string;
  /** The base queue's name (steps asking for resources go to `NAME.<resources>`). */
  readonly queue: string;
}

/** How long a broken connection is retried before the run fails. */
export const SCHEDULER_PATIENCE_MS = 5_000;
/** After a job's outcome, how long its last log records may still be on their way. */
const LATE_LOGS_MS = 2_000;
/** How often jobs waited on for long are looked up, in case their outcome event was missed. */
const CHECK_MS = 15_000;
const CHECKED_PER_ROUND = 100;

interface Pending {
  readonly request: RunnerRequest;
  readonly queue: string;
  readonly since: number;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
  /** Set once the worker said every log record was sent. */
  ended: boolean;
  onEnd?: () => void;
}

interface Connections {
  readonly client: RedisClient;
  readonly subscriber: RedisClient;
}

export class DistributedRunner implements StepRunner {
  readonly #target: DistributedTarget;
  readonly #server: string;
  readonly #channel: string;
  readonly #pending = new Map<string, Pending>();
  readonly #queues = new Map<string, import("bullmq").Queue>();
  readonly #events = new Map<string, Promise<QueueEvents>>();
  #connections: Promise<Connections> | undefined;
  #lost: RedisUnavailableError | undefined;
  #onLost: Array<(error: RedisUnavailableError) => void> = [];
  #checker: NodeJS.Timeout | undefined;
  #closed = false;
  #checking = false;
  /** Whether any worker took a step of this run yet (else, after a while, the run says so). */
  #served = false;
  readonly #run: ExecutionRun;

  constructor(target: DistributedTarget, run: ExecutionRun) {
    this.#target = target;
    this.#run = run;
    this.#server = describeServer(target.redis);
    this.#channel = runChannel(target.queue, run.id, randomBytes(6).toString("hex"));
  }

  /** A step whose result is stored and whose inputs are stored, unless it must stay here (`worker: false`). */
  takes(node: RunnerRequest["node"], inputsStored: boolean): boolean {
    return inputsStored && node.shouldBeCached && node.registered.step.options.worker !== false;
  }

  /** The run's connection (for its leases), made on first use; rejects with the server's error. */
  async client(): Promise<RedisClient> {
    return (await this.#connect()).client;
  }

  /** `work`, unless the server is lost first: then that error. */
  guarded<T>(work: Promise<T>): Promise<T> {
    if (this.#lost !== undefined) return Promise.reject(this.#lost);
    return new Promise<T>((resolve, reject) => {
      const onLost = (error: RedisUnavailableError) => reject(error);
      this.#onLost.push(onLost);
      work
        .then(resolve, (error: unknown) => reject(this.#lost ?? error))
        .finally(() => {
          this.#onLost = this.#onLost.filter((listener) => listener !== onLost);
        });
    });
  }

  async run(request: RunnerRequest): Promise<void> {
    const { bullmq } = queuePackages();
    await this.#connect();
    const queue = queueFor(this.#target.queue, request.node.resources);
    await this.#eventsOf(queue);
    const jobId = randomUUID();
    const code = request.node.key.code;
    const data: DistributedJobData = {
      job: workerJob(request),
      resources: request.node.resources,
      ...(code === undefined
        ? {}
        : { units: Object.fromEntries(code.units.map((unit) => [unit.id, unit.hash])) }),
      channel: this.#channel,
    };
    const done = new Promise<void>((resolve, reject) => {
      this.#pending.set(jobId, { request, queue, since: Date.now(), resolve, reject, ended: false });
    });
    let added = this.#queues.get(queue);
    if (added === undefined) {
      added = new bullmq.Queue(queue, { connection: (await this.#connect()).client, prefix: QUEUE_PREFIX });
      added.on("error", () => undefined); // its connection is ours: a loss is reported once, by it
      this.#queues.set(queue, added);
    }
    try {
      await this.guarded(
        added.add(request.node.name, data, {
          jobId,
          removeOnComplete: { age: 3_600, count: 10_000 },
          removeOnFail: { age: 24 * 3_600, count: 10_000 },
        }),
      );
    } catch (error) {
      this.#pending.delete(jobId);
      throw error;
    }
    this.#checker ??= setInterval(() => void this.#checkLongWaits(), CHECK_MS).unref();
    return this.guarded(done);
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#checker !== undefined) clearInterval(this.#checker);
    // A canceled run withdraws the jobs no worker took yet (one running goes on: its result is cached).
    if (this.#lost === undefined) {
      await Promise.all(
        [...this.#pending].map(([id, { queue }]) =>
          this.#queues
            .get(queue)
            ?.remove(id)
            .catch(() => 0),
        ),
      );
    }
    this.#pending.clear();
    const events = await Promise.all(
      [...this.#events.values()].map((opened) => opened.catch(() => undefined)),
    );
    await Promise.all(events.map((queueEvents) => queueEvents?.close().catch(() => undefined)));
    await Promise.all([...this.#queues.values()].map((queue) => queue.close().catch(() => undefined)));
    const connections = await this.#connections?.catch(() => undefined);
    if (connections !== undefined) {
      await Promise.all([closeRedis(connections.subscriber), closeRedis(connections.client)]);
    }
  }

  #connect(): Promise<Connections> {
    this.#connections ??= this.#open();
    return this.#connections;
  }

  async #open(): Promise<Connections> {
    queuePackages(); // a missing package says so before anything connects
    const onLost = (error: RedisUnavailableError) => this.#lose(error);
    const options = { patienceMs: SCHEDULER_PATIENCE_MS, onLost };
    const client = connectRedis(this.#target.redis, { ...options, name: "formed-scheduler" });
    const subscriber = connectRedis(this.#target.redis, { ...options, name: "formed-scheduler-events" });
    subscriber.on("message", (_channel: string, text: string) => this.#onEvent(text));
    try {
      await this.guarded(Promise.all([client.ping(), subscriber.subscribe(this.#channel)]));
    } catch (error) {
      await Promise.all([closeRedis(client), closeRedis(subscriber)]);
      throw error instanceof RedisUnavailableError
        ? error
        : new RedisUnavailableError(this.#server, (error as Error).message, error);
    }
    return { client, subscriber };
  }

  /** The queue's events, listened to from before the first job is added (no outcome can be missed). */
  #eventsOf(queue: string): Promise<QueueEvents> {
    let opened = this.#events.get(queue);
    if (opened === undefined) {
      opened = this.#openEvents(queue);
      this.#events.set(queue, opened);
    }
    return opened;
  }

  async #openEvents(queue: string): Promise<QueueEvents> {
    const { bullmq } = queuePackages();
    const { client } = await this.#connect();
    // From the stream's last event: `$`, BullMQ's default, would start only once it first reads.
    const last = await this.guarded(
      client.xrevrange(`${QUEUE_PREFIX}:${queue}:events`, "+", "-", "COUNT", 1),
    );
    const events = new bullmq.QueueEvents(queue, {
      connection: client,
      prefix: QUEUE_PREFIX,
      lastEventId: last[0]?.[0] ?? "0-0",
    });
    events.on("error", () => undefined); // a lost server is reported by our own connections
    events.on("completed", ({ jobId, returnvalue }) => this.#settle(jobId, returnvalue as unknown));
    events.on("failed", ({ jobId, failedReason }) => this.#fail(jobId, failedReason));
    events.on("stalled", ({ jobId }) => {
      this.#pending
        .get(jobId)
        ?.request.context.logger.warn(
          "its worker stopped answering (killed, or its machine lost): the step goes to another worker",
        );
    });
    await this.guarded(events.waitUntilReady());
    return events;
  }

  #onEvent(text: string): void {
    let event: JobEvent;
    try {
      event = JSON.parse(text) as JobEvent;
    } catch {
      return;
    }
    const pending = this.#pending.get(event.job);
    if (pending === undefined) return;
    const { context } = pending.request;
    if (event.kind === "start") {
      this.#served = true;
      context.host = event.host;
      pending.ended = false;
    } else if (event.kind === "log") {
      const logger = event.scope === "step" ? context.logger : context.execution.logger;
      if (logger instanceof SinkLogger) logger.log(event.level, event.message, event.detail);
      else logger[event.level](event.message);
    } else {
      pending.ended = true;
      pending.onEnd?.();
    }
  }

  /** The job's outcome: once its last log records are in (or are taking too long). */
  #settle(jobId: string, outcome: unknown): void {
    const pending = this.#pending.get(jobId);
    if (pending === undefined) return;
    const finish = () => {
      if (this.#pending.get(jobId) !== pending) return;
      this.#pending.delete(jobId);
      const result = outcome as JobOutcome | null;
      const step = pending.request.node.name;
      if (result?.kind === "done") pending.resolve();
      else if (result?.kind === "failed" && result.unusableInput !== undefined)
        pending.reject(new InputUnusableError(result.unusableInput, result.message));
      else if (result?.kind === "failed")
        pending.reject(new StepFailedError(step, new Error(result.message), result.whole));
      else
        pending.reject(
          new StepFailedError(step, new Error(`its worker returned ${JSON.stringify(outcome)}`)),
        );
    };
    if (pending.ended) {
      finish();
      return;
    }
    pending.onEnd = finish;
    setTimeout(finish, LATE_LOGS_MS);
  }

  /** The job failed in BullMQ (not the step: its worker died more often than allowed, say). */
  #fail(jobId: string, reason: string): void {
    const pending = this.#pending.get(jobId);
    if (pending === undefined) return;
    this.#pending.delete(jobId);
    const step = pending.request.node.name;
    pending.reject(new StepFailedError(step, new Error(`its job failed on the queue: ${reason}`)));
  }

  /** An outcome event missed (its stream trimmed, say) would leave a step waiting for ever: looked up. */
  async #checkLongWaits(): Promise<void> {
    if (this.#closed || this.#lost !== undefined || this.#checking) return;
    this.#checking = true;
    try {
      await this.#lookUpLongWaits();
    } finally {
      this.#checking = false;
    }
  }

  async #lookUpLongWaits(): Promise<void> {
    const { bullmq } = queuePackages();
    // The oldest first (a Map keeps insertion order), a bounded number per check.
    for (const [id, pending] of [...this.#pending].slice(0, CHECKED_PER_ROUND)) {
      if (Date.now() - pending.since < CHECK_MS) continue;
      if (!this.#served) {
        this.#served = true; // said once
        this.#run.logger.warn(
          `no worker has taken a step after ${CHECK_MS / 1000} s: is a \`formed worker\` serving the queue "${pending.queue}" at ${this.#server}?`,
        );
      }
      const queue = this.#queues.get(pending.queue);
      if (queue === undefined) continue;
      try {
        const job = await bullmq.Job.fromId(queue, id);
        if (job === undefined) continue;
        if (job.finishedOn !== undefined && job.failedReason !== undefined && job.failedReason !== "")
          this.#fail(id, job.failedReason);
        else if (job.finishedOn !== undefined) this.#settle(id, job.returnvalue);
      } catch {
        // Asked again at the next check; a lost server is reported by the connections.
      }
    }
  }

  #lose(error: RedisUnavailableError): void {
    if (this.#lost !== undefined || this.#closed) return;
    this.#lost = error;
    for (const listener of this.#onLost.splice(0)) listener(error);
    for (const pending of this.#pending.values()) pending.reject(error);
    this.#pending.clear();
  }
}

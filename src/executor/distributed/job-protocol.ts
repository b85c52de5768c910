/**
 * What travels through Redis between `formed workflow run` (the scheduler) and `formed worker`:
 * a BullMQ job per step to compute (the parallel executor's `WorkerJob`: names and fingerprints,
 * never values, plus the scheduler's code version of the step), its outcome as the job's return
 * value, and the worker's reports (where it runs, its log records) on a pub/sub channel of the run.
 *
 * A step that asks for resources goes to a queue of its own per set of resource names
 * (`NAME`, `NAME.gpu`, `NAME.gpu+llm`): a worker listens only to the queues its resources cover.
 */
import type { LogLevel } from "../../logging/logger.js";
import type { ResourceRequest } from "../resource-gate.js";
import type { FromWorker, WorkerJob } from "../worker/protocol.js";

/** BullMQ's key prefix for formed's queues. */
export const QUEUE_PREFIX = "formed";

/** Names a queue may have: BullMQ forbids ":", and "." and "+" build the resource queues' names. */
export const QUEUE_NAME = /^[A-Za-z0-9_-]+$/;

/** A worker with more resource names than this would listen to too many queues (2^n). */
export const MAX_RESOURCE_NAMES = 6;

export interface DistributedJobData {
  /** `job.version` is the scheduler's code version of the step: a worker whose own differs refuses it. */
  readonly job: WorkerJob;
  /** What the step holds while it computes (`step({ resources })`). */
  readonly resources: ResourceRequest;
  /** The code units that version covers, id → hash, so that a refusal can name the ones that differ. */
  readonly units?: Readonly<Record<string, string>>;
  /** The pub/sub channel the worker reports on. */
  readonly channel: string;
}

/** The job's return value: the step's outcome. A failed BullMQ job is a fault of the worker, not of the step. */
export type JobOutcome = Extract<FromWorker, { kind: "done" | "failed" }>;

/** What a worker says on the run's channel while it runs a job. */
export type JobEvent =
  | { readonly job: string; readonly kind: "start"; readonly host: string; readonly pid: number }
  | {
      readonly job: string;
      readonly kind: "log";
      readonly scope: "step" | "execution";
      readonly level: LogLevel;
      readonly message: string;
      readonly detail?: string;
    }
  /** Every record of this run of the job was sent before it. */
  | { readonly job: string; readonly kind: "end" };

/** The queue of a step asking for `resources`: the base queue, or one per set of resource names. */
export function queueFor(base: string, resources: ResourceRequest): string {
  const names = Object.keys(resources)
    .filter((name) => (resources[name] ?? 0) > 0)
    .sort();
  return names.length === 0 ? base : `${base}.${names.join("+")}`;
}

/** Every queue a worker with `capacity` serves: one per subset of its resource names. */
export function queuesServed(base: string, capacity: ResourceRequest): string[] {
  const names = Object.keys(capacity)
    .filter((name) => (capacity[name] ?? 0) > 0)
    .sort();
  const queues: string[] = [];
  for (let mask = 0; mask < 1 << names.length; mask++) {
    const subset = names.filter((_, index) => (mask & (1 << index)) !== 0);
    queues.push(subset.length === 0 ? base : `${base}.${subset.join("+")}`);
  }
  return queues;
}

/** The channel of one run's reports (unique per run: two runs never hear each other). */
export function runChannel(queue: string, execution: string, nonce: string): string {
  return `${QUEUE_PREFIX}.events:${queue}:${execution}:${nonce}`;
}

/** The Redis key of a fingerprint's lease (see `redis-leases.ts`). */
export function leaseKey(fingerprint: string): string {
  return `${QUEUE_PREFIX}.lease:${fingerprint}`;
}

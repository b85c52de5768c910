/**
 * Renews held Redis leases from a thread of their own, as `src/cache/lock-refresher.ts` touches
 * lock folders: a step computed in the scheduler's process (`worker: false`) may block its event
 * loop for longer than a lease lives, and a lease left to expire would let another scheduler
 * compute the same step. The thread has its own Redis connection (ioredis, the same copy the
 * main thread uses) and renews each lease only while it still holds the token it was taken with.
 *
 * The thread is unref'd: it never keeps the process alive, and dies with it (its leases then
 * expire after their time to live).
 */
import { createRequire } from "node:module";
import type { Worker } from "node:worker_threads";
import { ioredisPath } from "./redis-link.js";

const requireHere = createRequire(import.meta.url);

/**
 * The thread's code: CommonJS, evaluated (no file beside the bundle). Per lease, every `update`
 * ms: PEXPIRE if the key still holds our token. A lease found taken over, or not renewed for
 * its whole time to live, is reported once and forgotten.
 */
const THREAD_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const { Redis } = require(workerData.ioredis);
const RENEW = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end";
const clients = new Map();
const held = new Map();
function clientOf(url) {
  let client = clients.get(url);
  if (client === undefined) {
    client = new Redis(url, { maxRetriesPerRequest: 1, connectTimeout: 5000, retryStrategy: (times) => Math.min(times * 100, 1000) });
    client.on("error", () => {});
    clients.set(url, client);
  }
  return client;
}
function lost(id, reason) {
  forget(id);
  parentPort.postMessage({ id, reason });
}
function renew(id) {
  const lease = held.get(id);
  if (lease === undefined || lease.busy) return;
  lease.busy = true;
  clientOf(lease.url).eval(RENEW, 1, lease.key, lease.token, lease.ttl).then(
    (renewed) => {
      lease.busy = false;
      if (!held.has(id)) return;
      if (Number(renewed) === 1) lease.renewed = Date.now();
      else lost(id, "it expired and another holder took it");
    },
    (error) => {
      lease.busy = false;
      if (!held.has(id)) return;
      if (Date.now() - lease.renewed >= lease.ttl) lost(id, "it could not be renewed within " + lease.ttl + " ms: " + error.message);
    },
  );
}
function forget(id) {
  const lease = held.get(id);
  if (lease === undefined) return;
  clearInterval(lease.timer);
  held.delete(id);
}
parentPort.on("message", (message) => {
  if (message.type === "release") return forget(message.id);
  const lease = { ...message, renewed: Date.now(), busy: false };
  lease.timer = setInterval(renew, message.update, message.id);
  held.set(message.id, lease);
});
`;

export interface RenewedLease {
  readonly url: string;
  readonly key: string;
  readonly token: string;
  /** Time to live set at each renewal (milliseconds). */
  readonly ttl: number;
  /** Milliseconds between renewals. */
  readonly update: number;
  /** Called (on the main thread) when the lease turns out lost. */
  readonly onLost: (reason: string) => void;
}

let thread: Worker | undefined;
let nextId = 1;
const held = new Map<number, RenewedLease>();

/** Starts renewing `lease`; returns the id to stop it with. */
export function startRenewing(lease: RenewedLease): number {
  const id = nextId++;
  held.set(id, lease);
  const { url, key, token, ttl, update } = lease;
  renewerThread().postMessage({ type: "hold", id, url, key, token, ttl, update });
  return id;
}

/** Stops renewing (the lease is being released). A loss reported after this is ignored. */
export function stopRenewing(id: number): void {
  if (!held.delete(id)) return;
  thread?.postMessage({ type: "release", id });
}

function renewerThread(): Worker {
  if (thread !== undefined) return thread;
  const { Worker: WorkerThread } = requireHere("node:worker_threads") as typeof import("node:worker_threads");
  const started = new WorkerThread(THREAD_SOURCE, {
    eval: true,
    execArgv: [],
    name: "formed lease renewer",
    workerData: { ioredis: ioredisPath() },
  });
  started.on("message", ({ id, reason }: { id: number; reason: string }) => {
    const lease = held.get(id);
    if (lease === undefined) return; // released meanwhile
    held.delete(id);
    lease.onLost(reason);
  });
  started.on("error", (error) => {
    if (thread === started) thread = undefined;
    for (const [id, lease] of [...held]) {
      held.delete(id);
      lease.onLost(`its renewer failed: ${error.message}`);
    }
  });
  started.unref();
  thread = started;
  return started;
}

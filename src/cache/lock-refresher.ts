/**
 * Keeps held lock folders fresh from a thread of their own. A refresh timer on the main event
 * loop stops while a step computes synchronously: a step blocking longer than the stale time
 * lost its lock to another host's waiter and was computed twice. The worker touches every held
 * folder's mtime on its own event loop, with synchronous calls (not the libuv thread pool,
 * which the steps may keep busy), whatever the main thread does.
 *
 * The worker is unref'd: it never keeps the process alive, and dies with it. It holds nothing
 * but paths and timers; a lock released (or lost) is forgotten at once.
 */
import { createRequire } from "node:module";
import type { Worker } from "node:worker_threads";

// Required when the first lock is taken: a fully cached run takes none, and loads no worker module.
const requireHere = createRequire(import.meta.url);

/**
 * The worker's code: CommonJS, evaluated, so it needs no file of its own beside the bundle and
 * loads nothing but node:fs. Per held lock: every `update` ms, check that the folder is still the
 * one taken (identity: inode and birth time), then touch it. A folder gone or replaced, or
 * refreshes failing for longer than `stale`, is reported once and forgotten.
 */
const WORKER_SOURCE = `
const { parentPort } = require("node:worker_threads");
const { statSync, utimesSync } = require("node:fs");
const held = new Map();
function refresh(id) {
  const lock = held.get(id);
  if (lock === undefined) return;
  let reason;
  try {
    const stats = statSync(lock.path, { bigint: true, throwIfNoEntry: false });
    if (stats === undefined) reason = "its folder was removed";
    else if (stats.ino + ":" + stats.birthtimeNs !== lock.identity) reason = "another process took it over";
    else {
      const now = new Date();
      utimesSync(lock.path, now, now);
      lock.refreshed = Date.now();
      return;
    }
  } catch (error) {
    if (Date.now() - lock.refreshed < lock.stale) return;
    reason = "it could not be refreshed within " + lock.stale + " ms: " + error.message;
  }
  forget(id);
  parentPort.postMessage({ id, reason });
}
function forget(id) {
  const lock = held.get(id);
  if (lock === undefined) return;
  clearInterval(lock.timer);
  held.delete(id);
}
parentPort.on("message", (message) => {
  if (message.type === "release") return forget(message.id);
  const lock = { ...message, refreshed: Date.now() };
  lock.timer = setInterval(refresh, message.update, message.id);
  held.set(message.id, lock);
});
`;

export interface RefreshedLock {
  readonly path: string;
  /** `<ino>:<birthtimeNs>` of the folder taken. */
  readonly identity: string;
  readonly update: number;
  readonly stale: number;
  /** Called (on the main thread) when the folder turns out lost. */
  readonly onLost: (reason: string) => void;
}

let worker: Worker | undefined;
let nextId = 1;
const held = new Map<number, RefreshedLock>();

/** Starts refreshing `lock`'s folder; returns the id to stop it with. */
export function startRefreshing(lock: RefreshedLock): number {
  const id = nextId++;
  held.set(id, lock);
  const { path, identity, update, stale } = lock;
  refresherWorker().postMessage({ type: "hold", id, path, identity, update, stale });
  return id;
}

/** Stops refreshing (the lock is being released). A loss reported after this is ignored. */
export function stopRefreshing(id: number): void {
  if (!held.delete(id)) return;
  worker?.postMessage({ type: "release", id });
}

function refresherWorker(): Worker {
  if (worker !== undefined) return worker;
  // execArgv []: the parent's flags (--import tsx under tests, say) have nothing to do here.
  const { Worker: WorkerThread } = requireHere("node:worker_threads") as typeof import("node:worker_threads");
  const started = new WorkerThread(WORKER_SOURCE, {
    eval: true,
    execArgv: [],
    name: "formed lock refresher",
  });
  started.on("message", ({ id, reason }: { id: number; reason: string }) => {
    const lock = held.get(id);
    if (lock === undefined) return; // released meanwhile
    held.delete(id);
    lock.onLost(reason);
  });
  started.on("error", (error) => {
    // Not expected (the code catches what it can): the held locks are no longer refreshed, so
    // say they are lost, and start a new worker for the next lock.
    if (worker === started) worker = undefined;
    for (const [id, lock] of [...held]) {
      held.delete(id);
      lock.onLost(`its refresher failed: ${error.message}`);
    }
  });
  // After the listeners: adding a "message" listener refs the worker's port again.
  started.unref();
  worker = started;
  return started;
}

/**
 * A worker process dies with the process that started it. Node has no "parent death signal",
 * and the IPC channel's `disconnect` event cannot fire while a step computes synchronously, so
 * a thread of the worker's own polls its parent pid (it changes when the parent dies: the
 * worker is given to init or a subreaper) and kills the worker at once. The thread is unref'd
 * and holds nothing.
 */
import { createRequire } from "node:module";

const requireHere = createRequire(import.meta.url);

/** How often the parent is checked: an orphan lives at most about this long. */
const POLL_MS = 250;

// CommonJS, evaluated: no file of its own beside the bundle.
const WATCH_SOURCE = `
const { workerData } = require("node:worker_threads");
setInterval(() => {
  if (process.ppid !== workerData.parent) process.kill(process.pid, "SIGKILL");
}, workerData.poll);
`;

/** `parent`: the pid that started this process (from the start: it may already be gone now). */
export function dieWithParent(parent: number): void {
  const { Worker } = requireHere("node:worker_threads") as typeof import("node:worker_threads");
  const watcher = new Worker(WATCH_SOURCE, { eval: true, workerData: { parent, poll: POLL_MS } });
  watcher.unref();
}

// The parallel executor's workloads (`BENCH_ONLY=parallel`, this project only): projects of
// waiting and of CPU-bound steps, what an execution record says about its timing, and how long
// a worker process takes to start. run.mjs runs and times them (see bench/README.md).
import { fork } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const STEPS = `import { step } from "formed";

/** Waits \`ms\` without using the CPU: an async step, so it runs in the main process. */
export const nap = step(async ({ ms, k }: { ms: number; k: number }): Promise<number> => {
  await new Promise((resolve) => setTimeout(resolve, ms));
  return k;
});

/** Busy for \`ms\` of wall time (a loop on Date.now()): synchronous, so it runs in a worker process. */
export const spin = step(({ ms, k }: { ms: number; k: number }): number => {
  const end = Date.now() + ms;
  let turns = 0;
  while (Date.now() < end) turns++;
  return turns >= 0 ? k : -k;
});
`;

/** A project of `count` independent steps of one type, each taking `ms` (distinct fingerprints by `k`). */
function project(dir, type, count, ms) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "steps.ts"), STEPS);
  writeFileSync(
    join(dir, "config.jsonnet"),
    `{ steps: { ['${type}' + i]: { type: '${type}', ms: ${ms}, k: i } for i in std.range(0, ${count - 1}) } }\n`,
  );
  writeFileSync(
    join(dir, "formed.yml"),
    "required_modules:\n  - ./steps.ts\nworkflow:\n  organizer: { type: filesystem }\n",
  );
  return dir;
}

/** (1) 16 async steps each waiting 0.5 s. */
export const sleepers = (dir, count, ms) => project(dir, "nap", count, ms);
/** (2) CPU-bound synchronous steps of ~`ms` each; with `ms` 0, one trivial synchronous step. */
export const spinners = (dir, count, ms) => project(dir, "spin", count, ms);

/**
 * Rewrites a workspace's steps.ts so that every `step(` call keeps its step in the main process
 * (`step({ worker: false }, ...)`); the 2,000-step tree's steps take no options.
 */
export function inProcess(dir) {
  const file = join(dir, "steps.ts");
  const source = readFileSync(file, "utf8");
  if (!source.includes("= step(("))
    throw new Error(`${file}: no \`= step((\` to give { worker: false } (the tree workload changed)`);
  writeFileSync(file, source.replaceAll("= step((", "= step({ worker: false }, ("));
  return dir;
}

const time = (iso) => Date.parse(iso);

/**
 * What an execution's record says of its timing (ms): `execution`, from the executor's start to
 * its end as recorded in `state.json` (no process start, no module loading, no config, no
 * graph; the worker pool's shutdown included); `steps`, from the first step's start to the last
 * step's end (`steps.json`); `firstStart`, from the execution's start to the first step's;
 * `tail`, from the last step's end to the execution's end; `stepMs`, each step's own time
 * (from its start to its end as the main process records them).
 */
export function recordedTiming(executionDir) {
  const state = JSON.parse(readFileSync(join(executionDir, "state.json"), "utf8"));
  const steps = Object.values(JSON.parse(readFileSync(join(executionDir, "steps.json"), "utf8")).steps);
  const starts = steps.map((s) => time(s.startedAt));
  const ends = steps.map((s) => time(s.finishedAt));
  const [start, end] = [time(state.startedAt), time(state.finishedAt)];
  return {
    execution: end - start,
    steps: Math.max(...ends) - Math.min(...starts),
    firstStart: Math.min(...starts) - start,
    tail: end - Math.max(...ends),
    stepMs: steps.map((s) => time(s.finishedAt) - time(s.startedAt)),
    /** Each step's time, in the order the steps started. */
    byStart: [...steps]
      .sort((a, b) => time(a.startedAt) - time(b.startedAt))
      .map((s) => time(s.finishedAt) - time(s.startedAt)),
  };
}

/**
 * A worker process's start-up, measured outside the executor: dist/worker.js forked as the
 * pool forks it (src/executor/worker/worker-pool.ts), timed from fork to its "ready" message
 * (Node's start, the bundle, the project's settings and step modules). Undefined when this
 * build has no worker or it does not start this way.
 */
export async function workerStartup(dist, cwd) {
  const start = performance.now();
  const child = fork(join(dist, "worker.js"), [], {
    cwd,
    env: { ...process.env, FORMED_WORKER_PROJECT: JSON.stringify({ parent: process.pid, cwd }) },
    execArgv: [],
    stdio: ["ignore", "ignore", "ignore", "ipc"],
  });
  const exited = new Promise((resolve) => child.once("exit", resolve));
  let timer;
  const ready = await Promise.race([
    new Promise((resolve) => child.on("message", (message) => message?.kind === "ready" && resolve(true))),
    exited.then(() => false),
    new Promise((resolve) => {
      timer = setTimeout(() => resolve(false), 30000);
    }),
  ]);
  clearTimeout(timer);
  const ms = performance.now() - start;
  if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  await exited;
  return ready ? ms : undefined;
}

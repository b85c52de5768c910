// The distributed executor's workloads (`BENCH_ONLY=distributed`, this project only): a Redis
// server (Debian's redis-server) on 127.0.0.1, one scheduler project and four `formed worker`s,
// each in a folder of its own, sharing one cache folder (as they would share a remote cache).
// Workers are started once and serve every repetition, as a team's would.
//
// (a) 64 steps that each wait 0.5 s (synchronously, without using the CPU) on 4 workers of one
//     process each: the ideal is 64 × 0.5 / 4 = 8 s; the score is ideal / the execution's time.
// (b) many trivial steps (each returns a number) on the same 4 workers, 2 processes each: steps
//     scheduled, sent, computed, stored and reported per second of the execution.
// The execution's time is its record's (state.json: executor start to end), as for the parallel
// executor; the CLI's whole time is noted too.
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect, createServer } from "node:net";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { recordedTiming } from "./parallel.mjs";

const repo = new URL("..", import.meta.url).pathname;
const cli = join(repo, "bin/formed.js");
const WORKERS = 4;

const STEPS = `import { step } from "formed";

/** Waits \`ms\` without using the CPU (a synchronous step: it runs in a worker process). */
export const wait = step(({ ms, k }: { ms: number; k: number; rep: number }): number => {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
  return k;
});

export const trivial = step(({ k }: { k: number; rep: number }): number => k);
`;

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.once("error", reject);
  });
}

function ping(port) {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(2000, () => done(false));
    socket.on("connect", () => socket.write("PING\r\n"));
    socket.on("data", (chunk) => done(chunk.toString().startsWith("+PONG")));
    socket.on("error", () => done(false));
  });
}

async function startRedis(dir) {
  const port = await freePort();
  const child = spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--save", "", "--appendonly", "no"],
    { stdio: "ignore" },
  );
  for (let waited = 0; !(await ping(port)); waited += 100) {
    if (child.exitCode !== null || waited > 60_000) throw new Error("redis-server did not start");
    await sleep(100);
  }
  return { url: `redis://127.0.0.1:${port}`, stop: () => child.kill("SIGKILL") };
}

function run(cwd, args) {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(process.execPath, [cli, ...args], { cwd, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0
        ? resolve(performance.now() - start)
        : reject(new Error(`formed ${args.join(" ")}:\n${stderr}`)),
    );
  });
}

async function startWorker(cwd, concurrency) {
  const child = spawn(process.execPath, [cli, "worker", "--concurrency", String(concurrency)], {
    cwd,
    stdio: ["ignore", "ignore", "pipe"],
  });
  let output = "";
  child.stderr.on("data", (chunk) => (output += chunk));
  for (let waited = 0; !output.includes("formed worker on"); waited += 100) {
    if (child.exitCode !== null || waited > 120_000) throw new Error(`a worker did not start:\n${output}`);
    await sleep(100);
  }
  return child;
}

async function stopWorkers(workers) {
  await Promise.all(
    workers.map(
      (child) =>
        new Promise((resolve) => {
          if (child.exitCode !== null) return resolve();
          child.once("exit", resolve);
          child.kill("SIGKILL");
        }),
    ),
  );
}

/** Returns `{ waits: [{ execution, cli }], trivial: [{ execution, cli }], trivialSteps, ideal }`. */
export async function distributedBench({
  root,
  reps,
  log,
  waitSteps = 64,
  waitMs = 500,
  trivialSteps = 1000,
}) {
  const redisDir = mkdtempSync(join(root, "redis-"));
  const redis = await startRedis(redisDir);
  const shared = join(root, "shared");
  const project = (name) => {
    const dir = join(root, name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "steps.ts"), STEPS);
    writeFileSync(
      join(dir, "formed.yml"),
      `required_modules:\n  - ./steps.ts\nworkflow:\n  organizer: { type: filesystem, directory: "${shared}" }\n` +
        `  executor: { type: distributed, redis: "${redis.url}", queue: bench, jobs: 128 }\n`,
    );
    return dir;
  };
  const scheduler = project("scheduler");
  const config = (name, type, count, extra, rep) => {
    const steps = Object.fromEntries(
      Array.from({ length: count }, (_, k) => [`${type}${k}`, { type, k, rep, ...extra }]),
    );
    writeFileSync(join(scheduler, name), JSON.stringify({ steps }));
    return name;
  };
  let runs = 0;
  const timed = async (file) => {
    const id = `bench-${runs++}`;
    const cliMs = await run(scheduler, ["workflow", "run", file, "--execution-id", id]);
    return { cli: cliMs, ...recordedTiming(join(shared, "executions", id)) };
  };
  let workers = [];
  try {
    // The type analysis of the steps, once, before anything is timed.
    await run(scheduler, ["workflow", "run", config("warm.json", "trivial", 1, {}, -1), "--dry-run"]);
    log(`  ${WORKERS} workers, 1 process each; ${waitSteps} steps of ${waitMs} ms`);
    workers = await Promise.all(
      Array.from({ length: WORKERS }, (_, i) => startWorker(project(`worker${i}`), 1)),
    );
    await timed(config("warm.json", "trivial", 8, {}, -1)); // every worker process has run a step
    const waits = [];
    for (let rep = 0; rep < reps; rep++)
      waits.push(await timed(config(`wait${rep}.json`, "wait", waitSteps, { ms: waitMs }, rep)));
    await stopWorkers(workers);
    log(`  ${WORKERS} workers, 2 processes each; ${trivialSteps} trivial steps`);
    workers = await Promise.all(
      Array.from({ length: WORKERS }, (_, i) => startWorker(join(root, `worker${i}`), 2)),
    );
    await timed(config("warm2.json", "trivial", 16, {}, -2));
    const trivial = [];
    for (let rep = 0; rep < reps; rep++)
      trivial.push(await timed(config(`trivial${rep}.json`, "trivial", trivialSteps, {}, rep)));
    return { waits, trivial, trivialSteps, ideal: (waitSteps * waitMs) / WORKERS };
  } finally {
    await stopWorkers(workers);
    redis.stop();
    rmSync(redisDir, { recursive: true, force: true });
  }
}

/**
 * What the distributed executor's end-to-end tests share: steps that record who ran them (a calls
 * file named by CALLS_LOG), and `formed worker` processes started in project folders, killed at
 * the end of each test.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach } from "vitest";
import { FORMED_BIN, type TempProject, USER_NODE } from "./harness.js";

export const STEPS = `import { appendFileSync } from "node:fs";
import { step, useStepLogger } from "formed";

/** Sleeps without spinning: a loaded machine keeps its cores for the other steps. */
const nap = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
const mark = (name: string) =>
  appendFileSync(process.env.CALLS_LOG!, [name, process.pid, process.ppid, process.cwd()].join(" ") + "\\n");

export const leaf = step(({ name, n, ms }: { name: string; n: number; ms: number }) => {
  mark(name);
  nap(ms);
  useStepLogger().info("leaf " + name + " says hello");
  return n * n;
});

export const combine = step(({ name, a, b }: { name: string; a: number; b: number }) => {
  mark(name);
  return a + b;
});

export const total = step(({ name, xs }: { name: string; xs: number[] }) => {
  mark(name);
  return xs.reduce((sum, x) => sum + x, 0);
});

export const onGpu = step({ resources: { gpu: 1 } }, ({ name, ms }: { name: string; ms: number }) => {
  mark(name + ":start");
  nap(ms);
  mark(name + ":end");
  return ms;
});
`;

/** Every `formed worker` a test started: SIGKILLed after it. */
const workers: ChildProcess[] = [];

/** SIGKILLs every worker started so far (before their folders are removed). */
export async function stopWorkers(): Promise<void> {
  await Promise.all(workers.splice(0).map((child) => killAndWait(child)));
}
afterEach(stopWorkers);

export interface Call {
  readonly name: string;
  readonly pid: number;
  /** The process that started the step's process: a `formed worker`, or the scheduler itself. */
  readonly parent: number;
  readonly cwd: string;
}

export function calls(file: string): Call[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const [name, pid, parent, cwd] = line.split(" ") as [string, string, string, string];
      return { name, pid: Number(pid), parent: Number(parent), cwd };
    });
}

/** Starts `formed worker` in the project; resolves once it serves the queue. */
export async function startWorker(
  p: TempProject,
  env: Record<string, string>,
  args: string[] = ["--concurrency", "2"],
): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn(USER_NODE, [FORMED_BIN, "worker", ...args], {
    cwd: p.dir,
    env: {
      ...process.env,
      FORMED_DEBUG: "",
      NO_COLOR: "1",
      FORMED_CACHE_DIR: join(p.dir, ".formed-cache"),
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  workers.push(child);
  let output = "";
  child.stdout?.on("data", (chunk) => (output += chunk));
  child.stderr?.on("data", (chunk) => (output += chunk));
  for (let waited = 0; !output.includes("formed worker on"); waited += 100) {
    if (child.exitCode !== null || waited > 120_000) throw new Error(`the worker did not start:\n${output}`);
    await sleep(100);
  }
  return { child, output: () => output };
}

export async function killAndWait(child: ChildProcess, signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill(signal);
  await exited;
}

export async function waitUntil(condition: () => boolean, timeoutMs = 120_000): Promise<void> {
  for (let waited = 0; !condition(); waited += 50) {
    if (waited > timeoutMs) throw new Error("timed out waiting");
    await sleep(50);
  }
}

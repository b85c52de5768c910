/**
 * The distributed executor, as a team runs it: a real Redis server, `formed workflow run` in one
 * project folder and `formed worker`s each in a folder of its own (sharing nothing but Redis and
 * the cache folder their formed.yml names). Steps record who computed them in a calls file.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type RedisServer, startRedisServer } from "../support/redis-server.js";
import {
  calls as callsIn,
  killAndWait,
  STEPS,
  startWorker,
  stopWorkers,
  waitUntil,
} from "./distributed-support.js";
import { type TempProject, tempProject } from "./harness.js";

const ref = (name: string) => ({ type: "ref", ref: name });

/** 10 leaves, 10 pairs of neighbours, 9 pairs of pairs, 1 total: 30 steps. */
function thirtySteps(): Record<string, unknown> {
  const steps: Record<string, unknown> = {};
  for (let i = 0; i < 10; i++) steps[`l${i}`] = { type: "leaf", name: `l${i}`, n: i, ms: 150 };
  for (let i = 0; i < 10; i++)
    steps[`m${i}`] = { type: "combine", name: `m${i}`, a: ref(`l${i}`), b: ref(`l${(i + 1) % 10}`) };
  for (let i = 0; i < 9; i++)
    steps[`c${i}`] = { type: "combine", name: `c${i}`, a: ref(`m${i}`), b: ref(`m${i + 1}`) };
  steps.t = { type: "total", name: "t", xs: Array.from({ length: 9 }, (_, i) => ref(`c${i}`)) };
  return steps;
}

let redis: RedisServer;
const folders: string[] = [];

beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(async () => {
  await redis?.dispose();
});
afterEach(async () => {
  await stopWorkers();
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

interface Setup {
  readonly shared: string;
  readonly calls: string;
  readonly env: Record<string, string>;
  project(executor?: string, steps?: string): TempProject;
}

/** Projects that share one cache folder (as they would share a remote cache), a queue of their own, and a calls file. */
function setup(config: Record<string, unknown>, server: RedisServer = redis): Setup {
  const shared = mkdtempSync(join(tmpdir(), "formed-shared-"));
  folders.push(shared);
  const calls = join(shared, "calls.log");
  const queue = `q${Math.random().toString(36).slice(2, 10)}`;
  const distributed = `{ type: distributed, redis: "${server.url}", queue: ${queue} }`;
  return {
    shared,
    calls,
    env: { CALLS_LOG: calls },
    project: (executor = distributed, steps = STEPS) =>
      tempProject({
        "steps.ts": steps,
        "formed.yml": `required_modules:\n  - ./steps.ts\nworkflow:\n  organizer: { type: filesystem, directory: "${join(shared, executor === distributed ? "formed" : "local")}" }\n  executor: ${executor}\n`,
        "config.json": JSON.stringify({ steps: config }),
      }),
  };
}

function showJson(p: TempProject, id: string, env: Record<string, string>) {
  return p.formed(["workflow", "show", id, "--json"], { env }).then((result) => {
    expect(result.code, result.stderr).toBe(0);
    return JSON.parse(result.stdout) as {
      state: { status: string };
      steps: { name: string; status: string; fingerprint: string }[];
    };
  });
}

const RUN = { timeoutMs: 240_000 };

describe("the distributed executor", () => {
  it("computes a 30-step DAG once over 3 workers, with the results of a local run", async () => {
    const s = setup(thirtySteps());
    const scheduler = s.project();
    await Promise.all([1, 2, 3].map(() => startWorker(s.project(), s.env)));

    const run = await scheduler.formed(["workflow", "run", "config.json", "--execution-id", "spread"], {
      ...RUN,
      env: s.env,
    });
    expect(run.code, run.stderr).toBe(0);
    const all = callsIn(s.calls);
    expect(all.map((call) => call.name).sort()).toEqual(Object.keys(thirtySteps()).sort());
    // Every step on a worker, none in the scheduler's process, and more than one worker busy.
    expect(all.every((call) => call.cwd !== scheduler.dir)).toBe(true);
    expect(new Set(all.map((call) => call.cwd)).size).toBeGreaterThanOrEqual(2);
    // The terminal names the worker's host, and a worker's log line comes back into the step's log.
    expect(run.stderr).toMatch(/✓ l0 @\S+ ran/);
    expect(run.stderr).toContain("[l0] leaf l0 says hello");

    // The same config run locally, in a cache of its own, gives every step the same key and result.
    const local = s.project("{ type: default }");
    const alone = await local.formed(["workflow", "run", "config.json", "--execution-id", "alone"], {
      ...RUN,
      env: s.env,
    });
    expect(alone.code, alone.stderr).toBe(0);
    const fingerprints = async (p: TempProject, id: string) =>
      Object.fromEntries((await showJson(p, id, s.env)).steps.map((step) => [step.name, step.fingerprint]));
    expect(await fingerprints(scheduler, "spread")).toEqual(await fingerprints(local, "alone"));
    const result = (p: TempProject, id: string) =>
      p.formed(["workflow", "result", id, "t", "--json"], { env: s.env }).then((r) => r.stdout.trim());
    expect(await result(scheduler, "spread")).toBe(await result(local, "alone"));
    const leaves = Array.from({ length: 10 }, (_, i) => i * i);
    const pairs = leaves.map((l, i) => l + leaves[(i + 1) % 10]!);
    const expected = pairs.slice(0, 9).reduce((sum, m, i) => sum + m + pairs[i + 1]!, 0);
    expect(await result(scheduler, "spread")).toBe(String(expected));

    // Run again: everything is cached, nothing is sent.
    const again = await scheduler.formed(["workflow", "run", "config.json"], { ...RUN, env: s.env });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain("0 ran, 30 cached");
  }, 300_000);

  it("gives the step of a worker killed mid-step to another worker", async () => {
    const s = setup({
      a: { type: "leaf", name: "a", n: 3, ms: 6_000 },
      b: { type: "combine", name: "b", a: ref("a"), b: 1 },
    });
    const scheduler = s.project();
    // Short job locks: a dead worker's job moves on within seconds.
    const env = { ...s.env, FORMED_WORKER_LOCK_MS: "4000" };
    const started = await Promise.all(
      [1, 2].map(() => startWorker(s.project(), env, ["--concurrency", "1"])),
    );
    const running = scheduler.formed(["workflow", "run", "config.json"], { ...RUN, env: s.env });

    await waitUntil(() => callsIn(s.calls).some((call) => call.name === "a"));
    const first = callsIn(s.calls).find((call) => call.name === "a")!;
    const victim = started.find((worker) => worker.child.pid === first.parent);
    expect(victim, "the step's process was started by one of the workers").toBeDefined();
    await killAndWait(victim!.child);

    const run = await running;
    expect(run.code, run.stderr).toBe(0);
    const runs = callsIn(s.calls).filter((call) => call.name === "a");
    expect(runs).toHaveLength(2);
    expect(runs[1]!.parent).not.toBe(first.parent);
    expect(run.stderr).toContain("stopped answering");
    const id = /execution (\S+) completed/.exec(run.stderr)![1]!;
    const result = await scheduler.formed(["workflow", "result", id, "b", "--json"], { env: s.env });
    expect(result.stdout.trim()).toBe("10");
  }, 300_000);

  it("sends a step that asks for a resource only to a worker that has it, one at a time there", async () => {
    const s = setup({
      g1: { type: "onGpu", name: "g1", ms: 400 },
      g2: { type: "onGpu", name: "g2", ms: 400 },
      g3: { type: "onGpu", name: "g3", ms: 400 },
      plain: { type: "leaf", name: "plain", n: 1, ms: 1 },
    });
    const scheduler = s.project();
    const gpu = s.project();
    await Promise.all([
      startWorker(gpu, s.env, ["--concurrency", "3", "--resources", "gpu=1"]),
      startWorker(s.project(), s.env, ["--concurrency", "3"]),
    ]);
    const run = await scheduler.formed(["workflow", "run", "config.json"], { ...RUN, env: s.env });
    expect(run.code, run.stderr).toBe(0);
    const gpuCalls = callsIn(s.calls).filter((call) => call.name.startsWith("g"));
    expect(gpuCalls).toHaveLength(6);
    expect(gpuCalls.every((call) => call.cwd === gpu.dir)).toBe(true);
    // Starts and ends alternate: never two of them at once on the one GPU.
    expect(gpuCalls.map((call) => call.name.split(":")[1])).toEqual([
      "start",
      "end",
      "start",
      "end",
      "start",
      "end",
    ]);
  }, 300_000);

  it("stops a worker on Ctrl-C after its running step; a second Ctrl-C hands the step back", async () => {
    const s = setup({ x: { type: "leaf", name: "x", n: 5, ms: 3_000 } });
    const scheduler = s.project();
    const first = await startWorker(s.project(), s.env, ["--concurrency", "1"]);
    const running = scheduler.formed(["workflow", "run", "config.json"], { ...RUN, env: s.env });
    await waitUntil(() => callsIn(s.calls).some((call) => call.name === "x"));
    const exited = new Promise<number | null>((resolve) => first.child.once("exit", resolve));
    first.child.kill("SIGINT");
    expect((await running).code).toBe(0); // finished by the worker that was stopping
    expect(await exited).toBe(0);
    expect(first.output()).toMatch(/stopping \(SIGINT\)[\s\S]*✓ x ran[\s\S]*worker stopped/);

    const t = setup({ y: { type: "leaf", name: "y", n: 6, ms: 5_000 } });
    const other = t.project();
    const quitting = await startWorker(t.project(), t.env, ["--concurrency", "1"]);
    const again = other.formed(["workflow", "run", "config.json"], { ...RUN, env: t.env });
    await waitUntil(() => callsIn(t.calls).some((call) => call.name === "y"));
    const gone = new Promise<number | null>((resolve) => quitting.child.once("exit", resolve));
    quitting.child.kill("SIGINT");
    await sleep(200);
    quitting.child.kill("SIGINT");
    expect(await gone).toBe(0);
    expect(quitting.output()).toContain("y handed back to the queue");
    // Another worker takes it from the queue and the run completes.
    await startWorker(t.project(), t.env, ["--concurrency", "1"]);
    const result = await again;
    expect(result.code, result.stderr).toBe(0);
    const ys = callsIn(t.calls).filter((call) => call.name === "y");
    expect(ys).toHaveLength(2);
    expect(ys[1]!.parent).not.toBe(ys[0]!.parent);
  }, 300_000);

  it("fails the run when a worker's code of a step differs, naming the step and both versions", async () => {
    const s = setup({ l: { type: "leaf", name: "l", n: 2, ms: 1 } });
    const scheduler = s.project();
    const worker = await startWorker(
      s.project(undefined, STEPS.replace("return n * n;", "return n * n + 1;")),
      s.env,
    );

    const run = await scheduler.formed(["workflow", "run", "config.json"], { ...RUN, env: s.env });
    expect(run.code).toBe(1);
    const refusal =
      /step "l" refused by the worker .*: its code version there is ([0-9a-f]{64}), the scheduler's is ([0-9a-f]{64}); the code that differs: steps\.ts#leaf/.exec(
        run.stderr,
      );
    expect(refusal, run.stderr).not.toBeNull();
    expect(refusal![1]).not.toBe(refusal![2]);
    expect(callsIn(s.calls)).toEqual([]); // refused before it ran
    expect(worker.output()).toContain("l refused");
  }, 300_000);

  it("ends the run with a clear error when Redis stops, and the next run resumes from the cache", async () => {
    const own = await startRedisServer();
    try {
      const s = setup(
        {
          quick: { type: "leaf", name: "quick", n: 1, ms: 1 },
          // It reads quick, so it starts only once quick's outcome reached the scheduler.
          long: { type: "leaf", name: "long", n: ref("quick"), ms: 8_000 },
          sum: { type: "total", name: "sum", xs: [ref("quick"), ref("long")] },
        },
        own,
      );
      const scheduler = s.project();
      const worker = await startWorker(s.project(), s.env);
      const running = scheduler.formed(["workflow", "run", "config.json", "--execution-id", "cut"], {
        ...RUN,
        env: s.env,
      });
      await waitUntil(() => callsIn(s.calls).some((call) => call.name === "long"));
      await own.kill();

      const run = await running;
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`lost the Redis server at redis://127.0.0.1:${own.port}`);
      const cut = await showJson(scheduler, "cut", s.env);
      expect(cut.state.status).toBe("failure");
      expect(cut.steps.find((step) => step.name === "quick")?.status).toBe("completed");

      // Redis back (empty), a worker again: what was computed is reused.
      await killAndWait(worker.child);
      const back = await startRedisServer({ port: own.port });
      try {
        await startWorker(s.project(), s.env);
        const resumed = await scheduler.formed(["workflow", "run", "config.json"], { ...RUN, env: s.env });
        expect(resumed.code, resumed.stderr).toBe(0);
        expect(resumed.stderr).toMatch(/○ quick cached/);
        expect(callsIn(s.calls).filter((call) => call.name === "quick")).toHaveLength(1);
      } finally {
        await back.dispose();
      }
    } finally {
      await own.dispose();
    }
  }, 300_000);
});

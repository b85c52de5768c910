/**
 * The parallel executor, as a user runs it: steps overlap (async ones in the main process,
 * synchronous ones in worker processes), resources cap what runs at once, keep-going, and the
 * run's guarantees (one computation per step across processes, cancel, no orphan workers).
 * Every assertion is about the order of times the steps record, never a wall-clock bound.
 */
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { FORMED_BIN, type TempProject, tempProject, USER_NODE } from "./harness.js";

const STEPS = `import { appendFileSync, writeFileSync, existsSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { step, useStepContext, useStepLogger, useStepWorkdir } from "formed";

/** One line per start and end: name, what, time, pid. */
function mark(name: string, what: string) {
  appendFileSync("times.log", [name, what, Date.now(), process.pid].join(" ") + "\\n");
}

export const nap = step(async ({ name, ms }: { name: string; ms: number }) => {
  mark(name, "start");
  await sleep(ms);
  mark(name, "end");
  return ms;
});

export const burn = step(({ name, ms }: { name: string; ms: number }) => {
  mark(name, "start");
  const until = Date.now() + ms;
  let spins = 0;
  while (Date.now() < until) spins++;
  mark(name, "end");
  return spins > 0 ? ms : 0;
});

export const gpu = step({ resources: { gpu: 1 } }, ({ name, ms }: { name: string; ms: number }) => {
  mark(name, "start");
  const until = Date.now() + ms;
  while (Date.now() < until);
  mark(name, "end");
  return ms;
});

export const greedy = step({ resources: { gpu: 3 } }, ({ name }: { name: string }) => {
  mark(name, "start");
  return 1;
});

export const pinned = step({ worker: false }, ({ name }: { name: string }) => {
  mark(name, "start");
  return process.pid;
});

export const whereAmI = step(({ name }: { name: string }) => {
  mark(name, "start");
  const context = useStepContext();
  useStepLogger().info("logged from " + context.info.name + " " + context.info.fingerprint);
  console.log("printed by " + name);
  writeFileSync(useStepWorkdir() + "/note.txt", name);
  return { pid: process.pid, fingerprint: context.info.fingerprint, workdir: existsSync(useStepWorkdir() + "/note.txt") };
});

export const fail = step(({ name }: { name: string }): number => {
  mark(name, "start");
  throw new Error("failed on purpose: " + name + "\\nsecond line");
});

export const sum = step(({ values }: { values: number[] }) => {
  mark("sum", "start");
  return values.reduce((a, b) => a + b, 0);
});

export const waitForever = step(({ name }: { name: string }) => {
  mark(name, "start");
  writeFileSync("started-" + name, String(process.pid));
  for (;;);
});
`;

const ref = (name: string) => ({ type: "ref", ref: name });

function project(steps: Record<string, unknown>, executor = "{ type: parallel, jobs: 4 }"): TempProject {
  return tempProject({
    "steps.ts": STEPS,
    "formed.yml": `required_modules:\n  - ./steps.ts\nworkflow:\n  executor: ${executor}\n`,
    "config.json": JSON.stringify({ steps }),
  });
}

interface Interval {
  name: string;
  start: number;
  end?: number;
  pid: number;
}

function intervals(p: TempProject): Map<string, Interval> {
  const byName = new Map<string, Interval>();
  if (!p.exists("times.log")) return byName;
  for (const line of p.read("times.log").split("\n").filter(Boolean)) {
    const [name, what, time, pid] = line.split(" ") as [string, string, string, string];
    if (what === "start") byName.set(name, { name, start: Number(time), pid: Number(pid) });
    else byName.get(name)!.end = Number(time);
  }
  return byName;
}

/** The most steps running at the same moment. */
function maxOverlap(all: Iterable<Interval>): number {
  const events = [...all].flatMap((i) => [
    [i.start, 1],
    [i.end!, -1],
  ]);
  events.sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!);
  let running = 0;
  let most = 0;
  for (const [, delta] of events) {
    running += delta!;
    most = Math.max(most, running);
  }
  return most;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitUntil(condition: () => boolean, timeoutMs = 60_000): Promise<void> {
  for (let waited = 0; !condition(); waited += 50) {
    if (waited > timeoutMs) throw new Error("timed out waiting");
    await sleep(50);
  }
}

const naps = (count: number) =>
  Object.fromEntries(
    Array.from({ length: count }, (_, i) => [`n${i}`, { type: "nap", name: `n${i}`, ms: 1000 }]),
  );

describe("the parallel executor", () => {
  it("overlaps async steps up to --jobs, and runs them one by one with --jobs 1", async () => {
    const p = project(naps(8));
    const parallel = await p.formed(["workflow", "run", "config.json", "--jobs", "8"]);
    expect(parallel.code, parallel.stderr).toBe(0);
    const together = [...intervals(p).values()];
    expect(together).toHaveLength(8);
    // Every step started before any ended: all eight ran at once, in the main process.
    expect(Math.max(...together.map((i) => i.start))).toBeLessThan(Math.min(...together.map((i) => i.end!)));
    expect(new Set(together.map((i) => i.pid)).size).toBe(1);

    p.write("times.log", "");
    const sequential = await p.formed(["workflow", "run", "config.json", "--jobs", "1", "--force", "n0"]);
    expect(sequential.code, sequential.stderr).toBe(0);
    expect(intervals(p).size).toBe(1); // the rest were cached

    const q = project(naps(4));
    expect((await q.formed(["workflow", "run", "config.json", "--jobs", "1"])).code).toBe(0);
    const oneByOne = [...intervals(q).values()].sort((a, b) => a.start - b.start);
    for (let i = 1; i < oneByOne.length; i++)
      expect(oneByOne[i]!.start).toBeGreaterThanOrEqual(oneByOne[i - 1]!.end!);
    expect(maxOverlap(oneByOne)).toBe(1);
  });

  it("runs synchronous CPU-bound steps at the same time in different worker processes", async () => {
    const steps = Object.fromEntries(
      Array.from({ length: 4 }, (_, i) => [`b${i}`, { type: "burn", name: `b${i}`, ms: 1500 }]),
    );
    const p = project({
      ...steps,
      pin: { type: "pinned", name: "pin" },
      nap: { type: "nap", name: "nap", ms: 1 },
    });
    const result = await p.formed(["workflow", "run", "config.json"]);
    expect(result.code, result.stderr).toBe(0);
    const all = intervals(p);
    const burns = [...all.values()].filter((i) => i.name.startsWith("b"));
    expect(maxOverlap(burns)).toBeGreaterThanOrEqual(2);
    expect(new Set(burns.map((i) => i.pid)).size).toBeGreaterThanOrEqual(2);
    // worker: false and async steps run in the main process, where no synchronous step ran.
    const main = all.get("pin")!.pid;
    expect(all.get("nap")!.pid).toBe(main);
    expect(burns.every((i) => i.pid !== main)).toBe(true);
  });

  it("gives a worker's step its context, log, workdir and output, and its readers its result", async () => {
    const p = project({
      w: { type: "whereAmI", name: "w" },
      total: { type: "sum", values: [ref("nap")] },
      nap: { type: "nap", name: "nap", ms: 1 },
    });
    const result = await p.formed(["workflow", "run", "config.json"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain("[w] logged from w ");
    expect(result.stderr).toContain("[w] printed by w");
    const [execution] = readdirSync(join(p.dir, ".formed", "executions"));
    const steps = JSON.parse(
      readFileSync(join(p.dir, ".formed", "executions", execution!, "steps.json"), "utf8"),
    );
    const fingerprint: string = steps.steps.w.fingerprint;
    expect(fingerprint).toMatch(/^[0-9a-f]{16,}$/);
    const folder = join(p.dir, ".formed", "executions", execution!, "steps", "w");
    const log = readdirSync(folder)
      .filter((file) => file.endsWith(".log"))
      .map((file) => readFileSync(join(folder, file), "utf8"))
      .join("");
    expect(log).toContain(`logged from w ${fingerprint}`);
    expect(log).toContain("printed by w");
    const printed = await p.formed(["workflow", "run", "config.json", "--jobs", "1"]);
    expect(printed.stderr).toMatch(/w cached/);
  });

  it("with --keep-going, finishes and caches every branch a failure does not reach, and lists each failure", async () => {
    const p = project({
      bad: { type: "fail", name: "bad" },
      worse: { type: "fail", name: "worse" },
      reader: { type: "sum", values: [ref("bad")] },
      good: { type: "burn", name: "good", ms: 300 },
      alsoGood: { type: "nap", name: "alsoGood", ms: 300 },
    });
    const result = await p.formed(["workflow", "run", "config.json", "--keep-going"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("2 steps failed:");
    expect(result.stderr).toContain("bad: failed on purpose: bad");
    expect(result.stderr).toContain("worse: failed on purpose: worse");
    // Each failure by its first line only.
    expect(result.stderr).toMatch(
      / {2}bad: failed on purpose: bad\n {2}worse: failed on purpose: worse\n|worse: failed on purpose: worse\n {2}bad: failed on purpose: bad\n/,
    );
    expect(result.stderr).toMatch(/not run, because a step they read failed: reader/);
    const ran = intervals(p);
    expect(ran.has("good") && ran.has("alsoGood")).toBe(true);
    expect(ran.has("sum")).toBe(false);
    p.write("times.log", "");
    const again = await p.formed(["workflow", "run", "config.json", "--keep-going"]);
    expect(again.code).toBe(1);
    expect([...intervals(p).keys()].sort()).toEqual(["bad", "worse"]); // the good ones were cached
  });

  it("never runs more steps holding a resource than it has, and refuses a step asking for more before anything runs", async () => {
    const steps = Object.fromEntries(
      Array.from({ length: 6 }, (_, i) => [`g${i}`, { type: "gpu", name: `g${i}`, ms: 300 }]),
    );
    const p = project(steps, "{ type: parallel, jobs: 6, resources: { gpu: 2 } }");
    const result = await p.formed(["workflow", "run", "config.json"]);
    expect(result.code, result.stderr).toBe(0);
    const all = [...intervals(p).values()];
    expect(all).toHaveLength(6);
    expect(maxOverlap(all)).toBeLessThanOrEqual(2);

    const q = project(
      { x: { type: "nap", name: "x", ms: 1 }, big: { type: "greedy", name: "big" } },
      "{ type: parallel, jobs: 2, resources: { gpu: 2 } }",
    );
    const refused = await q.formed(["workflow", "run", "config.json"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("steps.big");
    expect(refused.stderr).toContain("gpu: 3 (there are 2)");
    expect(q.exists("times.log")).toBe(false);
    expect(q.exists(".formed/executions")).toBe(false);
  });

  // SIGTERM during synchronous, CPU-bound steps: the main process is free to handle it (issue 10).
  for (const signal of ["SIGINT", "SIGTERM", "SIGKILL"] as const) {
    it(`leaves no worker process behind after ${signal} of the main process`, async () => {
      const p = project({ s0: { type: "waitForever", name: "s0" }, s1: { type: "waitForever", name: "s1" } });
      const child = spawn(USER_NODE, [FORMED_BIN, "workflow", "run", "config.json"], {
        cwd: p.dir,
        env: { ...process.env, NO_COLOR: "1", FORMED_CACHE_DIR: join(p.dir, ".formed-cache") },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stderr = "";
      child.stderr.on("data", (chunk) => (stderr += chunk));
      const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
      await waitUntil(() => p.exists("started-s0") && p.exists("started-s1"));
      const workers = ["s0", "s1"].map((name) => Number(p.read(`started-${name}`)));
      expect(workers.every(alive)).toBe(true);
      child.kill(signal);
      const code = await exited;
      // A worker notices its parent is gone within a fraction of a second; a slow machine gets 20 s.
      await waitUntil(() => !workers.some(alive), 20_000);
      if (signal !== "SIGKILL") {
        expect(code).toBe(130);
        expect(stderr).toContain("s0 canceled");
        const locks = join(p.dir, ".formed", "cache", ".locks");
        const held = existsSync(locks) ? readdirSync(locks).filter((name) => name.endsWith(".lock")) : [];
        expect(held).toEqual([]);
      }
    });
  }

  it("computes each step once when two processes run the same workflow with --jobs 4", async () => {
    const steps = Object.fromEntries(
      Array.from({ length: 6 }, (_, i) => [`b${i}`, { type: "burn", name: `b${i}`, ms: 200 }]),
    );
    const p = project({ ...steps, total: { type: "sum", values: Object.keys(steps).map(ref) } });
    const [first, second] = await Promise.all([
      p.formed(["workflow", "run", "config.json", "--jobs", "4"]),
      p.formed(["workflow", "run", "config.json", "--jobs", "4"]),
    ]);
    expect(first.code, first.stderr).toBe(0);
    expect(second.code, second.stderr).toBe(0);
    const starts = p
      .read("times.log")
      .split("\n")
      .filter((line) => line.includes(" start "));
    expect(starts.map((line) => line.split(" ")[0]).sort()).toEqual([...Object.keys(steps), "sum"].sort());
  });
});

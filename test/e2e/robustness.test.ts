import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FORMED_BIN, ref, runFormed, tempProject, USER_NODE } from "./harness.js";

const STEPS = `
import { appendFileSync, writeFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { step } from "formed";

const called = (name: string) => appendFileSync("calls.log", name + "\\n");

/** Streams n records; with SLOW set it crawls, so a test can kill it mid-write. */
export const big = step(async function* ({ n }: { n: number }) {
  called("big");
  for (let i = 0; i < n; i++) {
    if (i === 2000) writeFileSync("started", "");
    if (process.env.SLOW && i % 500 === 0) await sleep(20);
    yield { i, text: "x".repeat(200) };
  }
});

export const count = step(({ items }: { items: Iterable<unknown> }) => {
  called("count");
  let n = 0;
  for (const _ of items) n++;
  writeFileSync("count.json", JSON.stringify(n));
  return n;
});

export const slow = step(async ({ label }: { label: string }) => {
  called("slow:" + label);
  await sleep(700);
  return label.toUpperCase();
});

export const sleepy = step(async ({ seconds }: { seconds: number }) => {
  called("sleepy");
  writeFileSync("sleeping", "");
  await sleep(seconds * 1000);
  return seconds;
});

export const join = step((parts: Record<string, string>) => {
  called("join");
  return Object.values(parts).join("+");
});
`;

async function waitFor(condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error("timed out waiting");
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe("robustness of the cache", () => {
  it("a run killed with SIGKILL mid-write leaves nothing that reads as a hit, and the next run completes", async () => {
    const project = tempProject({
      "steps.ts": STEPS,
      "formed.yml": "required_modules: [./steps.ts]\n",
      "config.json": JSON.stringify({
        steps: { data: { type: "big", n: 20000 }, n: { type: "count", items: ref("data") } },
      }),
    });
    const child = spawn(USER_NODE, [FORMED_BIN, "workflow", "run", "config.json"], {
      cwd: project.dir,
      env: { ...process.env, SLOW: "1", NO_COLOR: "1" },
      stdio: "ignore",
    });
    const exited = new Promise((resolve) => child.on("close", resolve));
    await waitFor(() => existsSync(join(project.dir, "started")));
    child.kill("SIGKILL");
    await exited;
    expect(project.exists("count.json")).toBe(false);

    project.clearCalls();
    const rerun = await runFormed(["workflow", "run", "config.json"], {
      cwd: project.dir,
      timeoutMs: 90_000,
    });
    expect(rerun.stderr).toContain("completed");
    expect(rerun.code).toBe(0);
    // The half-written entry was not taken for a result: the step ran again, in full.
    expect(project.calls()).toEqual(["big", "count"]);
    expect(JSON.parse(project.read("count.json"))).toBe(20000);

    project.clearCalls();
    expect((await runFormed(["workflow", "run", "config.json"], { cwd: project.dir })).code).toBe(0);
    expect(project.calls()).toEqual([]);
  });

  it("two concurrent runs of one workflow compute each step once", async () => {
    const project = tempProject({
      "steps.ts": STEPS,
      "formed.yml": "required_modules: [./steps.ts]\n",
      "config.json": JSON.stringify({
        steps: {
          a: { type: "slow", label: "a" },
          b: { type: "slow", label: "b" },
          c: { type: "slow", label: "c" },
          all: { type: "join", a: ref("a"), b: ref("b"), c: ref("c") },
        },
      }),
    });
    const [first, second] = await Promise.all([
      runFormed(["workflow", "run", "config.json"], { cwd: project.dir }),
      runFormed(["workflow", "run", "config.json"], { cwd: project.dir }),
    ]);
    expect(first.code).toBe(0);
    expect(second.code).toBe(0);
    expect(project.calls().sort()).toEqual(["join", "slow:a", "slow:b", "slow:c"]);
  });

  it("a Ctrl-C cancels the run: states recorded as canceled, exit status 130, finished steps kept", async () => {
    const project = tempProject({
      "steps.ts": STEPS,
      "formed.yml": "required_modules: [./steps.ts]\n",
      "config.json": JSON.stringify({
        steps: { quick: { type: "slow", label: "q" }, long: { type: "sleepy", seconds: 60 } },
      }),
    });
    const child = spawn(
      USER_NODE,
      [FORMED_BIN, "workflow", "run", "config.json", "--execution-id", "stopped"],
      {
        cwd: project.dir,
        env: { ...process.env, NO_COLOR: "1" },
        stdio: ["ignore", "ignore", "pipe"],
      },
    );
    let stderr = "";
    child.stderr.on("data", (chunk) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
    await waitFor(() => existsSync(join(project.dir, "sleeping")));
    const sentAt = Date.now();
    child.kill("SIGINT");
    const code = await exited;
    expect(code).toBe(130);
    // It did not wait for the 60-second step.
    expect(Date.now() - sentAt).toBeLessThan(20_000);
    expect(stderr).toContain("the execution was canceled");
    expect(JSON.parse(project.read(".formed/executions/stopped/state.json")).status).toBe("canceled");
    expect(JSON.parse(project.read(".formed/executions/stopped/steps/long/state.json")).status).toBe(
      "canceled",
    );

    project.clearCalls();
    project.write("config.json", JSON.stringify({ steps: { quick: { type: "slow", label: "q" } } }));
    expect((await runFormed(["workflow", "run", "config.json"], { cwd: project.dir })).code).toBe(0);
    expect(project.calls()).toEqual([]);
  });
});

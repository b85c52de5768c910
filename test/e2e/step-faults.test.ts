/**
 * Whatever a step does to the process, the run ends with a message naming the step, the
 * right exit status, and a record that says what happened (never "running" for ever).
 */
import { spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { FORMED_BIN, runFormed, type TempProject, tempProject, USER_NODE } from "./harness.js";

const STEPS = `import { appendFileSync, writeFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { step } from "formed";

const called = (name: string) => appendFileSync("calls.log", name + "\\n");

export const hang = step((): Promise<number> => {
  called("hang");
  return new Promise(() => {});
});

export const quit = step(({ code }: { code: number }): number => {
  called("quit");
  process.exit(code);
  return 0;
});

export const timerThrows = step(
  () =>
    new Promise<number>((resolve) => {
      called("timerThrows");
      setTimeout(() => {
        throw new Error("boom in a timer");
      }, 10);
      setTimeout(() => resolve(1), 30_000);
    }),
);

export const rejectsUnhandled = step(async () => {
  called("rejectsUnhandled");
  Promise.reject(new Error("nobody handles this"));
  await sleep(30_000);
  return 1;
});

export const sleepy = step(async ({ seconds }: { seconds: number }) => {
  called("sleepy");
  writeFileSync("sleeping", "");
  await sleep(seconds * 1000);
  return seconds;
});

export const plus = step(({ x }: { x: number }) => {
  called("plus");
  return x + 1;
});
`;

function faultProject(steps: Record<string, unknown>): TempProject {
  return tempProject({
    "steps.ts": STEPS,
    "formed.yml": "required_modules: [./steps.ts]\n",
    "config.json": JSON.stringify({ steps }),
  });
}

const read = (project: TempProject, file: string) => JSON.parse(project.read(file));

/** The execution's record agrees with how it ended, and no lock is left held. */
function expectRecorded(
  project: TempProject,
  id: string,
  status: string,
  steps: Record<string, string>,
): void {
  expect(read(project, `.formed/executions/${id}/state.json`).status).toBe(status);
  const recorded = read(project, `.formed/executions/${id}/steps.json`).steps;
  for (const [name, state] of Object.entries(steps)) expect(recorded[name]?.status ?? "pending").toBe(state);
  const locks = join(project.dir, ".formed", "cache", ".locks");
  const held = existsSync(locks) ? readdirSync(locks).filter((name) => name.endsWith(".lock")) : [];
  expect(held).toEqual([]);
}

describe("a step that breaks the process", () => {
  it("a promise that never settles fails the step instead of exiting 0", async () => {
    const project = faultProject({ h: { type: "hang" }, r: { type: "plus", x: { type: "ref", ref: "h" } } });
    const result = await project.formed(["workflow", "run", "config.json", "--execution-id", "hung"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('step "h" never finished: its promise did not settle');
    expect(result.stderr).not.toContain("unexpected error");
    expectRecorded(project, "hung", "failure", { h: "failure", r: "pending" });
    expect(project.calls()).toEqual(["hang"]);
  });

  for (const code of [0, 3]) {
    it(`process.exit(${code}) in a step fails the step and the run is recorded`, async () => {
      const project = faultProject({ q: { type: "quit", code } });
      const result = await project.formed(["workflow", "run", "config.json", "--execution-id", "quit"]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`process.exit(${code}) was called`);
      expect(result.stderr).toContain('step "q"');
      expectRecorded(project, "quit", "failure", { q: "failure" });
    });
  }

  it("an error thrown in a step's timer fails the step, with no Node stack trace", async () => {
    const project = faultProject({ t: { type: "timerThrows" }, other: { type: "plus", x: 1 } });
    const result = await project.formed(["workflow", "run", "config.json", "--execution-id", "timer"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('step "t" failed');
    expect(result.stderr).toContain("boom in a timer");
    expect(result.stderr).not.toMatch(/^\s+at /m);
    expectRecorded(project, "timer", "failure", { t: "failure", other: "pending" });
  });

  it("a rejection nobody handles fails the step that made it", async () => {
    const project = faultProject({ u: { type: "rejectsUnhandled" } });
    const result = await project.formed(["workflow", "run", "config.json", "--execution-id", "unhandled"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("nobody handles this");
    expect(result.stderr).not.toMatch(/^\s+at /m);
    expectRecorded(project, "unhandled", "failure", { u: "failure" });
  });

  for (const signal of ["SIGTERM", "SIGHUP"] as const) {
    it(`${signal} cancels the run: the step shows and is recorded as canceled, exit 130`, async () => {
      const project = faultProject({ done: { type: "plus", x: 1 }, long: { type: "sleepy", seconds: 60 } });
      const child = spawn(
        USER_NODE,
        [FORMED_BIN, "workflow", "run", "config.json", "--execution-id", "sig"],
        {
          cwd: project.dir,
          env: { ...process.env, NO_COLOR: "1", FORMED_CACHE_DIR: join(project.dir, ".formed-cache") },
          stdio: ["ignore", "ignore", "pipe"],
        },
      );
      let stderr = "";
      child.stderr.on("data", (chunk) => (stderr += chunk));
      const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
      for (let waited = 0; !existsSync(join(project.dir, "sleeping")) && waited < 60_000; waited += 50) {
        await sleep(50);
      }
      child.kill(signal);
      expect(await exited).toBe(130);
      expect(stderr).toMatch(/long canceled/);
      expect(stderr).not.toMatch(/long failed/);
      expectRecorded(project, "sig", "canceled", { done: "completed", long: "canceled" });
      // The finished step stays cached.
      project.clearCalls();
      project.write("config.json", JSON.stringify({ steps: { done: { type: "plus", x: 1 } } }));
      expect((await runFormed(["workflow", "run", "config.json"], { cwd: project.dir })).code).toBe(0);
      expect(project.calls()).toEqual([]);
    });
  }
});

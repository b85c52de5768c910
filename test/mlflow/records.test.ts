/**
 * `formed workflow list/show/result/diff` and `formed cache info/gc/remove` with the mlflow
 * organizer, end to end: the real bin against a real tracking server, on real executions
 * (completed, failed, SIGKILLed).
 */
import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MlflowClient } from "../../src/mlflow/client.js";
import { KIND, TAG, tagEquals } from "../../src/mlflow/tags.js";
import { FORMED_BIN, ref, type TempProject, tempProject, USER_NODE } from "../e2e/harness.js";
import { type MlflowServer, startMlflowServer } from "../support/mlflow-server.js";

let server: MlflowServer;
beforeAll(async () => {
  server = await startMlflowServer();
}, 20 * 60_000);
afterAll(async () => {
  await server?.dispose();
}, 30_000);

const STEPS = `
import { writeFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { step } from "formed";
export const add = step(({ a, b }: { a: number; b: number }) => a + b);
export const numbers = step(function* ({ n }: { n: number }) { for (let i = 1; i <= n; i++) yield i; });
export const fail = step(({ message }: { message: string }) => { throw new Error(message); });
export const sleepy = step(async ({ seconds }: { seconds: number }) => {
  writeFileSync("sleeping", "");
  await sleep(seconds * 1000);
  return seconds;
});
`;

function project(experiment: string): TempProject {
  return tempProject({
    "steps.ts": STEPS,
    "formed.yml": `required_modules: [./steps.ts]\nworkflow:\n  organizer:\n    type: mlflow\n    tracking_uri: ${server.uri}\n    experiment_name: ${experiment}\n`,
  });
}

async function json<T>(p: TempProject, args: string[]): Promise<T> {
  const result = await p.formed([...args, "--json"]);
  if (result.code !== 0) throw new Error(`formed ${args.join(" ")} exited ${result.code}:\n${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 25));
}

describe("executions and the cache with the mlflow organizer", () => {
  it("list, show, result, diff, cache info and gc agree with what ran, a killed run included", async () => {
    const p = project("records");
    p.write(
      "a.json",
      JSON.stringify({ steps: { sum: { type: "add", a: 1, b: 2 }, items: { type: "numbers", n: 3 } } }),
    );
    p.write(
      "b.json",
      JSON.stringify({ steps: { sum: { type: "add", a: 1, b: 9 }, items: { type: "numbers", n: 3 } } }),
    );
    p.write(
      "bad.json",
      JSON.stringify({
        steps: { sum: { type: "add", a: 1, b: 2 }, boom: { type: "fail", message: "kaboom" } },
      }),
    );
    p.write(
      "slow.json",
      JSON.stringify({ steps: { sum: { type: "add", a: 1, b: 2 }, nap: { type: "sleepy", seconds: 120 } } }),
    );
    expect((await p.formed(["workflow", "run", "a.json", "--execution-id", "a"])).code).toBe(0);
    expect((await p.formed(["workflow", "run", "b.json", "--execution-id", "b"])).code).toBe(0);
    expect((await p.formed(["workflow", "run", "bad.json", "--execution-id", "bad"])).code).toBe(1);
    const child = spawn(USER_NODE, [FORMED_BIN, "workflow", "run", "slow.json", "--execution-id", "killed"], {
      cwd: p.dir,
      env: { ...process.env, NO_COLOR: "1" },
      stdio: "ignore",
    });
    const exited = new Promise((resolve) => child.on("close", resolve));
    await until(() => p.exists("sleeping"));
    child.kill("SIGKILL");
    await exited;

    const list = await json<
      { id: string; status: string; steps: { ran: number; reused: number; failed: number } }[]
    >(p, ["workflow", "list"]);
    expect(list.map((s) => [s.id, s.status])).toEqual([
      ["killed", "interrupted"],
      ["bad", "failure"],
      ["b", "completed"],
      ["a", "completed"],
    ]);
    expect(list.find((s) => s.id === "b")?.steps).toMatchObject({ ran: 1, reused: 1, failed: 0 });
    expect(list.find((s) => s.id === "bad")?.steps).toMatchObject({ ran: 0, reused: 1, failed: 1 });

    const killed = await json<{ state: { status: string }; steps: { name: string; status: string }[] }>(p, [
      "workflow",
      "show",
      "killed",
    ]);
    expect(killed.state.status).toBe("interrupted");
    expect(killed.steps.find((s) => s.name === "nap")?.status).toBe("interrupted");
    const shown = await json<{
      steps: { name: string; fingerprint: string; result?: { location: string } }[];
    }>(p, ["workflow", "show", "a"]);
    expect(shown.steps.find((s) => s.name === "sum")?.result?.location).toMatch(/^cache run /);

    expect(JSON.parse((await p.formed(["workflow", "result", "b", "sum"])).stdout)).toBe(10);
    expect((await p.formed(["workflow", "result", "a", "items"])).stdout).toBe("1\n2\n3\n");

    const diff = await json<{ steps: { name: string; result: string }[] }>(p, ["workflow", "diff", "a", "b"]);
    expect(diff.steps.map((s) => [s.name, s.result])).toEqual([
      ["sum", "different-result"],
      ["items", "same-result"],
    ]);

    const info = await json<{ entries: number; types: { type: string; entries: number }[] }>(p, [
      "cache",
      "info",
    ]);
    expect(info.entries).toBe(3);
    expect(info.types.find((t) => t.type === "add")?.entries).toBe(2);

    // The newest two executions (killed, bad) used only a's sum: b's sum goes, from the server too.
    const oldSum = shown.steps.find((s) => s.name === "sum")!.fingerprint;
    const bSum = (
      await json<{ steps: { name: string; fingerprint: string }[] }>(p, ["workflow", "show", "b"])
    ).steps.find((s) => s.name === "sum")!.fingerprint;
    const gc = await json<{ removed: { fingerprint: string }[]; bytes: number }>(p, [
      "cache",
      "gc",
      "--keep-last",
      "2",
    ]);
    expect(gc.removed.map((e) => e.fingerprint).sort()).toEqual(
      [bSum, shown.steps.find((s) => s.name === "items")!.fingerprint].sort(),
    );
    expect(gc.bytes).toBeGreaterThan(0);
    const client = new MlflowClient({ trackingUri: server.uri });
    const experiment = await client.getExperimentByName("records-cache");
    const ready = await client.searchRuns({
      experimentIds: [experiment!.experiment_id],
      filter: `${tagEquals(TAG.kind, KIND.cache)} AND ${tagEquals(TAG.cacheStatus, "ready")}`,
    });
    expect(ready.map((run) => run.data.tags?.find((tag) => tag.key === TAG.fingerprint)?.value)).toEqual([
      oldSum,
    ]);
    expect(JSON.parse((await p.formed(["workflow", "result", "a", "sum"])).stdout)).toBe(3);
  }, 300_000);

  it("cache remove drops the step's entry from the server, so it runs again", async () => {
    const p = project("remove");
    p.write(
      "c.json",
      JSON.stringify({
        steps: { sum: { type: "add", a: 2, b: 2 }, twice: { type: "add", a: ref("sum"), b: ref("sum") } },
      }),
    );
    expect((await p.formed(["workflow", "run", "c.json", "--execution-id", "one"])).code).toBe(0);
    const removed = await p.formed(["cache", "remove", "sum", "--config", "c.json"]);
    expect(removed.stdout).toContain('removed the cached result of step "sum"');
    expect((await p.formed(["workflow", "run", "c.json", "--execution-id", "two"])).code).toBe(0);
    const two = await json<{ steps: { name: string; status: string }[] }>(p, ["workflow", "show", "two"]);
    expect(two.steps.map((s) => [s.name, s.status])).toEqual([
      ["sum", "completed"],
      ["twice", "cached"],
    ]);
  }, 300_000);
});

/**
 * `formed workflow list/show/result/diff` and `formed cache info/gc/remove`, end to end on real
 * executions made by the real bin: completed, failed, canceled (SIGINT) and killed (SIGKILL).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type CliResult, FORMED_BIN, ref, type TempProject, tempProject, USER_NODE } from "./harness.js";

const STEPS = `
import { appendFileSync, existsSync, writeFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { step } from "formed";

const called = (name: string) => appendFileSync("calls.log", name + "\\n");
const waitFor = async (file: string) => { while (!existsSync(file)) await sleep(20); };

export const add = step(({ a, b }: { a: number; b: number }) => { called("add"); return a + b; });
export const double = step(({ x }: { x: number }) => { called("double"); return x * 2; });
export const numbers = step(function* ({ n }: { n: number }) {
  called("numbers");
  for (let i = 1; i <= n; i++) yield { i, text: "item " + i };
});
export const bytes = step(() => { called("bytes"); return new Uint8Array([1, 2, 3]); });
export const fail = step(({ message }: { message: string }) => { called("fail"); throw new Error(message + "\\nmore detail"); });
export const sleepy = step(async ({ seconds }: { seconds: number }) => {
  called("sleepy");
  writeFileSync("sleeping", "");
  await sleep(seconds * 1000);
  return seconds;
});
/** Reads its items twice, waiting between the passes until the file "go" exists. */
export const twoPasses = step(async ({ items }: { items: AsyncIterable<{ i: number }> }) => {
  called("twoPasses");
  let first = 0;
  for await (const item of items) first += item.i;
  writeFileSync("first-pass", "");
  await waitFor("go");
  let second = 0;
  for await (const item of items) second += item.i;
  return { first, second };
});
`;

function project(): TempProject {
  return tempProject({ "steps.ts": STEPS, "formed.yml": "required_modules: [./steps.ts]\n" });
}

function config(p: TempProject, file: string, steps: Record<string, unknown>): string {
  p.write(file, JSON.stringify({ steps }));
  return file;
}

async function ok(p: TempProject, args: string[]): Promise<CliResult> {
  const result = await p.formed(args);
  if (result.code !== 0) throw new Error(`formed ${args.join(" ")} exited ${result.code}:\n${result.stderr}`);
  return result;
}

async function json<T>(p: TempProject, args: string[]): Promise<T> {
  return JSON.parse((await ok(p, [...args, "--json"])).stdout) as T;
}

/** One message, exit status 1, no stack trace. */
function expectCleanFailure(result: CliResult, ...fragments: string[]): void {
  expect(result.code).toBe(1);
  for (const fragment of fragments) expect(result.stderr).toContain(fragment);
  expect(result.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
  expect(result.stderr.match(/error:/g)?.length).toBe(1);
}

/** Starts a run in the background; resolves its exit once `marker` exists. */
function startRun(p: TempProject, args: string[]): { child: ChildProcess; exited: Promise<number | null> } {
  const child = spawn(USER_NODE, [FORMED_BIN, ...args], {
    cwd: p.dir,
    env: { ...process.env, NO_COLOR: "1", FORMED_CACHE_DIR: join(p.dir, ".formed-cache") },
    stdio: "ignore",
  });
  return { child, exited: new Promise((resolve) => child.on("close", (code) => resolve(code))) };
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 25));
}

interface Summary {
  id: string;
  status: string;
  config?: string;
  steps: { ran: number; reused: number; failed: number };
}

interface Shown {
  state: { status: string };
  steps: {
    name: string;
    status: string;
    fingerprint?: string;
    result?: { location: string; bytes: number };
    error?: string;
    log?: string;
  }[];
}

describe("formed workflow list, show, result, diff", () => {
  it("report completed, failed, canceled and killed executions as they are", async () => {
    const p = project();
    const base = { sum: { type: "add", a: 1, b: 2 }, items: { type: "numbers", n: 3 } };
    config(p, "a.json", { ...base, doubled: { type: "double", x: ref("sum") }, raw: { type: "bytes" } });
    config(p, "b.json", {
      ...base,
      sum: { type: "add", a: 1, b: 5 },
      doubled: { type: "double", x: ref("sum") },
    });
    config(p, "bad.json", { sum: base.sum, boom: { type: "fail", message: "kaboom" } });
    config(p, "slow.json", { sum: base.sum, slow: { type: "sleepy", seconds: 120 } });
    await ok(p, ["workflow", "run", "a.json", "--execution-id", "first"]);
    await ok(p, ["workflow", "run", "b.json", "--execution-id", "second"]);
    expect((await p.formed(["workflow", "run", "bad.json", "--execution-id", "failed"])).code).toBe(1);

    const canceled = startRun(p, ["workflow", "run", "slow.json", "--execution-id", "canceled"]);
    await until(() => p.exists("sleeping"));
    canceled.child.kill("SIGINT");
    expect(await canceled.exited).toBe(130);
    rmSync(join(p.dir, "sleeping"));
    const killed = startRun(p, ["workflow", "run", "slow.json", "--execution-id", "killed"]);
    // Step records are written in batches: once this one is, the kill comes mid-step.
    await until(() => p.exists(".formed/executions/killed/steps/slow/state.json"));
    // While it runs, it is running.
    const running = await json<Summary[]>(p, ["workflow", "list", "--limit", "1"]);
    expect(running.map((s) => [s.id, s.status])).toEqual([["killed", "running"]]);
    killed.child.kill("SIGKILL");
    await killed.exited;

    const list = await json<Summary[]>(p, ["workflow", "list"]);
    expect(list.map((s) => [s.id, s.status])).toEqual([
      ["killed", "interrupted"],
      ["canceled", "canceled"],
      ["failed", "failure"],
      ["second", "completed"],
      ["first", "completed"],
    ]);
    expect(list.find((s) => s.id === "first")?.steps).toMatchObject({ ran: 4, reused: 0, failed: 0 });
    expect(list.find((s) => s.id === "second")?.steps).toMatchObject({ ran: 2, reused: 1, failed: 0 });
    expect(list.find((s) => s.id === "failed")?.steps).toMatchObject({ ran: 0, reused: 1, failed: 1 });
    expect(list.find((s) => s.id === "second")?.config).toBe(join(p.dir, "b.json"));
    const failures = await json<Summary[]>(p, ["workflow", "list", "--status", "failure"]);
    expect(failures.map((s) => s.id)).toEqual(["failed"]);
    const human = (await ok(p, ["workflow", "list"])).stdout;
    expect(human.split("\n")[0]).toMatch(
      /^ID\s+STARTED\s+DURATION\s+STATUS\s+RAN\s+REUSED\s+FAILED\s+CONFIG$/,
    );
    expect(human).toMatch(/killed .* interrupted/);

    // show: the killed run's running step is interrupted, not running forever.
    const shownKilled = await json<Shown>(p, ["workflow", "show", "killed"]);
    expect(shownKilled.state.status).toBe("interrupted");
    expect(shownKilled.steps.map((s) => [s.name, s.status])).toEqual([
      ["sum", "cached"],
      ["slow", "interrupted"],
    ]);
    const shownCanceled = await json<Shown>(p, ["workflow", "show", "canceled"]);
    expect(shownCanceled.steps.find((s) => s.name === "slow")?.status).toBe("canceled");

    const failed = await json<Shown>(p, ["workflow", "show", "failed"]);
    const boom = failed.steps.find((s) => s.name === "boom")!;
    expect(boom.status).toBe("failure");
    expect(boom.log !== undefined && readFileSync(boom.log, "utf8")).toContain("kaboom");
    const failedText = (await ok(p, ["workflow", "show", "failed"])).stdout;
    expect(failedText).toContain("error: kaboom\n");
    expect(failedText).not.toContain("more detail");
    expect(failedText).toContain(join(".formed", "executions", "failed", "steps", "boom", "out.log"));

    const first = await json<Shown>(p, ["workflow", "show", "first"]);
    const sum = first.steps.find((s) => s.name === "sum")!;
    expect(sum.fingerprint).toMatch(/^[0-9a-f]{32}$/);
    expect(existsSync(join(sum.result!.location, ".formed-manifest.json"))).toBe(true);
    const firstText = (await ok(p, ["workflow", "show", "first"])).stdout;
    for (const fragment of [
      "status   completed",
      "git      (not a git repository)",
      "node     v",
      "sum: {",
    ]) {
      expect(firstText).toContain(fragment);
    }

    // result: a value as JSON, a stream as JSON Lines, bytes as a message naming the file.
    expect(JSON.parse((await ok(p, ["workflow", "result", "second", "doubled"])).stdout)).toBe(12);
    expect((await ok(p, ["workflow", "result", "first", "items"])).stdout).toBe(
      '{"i":1,"text":"item 1"}\n{"i":2,"text":"item 2"}\n{"i":3,"text":"item 3"}\n',
    );
    expectCleanFailure(
      await p.formed(["workflow", "result", "first", "raw"]),
      'is binary (format "auto")',
      "value.v8",
    );

    // diff: config by path, and each step's result.
    const diff = await json<{ steps: { name: string; result: string; differences: { text: string }[] }[] }>(
      p,
      ["workflow", "diff", "first", "second"],
    );
    const byName = Object.fromEntries(diff.steps.map((step) => [step.name, step]));
    expect(byName.sum?.result).toBe("different-result");
    expect(byName.sum?.differences.map((d) => d.text)).toContain("argument steps.sum.b changed: 2 -> 5");
    expect(byName.items?.result).toBe("same-result");
    expect(byName.doubled?.result).toBe("different-result");
    expect(byName.doubled?.differences.map((d) => d.text)).toContain(
      "upstream result changed: sum (read at steps.doubled.x)",
    );
    expect(byName.raw?.result).toBe("only-in-first");
    const diffText = (await ok(p, ["workflow", "diff", "first", "second"])).stdout;
    expect(diffText).toContain("≠ sum");
    expect(diffText).toContain("= items");

    // Bad input: one message, exit status 1.
    expectCleanFailure(await p.formed(["workflow", "show", "nope"]), "no execution nope");
    expectCleanFailure(await p.formed(["workflow", "result", "first", "nope"]), 'has no step "nope"');
    expectCleanFailure(await p.formed(["workflow", "result", "nope", "sum"]), "no execution nope");
    expectCleanFailure(await p.formed(["workflow", "diff", "first", "nope"]), "no execution nope");
    expectCleanFailure(await p.formed(["workflow", "list", "--limit", "many"]), "--limit");
    expectCleanFailure(await p.formed(["workflow", "list", "--status", "done"]), "--status");
  }, 240_000);
});

function entryBytes(p: TempProject, fingerprint: string): number {
  const dir = join(p.dir, ".formed", "cache", fingerprint.slice(0, 2), fingerprint);
  const manifestText = readFileSync(join(dir, ".formed-manifest.json"), "utf8");
  const manifest = JSON.parse(manifestText) as { files: { size: number }[] };
  return manifest.files.reduce((sum, file) => sum + file.size, Buffer.byteLength(manifestText));
}

function entries(p: TempProject): string[] {
  const root = join(p.dir, ".formed", "cache");
  return readdirSync(root)
    .filter((name) => /^[0-9a-f]{2}$/.test(name))
    .flatMap((shard) => readdirSync(join(root, shard)))
    .sort();
}

async function fingerprintOf(p: TempProject, id: string, step: string): Promise<string> {
  const shown = await json<Shown>(p, ["workflow", "show", id]);
  return shown.steps.find((s) => s.name === step)!.fingerprint!;
}

describe("formed cache info, gc, remove", () => {
  it("gc keeps what kept executions use, frees the rest, and says how much", async () => {
    const p = project();
    config(p, "old.json", { sum: { type: "add", a: 1, b: 2 }, items: { type: "numbers", n: 5 } });
    config(p, "new.json", { sum: { type: "add", a: 1, b: 3 }, items: { type: "numbers", n: 5 } });
    await ok(p, ["workflow", "run", "old.json", "--execution-id", "old"]);
    await ok(p, ["workflow", "run", "new.json", "--execution-id", "new"]);
    const oldSum = await fingerprintOf(p, "old", "sum");

    const info = await json<{ entries: number; bytes: number; types: { type: string; entries: number }[] }>(
      p,
      ["cache", "info"],
    );
    expect(info.entries).toBe(3);
    expect(info.types.map((t) => [t.type, t.entries])).toEqual(
      expect.arrayContaining([
        ["add", 2],
        ["numbers", 1],
      ]),
    );
    expect((await ok(p, ["cache", "info"])).stdout).toContain("entries: 3");

    // Without options every execution is kept: nothing to remove.
    expect((await json<{ removed: unknown[] }>(p, ["cache", "gc"])).removed).toEqual([]);
    const dry = await ok(p, ["cache", "gc", "--keep-last", "1", "--dry-run"]);
    expect(dry.stdout).toContain(`would remove ${oldSum}`);
    expect(entries(p)).toContain(oldSum);

    const freed = entryBytes(p, oldSum);
    const gc = await json<{ removed: { fingerprint: string }[]; bytes: number }>(p, [
      "cache",
      "gc",
      "--keep-last",
      "1",
    ]);
    expect(gc.removed.map((e) => e.fingerprint)).toEqual([oldSum]);
    expect(gc.bytes).toBe(freed);
    expect(entries(p)).not.toContain(oldSum);
    expect(entries(p)).toHaveLength(2);
    // The kept execution's results still read.
    expect(JSON.parse((await ok(p, ["workflow", "result", "new", "sum"])).stdout)).toBe(4);
    expectCleanFailure(await p.formed(["workflow", "result", "old", "sum"]), "not in the filesystem cache");

    // --older-than: both executions started less than a day ago.
    expect((await json<{ removed: unknown[] }>(p, ["cache", "gc", "--older-than", "1d"])).removed).toEqual(
      [],
    );
    expectCleanFailure(await p.formed(["cache", "gc", "--older-than", "30 days"]), "--older-than");
    expectCleanFailure(await p.formed(["cache", "gc", "--keep-last", "-1"]), "--keep-last");
  }, 120_000);

  it("remove makes that step run again, and only it", async () => {
    const p = project();
    config(p, "c.json", { sum: { type: "add", a: 1, b: 2 }, doubled: { type: "double", x: ref("sum") } });
    await ok(p, ["workflow", "run", "c.json"]);
    p.clearCalls();
    const removed = await ok(p, ["cache", "remove", "sum", "--config", "c.json"]);
    expect(removed.stdout).toContain('removed the cached result of step "sum"');
    expect((await ok(p, ["cache", "remove", "sum", "--config", "c.json"])).stdout).toContain(
      "nothing removed",
    );
    await ok(p, ["workflow", "run", "c.json"]);
    // Same result again: its reader is reused (early cutoff).
    expect(p.calls()).toEqual(["add"]);
    expectCleanFailure(await p.formed(["cache", "remove", "nope", "--config", "c.json"]), "nope");
  }, 120_000);

  it("gc running beside a workflow never removes an entry the workflow reads, and frees the rest", async () => {
    const p = project();
    config(p, "prepare.json", { items: { type: "numbers", n: 200 }, other: { type: "add", a: 40, b: 2 } });
    config(p, "use.json", {
      items: { type: "numbers", n: 200 },
      passes: { type: "twoPasses", items: ref("items") },
    });
    await ok(p, ["workflow", "run", "prepare.json", "--execution-id", "prepare"]);
    const items = await fingerprintOf(p, "prepare", "items");
    const other = await fingerprintOf(p, "prepare", "other");
    const otherBytes = entryBytes(p, other);

    // The workflow reads the cached items once, then waits before reading them again.
    const run = startRun(p, ["workflow", "run", "use.json", "--execution-id", "use"]);
    await until(() => p.exists("first-pass"));
    // Keep nothing but what running executions use.
    const gc = await json<{
      removed: { fingerprint: string }[];
      bytes: number;
      skipped: { fingerprint: string; reason: string }[];
    }>(p, ["cache", "gc", "--keep-last", "0"]);
    expect(gc.removed.map((e) => e.fingerprint)).toEqual([other]);
    expect(gc.bytes).toBe(otherBytes);
    // The running execution keeps it: by its record once that names the step (kept), or before
    // that by its live register (skipped as in use); which one depends on the record's flush.
    expect(gc.skipped.filter((entry) => entry.fingerprint !== items || entry.reason !== "in-use")).toEqual(
      [],
    );
    expect(entries(p)).toContain(items);
    p.write("go", "");
    expect(await run.exited).toBe(0);
    expect(JSON.parse((await ok(p, ["workflow", "result", "use", "passes"])).stdout)).toEqual({
      first: 20100,
      second: 20100,
    });
    expect(p.calls().filter((call) => call === "numbers")).toHaveLength(1);

    // Once it ended, its entries are kept as the newest execution's.
    const after = await json<{ removed: unknown[] }>(p, ["cache", "gc", "--keep-last", "1"]);
    expect(after.removed).toEqual([]);
    expect(entries(p)).toContain(items);
  }, 120_000);
});

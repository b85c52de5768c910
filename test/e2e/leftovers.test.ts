// What a killed run leaves (a held lock, scratch folders) and a full disk, through the real CLI.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DEFAULT_LOCK_STALE_MS } from "../../src/cache/lock.js";
import { FORMED_BIN, ref, runFormed, tempProject, USER_NODE } from "./harness.js";

const STEPS = `
import { appendFileSync, existsSync, writeFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { step } from "formed";

const called = (name: string) => appendFileSync("calls.log", name + "\\n");

export const quick = step(({ label }: { label: string }) => {
  called("quick:" + label);
  return label;
});

/** Says it started, then waits for the file "go": a test kills the run meanwhile. */
export const waiting = step(async ({ after }: { after: string }) => {
  called("waiting");
  writeFileSync("waiting", "");
  while (!existsSync("go")) await sleep(50);
  return after + "!";
});
`;

const CONFIG = {
  steps: { q: { type: "quick", label: "a" }, w: { type: "waiting", after: ref("q") } },
};

async function waitFor(condition: () => boolean, timeoutMs = 60_000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error("timed out waiting");
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Starts a run, waits until its `waiting` step runs, SIGKILLs it; returns its pid. */
async function killMidStep(dir: string): Promise<number> {
  const child: ChildProcess = spawn(USER_NODE, [FORMED_BIN, "workflow", "run", "config.json"], {
    cwd: dir,
    env: { ...process.env, NO_COLOR: "1", FORMED_CACHE_DIR: join(dir, ".formed-cache") },
    stdio: "ignore",
  });
  const closed = new Promise((resolve) => child.on("close", resolve));
  await waitFor(() => existsSync(join(dir, "waiting")));
  child.kill("SIGKILL");
  await closed;
  return child.pid ?? 0;
}

/** Names in the cache's .locks and .tmp that carry `pid` as their owner's. */
function leftoversOf(dir: string, pid: number): string[] {
  const found: string[] = [];
  for (const folder of [".locks", ".tmp"]) {
    const path = join(dir, ".formed", "cache", folder);
    if (!existsSync(path)) continue;
    for (const name of readdirSync(path)) {
      if (
        name.split(".")[2] === String(pid) ||
        (name.endsWith(".lock") && holder(join(path, name)) === pid)
      ) {
        found.push(`${folder}/${name}`);
      }
    }
  }
  return found;
}

/** The pid named by a lock folder's owner marker. */
function holder(lockFolder: string): number | undefined {
  const marker = readdirSync(lockFolder).find((name) => name.startsWith("owner."));
  return marker === undefined ? undefined : Number(marker.split(".")[2]);
}

describe("what a killed run leaves behind", () => {
  it("the next run takes over the dead run's lock at once, not after the stale time, and cleans up", async () => {
    const project = tempProject({
      "steps.ts": STEPS,
      "formed.yml": "required_modules: [./steps.ts]\n",
      "config.json": JSON.stringify(CONFIG),
    });
    const pid = await killMidStep(project.dir);
    // It left its lock on the step it was computing (and the scratch of the step before).
    expect(leftoversOf(project.dir, pid).some((name) => name.endsWith(".lock"))).toBe(true);

    project.write("go", "");
    project.clearCalls();
    const start = Date.now();
    const rerun = await project.formed(["workflow", "run", "config.json"], { timeoutMs: 90_000 });
    const took = Date.now() - start;
    expect(rerun.stderr).toContain("completed");
    expect(rerun.code).toBe(0);
    expect(project.calls()).toEqual(["waiting"]);
    // Waiting for the dead run's lock to go stale would take 30 s on top of the run.
    expect(took).toBeLessThan(DEFAULT_LOCK_STALE_MS * 0.7);
    expect(leftoversOf(project.dir, pid)).toEqual([]);
  }, 120_000);

  it("the next run cleans the killed run's lock and scratch even when it computes other steps", async () => {
    const project = tempProject({
      "steps.ts": STEPS,
      "formed.yml": "required_modules: [./steps.ts]\n",
      "config.json": JSON.stringify(CONFIG),
    });
    const pid = await killMidStep(project.dir);
    expect(leftoversOf(project.dir, pid).length).toBeGreaterThan(1);

    project.write("other.json", JSON.stringify({ steps: { b: { type: "quick", label: "b" } } }));
    const other = await project.formed(["workflow", "run", "other.json"], { timeoutMs: 90_000 });
    expect(other.code).toBe(0);
    expect(leftoversOf(project.dir, pid)).toEqual([]);
    expect(
      readdirSync(join(project.dir, ".formed", "cache", ".locks")).filter((n) => n.endsWith(".lock")),
    ).toEqual([]);
  }, 120_000);
});

/** A 200 KB tmpfs, as root; undefined where mounting is not permitted. */
function mountTinyDisk(): string | undefined {
  if (process.platform !== "linux" || process.getuid?.() !== 0) return undefined;
  const dir = mkdtempSync(join(tmpdir(), "formed-full-disk-"));
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=200k", "tmpfs", dir], { stdio: "ignore" });
    return dir;
  } catch {
    rmSync(dir, { recursive: true, force: true });
    return undefined;
  }
}

describe("a full disk", () => {
  it("is a clear error naming the file, and leaves no half-made execution record", async (context) => {
    const disk = mountTinyDisk();
    // Without the right to mount: test/organizer/full-disk.test.ts injects the error instead.
    if (disk === undefined) return context.skip();
    const outside = mkdtempSync(join(tmpdir(), "formed-full-disk-cache-"));
    try {
      writeFileSync(join(disk, "steps.ts"), STEPS);
      writeFileSync(join(disk, "formed.yml"), "required_modules: [./steps.ts]\n");
      writeFileSync(
        join(disk, "config.json"),
        JSON.stringify({ steps: { q: { type: "quick", label: "a" } } }),
      );
      // Fill it up.
      const block = Buffer.alloc(4096);
      try {
        for (let i = 0; ; i++) writeFileSync(join(disk, `fill-${i}`), block);
      } catch (error) {
        expect((error as NodeJS.ErrnoException).code).toBe("ENOSPC");
      }
      // The user cache (type analysis) elsewhere: this test is about the execution record.
      const env = { FORMED_CACHE_DIR: outside };
      const args = ["workflow", "run", "config.json", "--execution-id", "e1"];
      const full = await runFormed(args, { cwd: disk, env });
      expect(full.code).toBe(1);
      expect(full.stderr).toContain("no space left on device writing .formed/executions/e1/");
      expect(full.stderr).not.toContain("unexpected");
      expect(existsSync(join(disk, ".formed", "executions", "e1"))).toBe(false);
      expect(readdirSync(join(disk, ".formed")).filter((name) => name.endsWith(".tmp"))).toEqual([]);

      // Space again: the same id works.
      for (const name of readdirSync(disk)) if (name.startsWith("fill-")) rmSync(join(disk, name));
      const retried = await runFormed(args, { cwd: disk, env });
      expect(retried.code).toBe(0);
      expect(existsSync(join(disk, ".formed", "executions", "e1", "state.json"))).toBe(true);
    } finally {
      execFileSync("umount", [disk], { stdio: "ignore" });
      rmSync(disk, { recursive: true, force: true });
      rmSync(outside, { recursive: true, force: true });
    }
  }, 120_000);
});

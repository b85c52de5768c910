// Lock owners across processes: a dead holder of this host is taken over at once, a live one
// never, another host's by staleness; the refresh goes on while the holder's main thread is
// blocked; what killed runs leave in .locks and .tmp is cleaned, a live process's never.
import { existsSync, readdirSync, renameSync, statSync, utimesSync } from "node:fs";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { FilesystemCache } from "../../src/cache/filesystem.js";
import { lockPath } from "../../src/cache/lock.js";
import { kill, spawnFixture, waitForLine } from "./child-process.js";
import { fingerprint } from "./conformance.js";

const TEN_MINUTES = 600_000;
const DAY = 24 * 60 * 60 * 1000;

let directory = "";
const children: ReturnType<typeof spawnFixture>[] = [];
afterEach(async () => {
  await Promise.all(children.splice(0).map((child) => kill(child)));
  await rm(directory, { recursive: true, force: true });
});

async function freshDirectory(): Promise<string> {
  directory = await mkdtemp(join(tmpdir(), "formed-lock-owner-"));
  return directory;
}

/** A child holding the lock on `fp` (see fixtures/lock-holder.ts), once it says so. */
async function holder(fp: string, stale: number, update: number, mode: string, blockMs = 0) {
  const child = spawnFixture("lock-holder.ts", [
    directory,
    fp,
    String(stale),
    String(update),
    mode,
    String(blockMs),
  ]);
  children.push(child);
  await waitForLine(child, "locked");
  return child;
}

/** The name of the owner marker in a lock folder. */
function markerOf(fp: string): string {
  const names = readdirSync(lockPath(directory, fp)).filter((name) => name.startsWith("owner."));
  expect(names).toHaveLength(1);
  return names[0]!;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

describe("lock owners", () => {
  it("takes over at once the lock of a SIGKILLed process of this host, long before it is stale", async () => {
    await freshDirectory();
    const fp = fingerprint();
    const child = await holder(fp, TEN_MINUTES, 1_000, "hold");
    // The lock names its owner: host, pid, start time.
    expect(markerOf(fp).split(".")[2]).toBe(String(child.pid));
    await kill(child);
    const cache = new FilesystemCache({ directory, lock: { stale: TEN_MINUTES } });
    const start = Date.now();
    const lock = await cache.lock(fp);
    // Waiting for staleness would take ten minutes (and time the test out).
    expect(Date.now() - start).toBeLessThan(TEN_MINUTES / 4);
    await lock.release();
  }, 60_000);

  it("never takes over a live process's lock, even one not refreshed for longer than stale", async () => {
    await freshDirectory();
    const fp = fingerprint();
    const child = await holder(fp, 2_000, 500, "hold");
    child.kill("SIGSTOP"); // stopped, refresher thread included: alive, but its mtime ages
    const cache = new FilesystemCache({ directory, lock: { stale: 2_000, update: 500 } });
    const events: string[] = [];
    const acquired = cache.lock(fp).then((lock) => {
      events.push("acquired");
      return lock;
    });
    await sleep(6_000);
    expect(Date.now() - statSync(lockPath(directory, fp)).mtimeMs).toBeGreaterThan(2_000);
    events.push("killed");
    await kill(child);
    await (await acquired).release();
    expect(events).toEqual(["killed", "acquired"]);
  }, 60_000);

  it("keeps refreshing while the holder's main thread is blocked, so another host cannot take it", async () => {
    await freshDirectory();
    const fp = fingerprint();
    const stale = 5_000;
    const child = await holder(fp, stale, 250, "block", 12_000);
    // Make the holder look like another host's, which only staleness can take from it.
    const marker = markerOf(fp);
    const foreign = ["owner", "elsewhere", ...marker.split(".").slice(2)].join(".");
    renameSync(join(lockPath(directory, fp), marker), join(lockPath(directory, fp), foreign));
    const released = waitForLine(child, "released");
    const cache = new FilesystemCache({ directory, lock: { stale, update: 250 } });
    let acquired = false;
    const waiter = cache.lock(fp).then((lock) => {
      acquired = true;
      // Only once the holder finished its blocked "step" and released.
      expect(existsSync(join(directory, "done"))).toBe(true);
      return lock;
    });
    // Watch the folder's mtime while the holder is blocked: it keeps moving.
    const mtimes = new Set<number>();
    let oldest = 0;
    while (!existsSync(join(directory, "done")) && !acquired) {
      const stats = statSync(lockPath(directory, fp), { throwIfNoEntry: false });
      if (stats !== undefined) {
        mtimes.add(stats.mtimeMs);
        oldest = Math.max(oldest, Date.now() - stats.mtimeMs);
      }
      await sleep(100);
    }
    await released;
    await (await waiter).release();
    expect(acquired).toBe(true);
    // 12 s blocked, refreshed every 250 ms: many refreshes, none late enough to look stale.
    expect(mtimes.size).toBeGreaterThan(5);
    expect(oldest).toBeLessThan(stale);
  }, 90_000);

  it("does not keep the process alive, and releases a lock still held when the process exits", async () => {
    await freshDirectory();
    const fp = fingerprint();
    const child = await holder(fp, TEN_MINUTES, 1_000, "exit");
    const [code] = await new Promise<[number | null]>((resolve) => {
      if (child.exitCode !== null) resolve([child.exitCode]);
      else child.once("exit", (exitCode) => resolve([exitCode]));
    });
    expect(code).toBe(0);
    expect(existsSync(lockPath(directory, fp))).toBe(false);
    expect(await readdir(join(directory, ".locks"))).toEqual([]);
  }, 60_000);

  it("cleans what killed runs left in .locks and .tmp, and keeps what live processes and fresh other hosts own", async () => {
    await freshDirectory();
    // A live run's lock, and a killed run's (killed last: a run cleans .locks at its first lock).
    const live = fingerprint();
    const running = await holder(live, TEN_MINUTES, 1_000, "hold");
    const liveTag = markerOf(live).split(".").slice(1, 4).join(".");
    const dead = fingerprint();
    const killed = await holder(dead, TEN_MINUTES, 1_000, "hold");
    const deadTag = markerOf(dead).split(".").slice(1, 4).join(".");
    await kill(killed);
    // Another host's locks: one not refreshed for longer than stale, one fresh.
    const old = new Date(Date.now() - 120_000);
    const foreignStale = fingerprint();
    const foreignFresh = fingerprint();
    for (const fp of [foreignStale, foreignFresh]) {
      await mkdir(lockPath(directory, fp));
      await writeFile(join(lockPath(directory, fp), "owner.elsewhere.4242.99.abc"), "");
    }
    utimesSync(lockPath(directory, foreignStale), old, old);
    // Scratch: a killed run's (a folder with a half-written file), a live run's, another host's
    // untouched for two days and another host's written just now.
    const tmp = join(directory, ".tmp");
    const scratch = {
      dead: join(tmp, `scratch.${deadTag}.aaaa`),
      live: join(tmp, `scratch.${liveTag}.bbbb`),
      foreignOld: join(tmp, "scratch.elsewhere.4242.99.cccc"),
      foreignFresh: join(tmp, "scratch.elsewhere.4242.99.dddd"),
    };
    for (const path of Object.values(scratch)) {
      await mkdir(path, { recursive: true });
      await writeFile(join(path, "value.json"), "[1, 2");
    }
    const twoDaysAgo = new Date(Date.now() - 2 * DAY);
    for (const path of [join(scratch.foreignOld, "value.json"), scratch.foreignOld]) {
      utimesSync(path, twoDaysAgo, twoDaysAgo);
    }
    // A spare marker of the killed run beside the locks.
    await writeFile(join(directory, ".locks", `owner.${deadTag}.eeee`), "");

    const cache = new FilesystemCache({ directory, lock: { stale: 30_000 } });
    expect(await cache.cleanTemporary()).toBe(5);
    expect((await readdir(join(directory, ".locks"))).sort()).toEqual(
      [`${live}.lock`, `${foreignFresh}.lock`].sort(),
    );
    expect((await readdir(tmp)).map((name) => join(tmp, name)).sort()).toEqual(
      [scratch.live, scratch.foreignFresh].sort(),
    );
    // The live holder still holds its lock, marker and all.
    expect(markerOf(live).split(".")[2]).toBe(String(running.pid));
  }, 60_000);
});

import { existsSync, statSync } from "node:fs";
import { mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { FilesystemCache } from "../../src/cache/filesystem.js";
import { lockPath } from "../../src/cache/lock.js";
import { JsonFormat } from "../../src/format/json.js";
import { kill, spawnFixture, waitForLine } from "./child-process.js";
import { fingerprint } from "./conformance.js";

const STALE = 3_000;

describe("filesystem cache locks", () => {
  let directory = "";
  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });
  async function freshCache(): Promise<FilesystemCache> {
    directory = await mkdtemp(join(tmpdir(), "formed-lock-"));
    return new FilesystemCache({ directory, lock: { stale: STALE, update: 1_000 } });
  }

  it("makes a second holder wait until the first releases", async () => {
    const cache = await freshCache();
    const other = new FilesystemCache({ directory, lock: { stale: STALE, update: 1_000 } });
    const fp = fingerprint();
    const first = await cache.lock(fp);
    expect(existsSync(lockPath(directory, fp))).toBe(true);
    let acquired = false;
    const second = other.lock(fp).then((lock) => {
      acquired = true;
      return lock;
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(acquired).toBe(false);
    await first.release();
    const lock = await second;
    expect(acquired).toBe(true);
    await lock.release();
    expect(existsSync(lockPath(directory, fp))).toBe(false);
    await lock.release(); // twice is harmless
  });

  it("locks different fingerprints independently", async () => {
    const cache = await freshCache();
    const a = await cache.lock(fingerprint());
    const b = await cache.lock(fingerprint());
    await Promise.all([a.release(), b.release()]);
  });

  it("takes over a lock held by a SIGKILLed process", async () => {
    const cache = await freshCache();
    const fp = fingerprint();
    const child = spawnFixture("lock-child.ts", [directory, fp, String(STALE)]);
    try {
      await waitForLine(child, "locked");
    } finally {
      await kill(child);
    }
    const start = Date.now();
    const lock = await cache.lock(fp);
    const waited = Date.now() - start;
    expect(waited).toBeLessThan(STALE + 5_000);
    await lock.release();
  });

  it("survives losing a held lock without crashing, and says so", async () => {
    const cache = await freshCache();
    const fp = fingerprint();
    const warnings: string[] = [];
    const onWarning = (warning: Error): void => {
      warnings.push(warning.message);
    };
    process.on("warning", onWarning);
    try {
      const lock = await cache.lock(fp);
      await rm(lockPath(directory, fp), { recursive: true });
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      expect(lock.compromised).toBeInstanceOf(Error);
      expect(warnings.some((message) => message.includes(fp))).toBe(true);
      await lock.release();
      // The fingerprint can be locked again.
      await (await cache.lock(fp)).release();
    } finally {
      process.off("warning", onWarning);
    }
  });

  it("recycles a released lock's folder as the folder of the next entry, deleting nothing", async () => {
    const cache = await freshCache();
    const json = new JsonFormat();
    const entryInodes: number[] = [];
    const lockInodes: number[] = [];
    for (let i = 0; i < 5; i++) {
      const fp = fingerprint();
      const lock = await cache.lock(fp);
      lockInodes.push(statSync(lockPath(directory, fp)).ino);
      expect(await cache.put({ fingerprint: fp, format: json }, i)).toBe(i);
      await lock.release();
      expect(existsSync(lockPath(directory, fp))).toBe(false);
      entryInodes.push(statSync(cache.entryPath(fp)!).ino);
      expect(await cache.get({ fingerprint: fp, format: json })).toBe(i);
    }
    // Each entry after the first was written in the folder the previous step's lock made.
    expect(entryInodes.slice(1)).toEqual(lockInodes.slice(0, -1));
    // No lock folder left; only the owner marker the next lock will reuse, this process's.
    const locks = await readdir(join(directory, ".locks"));
    expect(locks).toHaveLength(1);
    expect(locks[0]).toMatch(new RegExp(`^owner\\..+\\.${process.pid}\\.`));
    // What is left over: the last lock's folder, empty, owned by this process.
    const left = await readdir(join(directory, ".tmp"));
    expect(left).toHaveLength(1);
    expect(left[0]).toMatch(new RegExp(`^scratch\\..+\\.${process.pid}\\.`));
    expect(await readdir(join(directory, ".tmp", left[0]!))).toEqual([]);
  });

  it("leaves alone a lock folder another process took over, and counts the lock as lost", async () => {
    const cache = await freshCache();
    const fp = fingerprint();
    const lock = await cache.lock(fp);
    // Another process decided the lock was stale: it removed the folder and made its own.
    await rm(lockPath(directory, fp), { recursive: true });
    await mkdir(lockPath(directory, fp));
    const theirs = statSync(lockPath(directory, fp)).ino;
    await lock.release();
    expect(lock.compromised?.message).toMatch(/taken over by another process/);
    expect(statSync(lockPath(directory, fp)).ino).toBe(theirs);
    expect(await readdir(join(directory, ".tmp")).catch(() => [])).toEqual([]);
  });
});

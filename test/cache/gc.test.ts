/**
 * The removal that `formed cache gc` and `cache remove` make, against real processes: an entry
 * another process holds the lock of, or a running execution uses, stays; a killed run's uses
 * protect nothing; `keep` is asked with the entry out of place, and a kept entry comes back whole.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { FilesystemCache } from "../../src/cache/filesystem.js";
import { FilesystemInventory } from "../../src/cache/filesystem-inventory.js";
import { collectGarbage } from "../../src/cache/gc.js";
import { LIVE_DIRECTORY, LiveUses } from "../../src/cache/live-uses.js";
import { selfOwner } from "../../src/cache/owner.js";
import { JsonFormat } from "../../src/format/json.js";
import { kill, spawnFixture, waitForLine } from "./child-process.js";

const json = new JsonFormat();
const fp = (n: number) => `${String(n).padStart(2, "0")}${"ab".repeat(15)}`;

describe("cache entry removal", () => {
  let directory = "";
  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });
  async function cacheWith(
    ...values: unknown[]
  ): Promise<{ cache: FilesystemCache; inventory: FilesystemInventory }> {
    directory = await mkdtemp(join(tmpdir(), "formed-gc-"));
    const cache = new FilesystemCache({ directory });
    for (const [index, value] of values.entries())
      await cache.put({ fingerprint: fp(index), format: json }, value);
    return { cache, inventory: new FilesystemInventory(directory) };
  }

  it("lists entries with size, format and digest, and removes one no one uses", async () => {
    const { cache, inventory } = await cacheWith({ a: 1 }, "x".repeat(1000));
    const entries = await inventory.entries();
    expect(entries.map((entry) => entry.fingerprint).sort()).toEqual([fp(0), fp(1)]);
    const big = entries.find((entry) => entry.fingerprint === fp(1))!;
    expect(big.format).toBe("json");
    expect(big.bytes).toBeGreaterThan(1000);
    expect(big.digest).toBe(await cache.digest({ fingerprint: fp(1), format: json }));
    expect(await inventory.remove(fp(1))).toEqual({ removed: true, bytes: big.bytes });
    expect(await cache.has({ fingerprint: fp(1), format: json })).toBe(false);
    expect(await inventory.remove(fp(1))).toEqual({ removed: false, reason: "gone" });
  });

  it("leaves an entry whose lock another process holds", async () => {
    const { cache, inventory } = await cacheWith(1);
    const holder = spawnFixture("lock-holder.ts", [directory, fp(0), "30000", "5000", "hold"]);
    try {
      await waitForLine(holder, "locked");
      expect(await inventory.remove(fp(0))).toEqual({ removed: false, reason: "held" });
      expect(await cache.get({ fingerprint: fp(0), format: json })).toBe(1);
    } finally {
      await kill(holder);
    }
    // Its holder died: the lock is taken over, the entry removed.
    expect((await inventory.remove(fp(0))).removed).toBe(true);
  });

  it("leaves an entry a running execution uses; a killed run's uses protect nothing", async () => {
    const { cache, inventory } = await cacheWith(1, 2);
    const uses = LiveUses.open(directory);
    uses.add(fp(0));
    // A register of a process of this host that is not running (pid 1 never has this start time).
    const { host } = selfOwner();
    writeFileSync(join(directory, LIVE_DIRECTORY, `uses.${host}.1.9.deadbeef0000`), `${fp(1)}\n`);
    expect(inventory.inUse()).toEqual(new Set([fp(0)]));
    expect(await inventory.remove(fp(0))).toEqual({ removed: false, reason: "in-use" });
    expect(await cache.get({ fingerprint: fp(0), format: json })).toBe(1);
    expect((await inventory.remove(fp(1))).removed).toBe(true);
    uses.close();
    expect(readdirSync(join(directory, LIVE_DIRECTORY))).toEqual([]);
    expect((await inventory.remove(fp(0))).removed).toBe(true);
  });

  it("asks keep with the entry out of place, and puts a kept entry back whole", async () => {
    const { cache, inventory } = await cacheWith({ value: 42 });
    const key = { fingerprint: fp(0), format: json };
    let seenWhileAsked: boolean | undefined;
    const outcome = await inventory.remove(fp(0), async () => {
      seenWhileAsked = await new FilesystemCache({ directory }).has(key);
      return true;
    });
    expect(outcome).toEqual({ removed: false, reason: "kept" });
    expect(seenWhileAsked).toBe(false);
    expect(await cache.get(key)).toEqual({ value: 42 });
  });

  it("collectGarbage: keeps what keep says and entries made after it started, removes damaged ones", async () => {
    const { cache, inventory } = await cacheWith("keep me", "drop me");
    // A damaged entry: a folder without its manifest.
    const damaged = join(directory, fp(7).slice(0, 2), fp(7));
    mkdirSync(damaged, { recursive: true });
    writeFileSync(join(damaged, "value.json"), "1");
    // Entries made in the millisecond gc starts count as made by a run beside it (kept): let the clock move on.
    await new Promise((resolve) => setTimeout(resolve, 5));
    const removed: string[] = [];
    const report = await collectGarbage(
      inventory,
      async (fingerprint) => {
        // Meanwhile, a run stores a new entry: it is kept although nothing names it.
        if (!(await cache.has({ fingerprint: fp(9), format: json }))) {
          await cache.put({ fingerprint: fp(9), format: json }, "new");
        }
        return fingerprint === fp(0);
      },
      { onRemove: (entry) => removed.push(entry.fingerprint) },
    );
    expect(removed.sort()).toEqual([fp(1), fp(7)]);
    expect(report.bytes).toBe(report.removed.reduce((sum, entry) => sum + entry.bytes, 0));
    expect(existsSync(damaged)).toBe(false);
    expect(await cache.get({ fingerprint: fp(0), format: json })).toBe("keep me");
    expect(await cache.get({ fingerprint: fp(9), format: json })).toBe("new");
    expect(JSON.parse(readFileSync(join(directory, fp(9).slice(0, 2), fp(9), "value.json"), "utf8"))).toBe(
      "new",
    );
  });
});

/**
 * What every cache must do. Each cache's test file calls `describeCacheConformance` with a
 * factory; `stores: false` is for caches that keep nothing (empty), `serializes` for those
 * that write values through their format (and so refuse unregistered classes).
 */
import { afterEach, describe, expect, it } from "vitest";
import { type CacheKey, CacheMissError, type WorkflowCache } from "../../src/cache/cache.js";
import { FormedError } from "../../src/errors.js";
import { AutoFormat } from "../../src/format/auto.js";
import type { Format } from "../../src/format/format.js";
import { JsonFormat } from "../../src/format/json.js";
import {
  asyncItems,
  expectedItems,
  iterateBothWays,
  nestedSample,
  type Point,
  syncItems,
  Unregistered,
} from "../format/samples.js";

export interface CacheHarness {
  cache: WorkflowCache;
  cleanup(): Promise<void>;
}

export interface CacheConformanceOptions {
  /** Whether a put value can be got back (false for the empty cache). */
  stores: boolean;
  /** Whether values go through their format (so unregistered classes are refused). */
  serializes: boolean;
}

let counter = 0;
/** A fresh fingerprint per test, hex like real ones. */
export function fingerprint(): string {
  counter++;
  return `${counter.toString(16).padStart(4, "0")}${"ab12".repeat(15)}`;
}

export function describeCacheConformance(
  name: string,
  make: () => Promise<CacheHarness>,
  options: CacheConformanceOptions,
): void {
  describe(`${name} cache conformance`, () => {
    const harnesses: CacheHarness[] = [];
    afterEach(async () => {
      await Promise.all(harnesses.splice(0).map((h) => h.cleanup()));
    });
    async function cache(): Promise<WorkflowCache> {
      const harness = await make();
      harnesses.push(harness);
      return harness.cache;
    }
    const key = (format: Format = new AutoFormat()): CacheKey => ({ fingerprint: fingerprint(), format });

    it("has a kind", async () => {
      expect((await cache()).kind).toBe(name);
    });

    it("misses an unknown fingerprint", async () => {
      const c = await cache();
      const k = key();
      expect(await c.has(k)).toBe(false);
      await expect(c.get(k)).rejects.toBeInstanceOf(CacheMissError);
    });

    it("round-trips nested data with Date, Map, Set, bigint and class instances", async () => {
      const c = await cache();
      for (const format of [new AutoFormat(), new JsonFormat()]) {
        const k = key(format);
        const value = nestedSample();
        expect(await c.put(k, value)).toStrictEqual(value);
        expect(await c.has(k)).toBe(options.stores);
        if (!options.stores) continue;
        const got = (await c.get(k)) as Record<string, unknown>;
        expect(got).toStrictEqual(value);
        expect((got.point as Point).norm()).toBe(5);
      }
    });

    it("puts a sync generator and gives back a value iterable again and again", async () => {
      const c = await cache();
      const k = key();
      const put = await c.put(k, syncItems(30));
      for (let round = 0; round < 2; round++) {
        const { sync, async } = await iterateBothWays(put);
        expect(sync).toStrictEqual(expectedItems(30));
        expect(async).toStrictEqual(expectedItems(30));
      }
      if (!options.stores) return;
      const got = await c.get(k);
      expect(await iterateBothWays(got)).toStrictEqual(await iterateBothWays(got));
      expect((await iterateBothWays(got)).sync).toStrictEqual(expectedItems(30));
    });

    it("puts an async generator and gives back a value iterable again and again", async () => {
      const c = await cache();
      const k = key();
      const put = await c.put(k, asyncItems(30));
      expect((await iterateBothWays(put)).sync).toStrictEqual(expectedItems(30));
      expect((await iterateBothWays(put)).async).toStrictEqual(expectedItems(30));
      if (!options.stores) return;
      expect((await iterateBothWays(await c.get(k))).async).toStrictEqual(expectedItems(30));
    });

    it("deletes an entry", async () => {
      const c = await cache();
      const k = key();
      await c.put(k, { a: 1 });
      await c.delete(k.fingerprint);
      expect(await c.has(k)).toBe(false);
      await expect(c.get(k)).rejects.toBeInstanceOf(CacheMissError);
      await c.delete(k.fingerprint); // deleting nothing is fine
    });

    it("stores nothing when the generator fails midway", async () => {
      const c = await cache();
      const k = key();
      function* failing(): Generator<number> {
        yield 1;
        throw new Error("step failed");
      }
      await expect(c.put(k, failing())).rejects.toThrow("step failed");
      expect(await c.has(k)).toBe(false);
    });

    it.runIf(options.serializes)("refuses an unregistered class instance and stores nothing", async () => {
      const c = await cache();
      const k = key();
      const error = await c.put(k, { x: new Unregistered() }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(FormedError);
      expect((error as FormedError).code).toBe("E_FORMAT");
      expect((error as FormedError).message).toContain("Unregistered");
      expect(await c.has(k)).toBe(false);
    });
  });
}

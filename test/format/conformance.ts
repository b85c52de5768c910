/**
 * What every format must do. Each format's test file calls `describeFormatConformance` with a
 * factory; a format that stores only some top-level shapes (mapping) passes `wrap`/`unwrap`.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { FormedError } from "../../src/errors.js";
import type { Format, FormatContext } from "../../src/format/format.js";
import {
  asyncItems,
  expectedItems,
  iterateBothWays,
  type Labeled,
  nestedSample,
  Point,
  sampleClasses,
  syncItems,
  Unregistered,
} from "./samples.js";

export interface FormatConformanceOptions {
  /** Turns a test value into what the format stores at the top level. */
  wrap?: (value: unknown) => unknown;
  /** Gets the test value back out of what `read` returned. */
  unwrap?: (value: unknown) => unknown;
}

export function describeFormatConformance(
  name: string,
  makeFormat: () => Format,
  options: FormatConformanceOptions = {},
): void {
  const wrap = options.wrap ?? ((value: unknown) => value);
  const unwrap = options.unwrap ?? ((value: unknown) => value);

  describe(`${name} format conformance`, () => {
    const directories: string[] = [];
    const context: FormatContext = { classes: sampleClasses() };

    afterEach(async () => {
      await Promise.all(directories.splice(0).map((d) => rm(d, { recursive: true, force: true })));
    });

    async function roundTrip(value: unknown): Promise<unknown> {
      const format = makeFormat();
      const directory = await mkdtemp(join(tmpdir(), `formed-${name}-`));
      directories.push(directory);
      await format.write(wrap(value), directory, context);
      return unwrap(await makeFormat().read(directory, context));
    }

    it("has a stable identifier", () => {
      expect(makeFormat().identifier).toBe(makeFormat().identifier);
      expect(makeFormat().identifier).not.toBe("");
    });

    it("round-trips nested data with Date, Map, Set, bigint, undefined and class instances", async () => {
      const value = nestedSample();
      const read = (await roundTrip(value)) as Record<string, unknown>;
      expect(read).toStrictEqual(value);
      expect(read.point).toBeInstanceOf(Point);
      expect((read.point as Point).norm()).toBe(5);
      expect((read.labeled as Labeled).describe()).toBe("home@1,2");
      expect((read.labeled as Labeled).at).toBeInstanceOf(Point);
      expect(Object.getPrototypeOf(read.proto)).toBe(Object.prototype);
      expect(Object.hasOwn(read.proto as object, "__proto__")).toBe(true);
    });

    it("round-trips primitives at the top level", async () => {
      for (const value of [42, "text", null, true, 7n, -0]) {
        expect(await roundTrip(value)).toStrictEqual(value);
      }
    });

    it("streams a sync generator and reads back a result iterable again and again", async () => {
      const read = await roundTrip(syncItems(50));
      const first = await iterateBothWays(read);
      const second = await iterateBothWays(read);
      expect(first.sync).toStrictEqual(expectedItems(50));
      expect(first.async).toStrictEqual(expectedItems(50));
      expect(second).toStrictEqual(first);
      expect((first.sync[3] as { point: Point }).point.norm()).toBeCloseTo(Math.hypot(3, 3));
    });

    it("streams an async generator and reads back a result iterable again and again", async () => {
      const read = await roundTrip(asyncItems(50));
      const first = await iterateBothWays(read);
      expect(first.sync).toStrictEqual(expectedItems(50));
      expect(await iterateBothWays(read)).toStrictEqual(first);
    });

    it("stores an empty generator as an empty stream", async () => {
      const read = await roundTrip(syncItems(0));
      expect(await iterateBothWays(read)).toStrictEqual({ sync: [], async: [] });
    });

    it("treats other iterators (Map entries) as streams", async () => {
      const read = await roundTrip(new Map([["a", 1]]).entries());
      expect([...(read as Iterable<unknown>)]).toStrictEqual([["a", 1]]);
    });

    it("can stop iterating early and start again", async () => {
      const read = (await roundTrip(syncItems(20))) as Iterable<unknown> & AsyncIterable<unknown>;
      for (const _ of read) break;
      for await (const _ of read) break;
      expect([...read]).toHaveLength(20);
    });

    it("refuses an instance of an unregistered class with E_FORMAT naming the class", async () => {
      const error = await roundTrip({ nested: [new Unregistered()] }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(FormedError);
      expect((error as FormedError).code).toBe("E_FORMAT");
      expect((error as FormedError).message).toContain("Unregistered");
      expect((error as FormedError).hint).toMatch(/export|register/i);
    });

    it("refuses an unregistered class instance inside a stream", async () => {
      function* items(): Generator<unknown> {
        yield 1;
        yield new Unregistered();
      }
      await expect(roundTrip(items())).rejects.toMatchObject({ code: "E_FORMAT" });
    });
  });
}

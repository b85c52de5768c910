import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { BinaryFormat } from "../../src/format/binary.js";
import { describeFormatConformance } from "./conformance.js";
import { Point, sampleClasses } from "./samples.js";

describeFormatConformance("binary", () => new BinaryFormat());

describe("BinaryFormat", () => {
  const context = { classes: sampleClasses() };
  let directory = "";
  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  async function roundTrip(value: unknown): Promise<unknown> {
    directory = await mkdtemp(join(tmpdir(), "formed-binary-"));
    await new BinaryFormat().write(value, directory, context);
    return new BinaryFormat().read(directory, context);
  }

  it("keeps what structured clone keeps: typed arrays, Buffers, RegExp, Errors", async () => {
    const value = {
      floats: new Float64Array([1.5, -2]),
      bytes: Buffer.from("héllo"),
      pattern: /a+b/gi,
      error: new TypeError("boom"),
    };
    const read = (await roundTrip(value)) as typeof value;
    expect(read.floats).toStrictEqual(value.floats);
    expect(Buffer.isBuffer(read.bytes)).toBe(true);
    expect(read.bytes.toString()).toBe("héllo");
    expect(read.pattern).toStrictEqual(/a+b/gi);
    expect(read.error).toBeInstanceOf(TypeError);
    expect(read.error.message).toBe("boom");
  });

  it("keeps cycles and shared references, through class instances too", async () => {
    const shared = new Point(1, 1);
    const node: Record<string, unknown> = { a: shared, b: shared, list: [shared] };
    node.self = node;
    const owner = new Point(0, 0) as Point & { parent?: unknown };
    owner.parent = node;
    node.owner = owner;
    const read = (await roundTrip(node)) as typeof node;
    expect(read.self).toBe(read);
    expect(read.a).toBe(read.b);
    expect(read.a).toBeInstanceOf(Point);
    expect((read.list as unknown[])[0]).toBe(read.a);
    expect((read.owner as { parent: unknown }).parent).toBe(read);
    expect(read.owner).toBeInstanceOf(Point);
  });

  it("streams iterators of typed arrays as records", async () => {
    function* chunks(): Generator<Uint8Array> {
      for (let i = 0; i < 300; i++) yield new Uint8Array(10_000).fill(i % 256);
    }
    const read = (await roundTrip(chunks())) as Iterable<Uint8Array> & AsyncIterable<Uint8Array>;
    expect(await readdir(directory)).toEqual(["items.v8records"]);
    const items = [...read];
    expect(items).toHaveLength(300);
    expect(items[299]?.[0]).toBe(299 % 256);
    let count = 0;
    for await (const item of read) {
      expect(item[9_999]).toBe(count % 256);
      count++;
    }
    expect(count).toBe(300);
  });
});

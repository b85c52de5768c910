import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { AutoFormat } from "../../src/format/auto.js";
import { Reiterable } from "../../src/format/iterables.js";
import { describeFormatConformance } from "./conformance.js";
import { Point, sampleClasses } from "./samples.js";

describeFormatConformance("auto", () => new AutoFormat());

describe("AutoFormat", () => {
  const context = { classes: sampleClasses() };
  let directory = "";
  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  async function choiceFor(value: unknown): Promise<{ choice: string; read: unknown }> {
    await rm(directory, { recursive: true, force: true });
    directory = await mkdtemp(join(tmpdir(), "formed-auto-"));
    await new AutoFormat().write(value, directory, context);
    const choice = (JSON.parse(await readFile(join(directory, "auto.json"), "utf8")) as { format: string })
      .format;
    return { choice, read: await new AutoFormat().read(directory, context) };
  }

  it("picks json for JSON-representable values and binary for the rest", async () => {
    expect((await choiceFor({ a: [1, new Date(0), new Map(), new Point(1, 2), 5n] })).choice).toBe("json");
    expect((await choiceFor({ a: new Uint8Array(3) })).choice).toBe("binary");
    expect((await choiceFor(/x/)).choice).toBe("binary");
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const { choice, read } = await choiceFor(cyclic);
    expect(choice).toBe("binary");
    expect((read as Record<string, unknown>).self).toBe(read);
  });

  it("judges an iterator by its first item, without losing it", async () => {
    const json = await choiceFor([{ a: 1 }, { a: 2 }].values());
    expect(json.choice).toBe("json");
    expect([...(json.read as Iterable<unknown>)]).toEqual([{ a: 1 }, { a: 2 }]);

    async function* arrays(): AsyncGenerator<Float32Array> {
      yield new Float32Array([1]);
      yield new Float32Array([2]);
    }
    const binary = await choiceFor(arrays());
    expect(binary.choice).toBe("binary");
    expect([...(binary.read as Iterable<unknown>)]).toEqual([new Float32Array([1]), new Float32Array([2])]);
  });

  it("writes a Reiterable (a result read from another cache) as a stream", async () => {
    const { choice, read } = await choiceFor(Reiterable.of([1, 2, 3]));
    expect(choice).toBe("json");
    expect([...(read as Iterable<unknown>)]).toEqual([1, 2, 3]);
  });
});

import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { AutoFormat } from "../../src/format/auto.js";
import { BinaryFormat } from "../../src/format/binary.js";
import type { Format } from "../../src/format/format.js";
import { Reiterable } from "../../src/format/iterables.js";
import { JsonFormat } from "../../src/format/json.js";
import { FormatRegistry } from "../../src/format/registry.js";
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
    // With the built-in formats, the data file's name is the record of the choice.
    const files = await readdir(directory);
    expect(files).toHaveLength(1);
    const choice = {
      "value.json": "json",
      "items.jsonl": "json",
      "value.v8": "binary",
      "items.v8records": "binary",
    }[files[0]!];
    return {
      choice: choice ?? `unexpected ${files[0]}`,
      read: await new AutoFormat().read(directory, context),
    };
  }

  it("records its choice in auto.json when given formats of its own, and reads by it", async () => {
    directory = await mkdtemp(join(tmpdir(), "formed-auto-"));
    const json = new JsonFormat();
    const custom: Format = {
      identifier: "custom-binary",
      write: (value, dir, ctx) => new BinaryFormat().write(value, dir, ctx),
      read: (dir, ctx) => new BinaryFormat().read(dir, ctx),
    };
    const auto = new AutoFormat({ json, binary: custom });
    await auto.write(new Uint8Array([7, 8]), directory, context);
    expect(JSON.parse(await readFile(join(directory, "auto.json"), "utf8"))).toEqual({
      format: "custom-binary",
    });
    expect(await auto.read(directory, context)).toEqual(new Uint8Array([7, 8]));
  });

  it("writes no auto.json as the registry's auto format either (given the built-in formats)", async () => {
    directory = await mkdtemp(join(tmpdir(), "formed-auto-"));
    const auto = new FormatRegistry().resolve("auto");
    await auto.write({ a: 1 }, directory, context);
    expect(await readdir(directory)).toEqual(["value.json"]);
    expect(await auto.read(directory, context)).toEqual({ a: 1 });
  });

  it("reads an entry written with auto.json beside the data (by earlier versions)", async () => {
    directory = await mkdtemp(join(tmpdir(), "formed-auto-"));
    await writeFile(join(directory, "auto.json"), JSON.stringify({ format: "json" }));
    await new JsonFormat().write({ kept: true }, directory, context);
    expect(await new AutoFormat().read(directory, context)).toEqual({ kept: true });
  });

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

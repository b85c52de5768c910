import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ClassRegistry } from "../../src/format/class-registry.js";
import { JsonFormat } from "../../src/format/json.js";
import { describeFormatConformance } from "./conformance.js";

describeFormatConformance("json", () => new JsonFormat());

describe("JsonFormat", () => {
  const context = { classes: new ClassRegistry() };
  let directory = "";
  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it("writes a value as value.json and an iterator as items.jsonl, one line per item", async () => {
    directory = await mkdtemp(join(tmpdir(), "formed-json-"));
    await new JsonFormat().write({ a: 1 }, directory, context);
    expect(await readdir(directory)).toEqual(["value.json"]);
    expect(JSON.parse(await readFile(join(directory, "value.json"), "utf8"))).toEqual({ a: 1 });
    await rm(directory, { recursive: true });

    directory = await mkdtemp(join(tmpdir(), "formed-json-"));
    await new JsonFormat().write([1, 2].values(), directory, context);
    expect(await readdir(directory)).toEqual(["items.jsonl"]);
    expect(await readFile(join(directory, "items.jsonl"), "utf8")).toBe("1\n2\n");
  });

  it("refuses what JSON cannot represent, naming the binary format", async () => {
    directory = await mkdtemp(join(tmpdir(), "formed-json-"));
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    await expect(new JsonFormat().write({ f: () => 1 }, directory, context)).rejects.toMatchObject({
      code: "E_FORMAT",
    });
    for (const value of [new Uint8Array(2), /re/, cyclic]) {
      await expect(new JsonFormat().write(value, directory, context)).rejects.toMatchObject({
        code: "E_FORMAT",
        hint: expect.stringContaining("binary"),
      });
    }
  });

  it("reads long lines spanning many read buffers", async () => {
    directory = await mkdtemp(join(tmpdir(), "formed-json-"));
    const long = "x".repeat(3 * 1024 * 1024 + 17);
    await new JsonFormat().write([long, "é".repeat(100), long].values(), directory, context);
    const read = (await new JsonFormat().read(directory, context)) as Iterable<string> &
      AsyncIterable<string>;
    expect([...read]).toEqual([long, "é".repeat(100), long]);
    const viaAsync: string[] = [];
    for await (const item of read) viaAsync.push(item);
    expect(viaAsync).toEqual([long, "é".repeat(100), long]);
  });

  it("reports a damaged line with its file and line number", async () => {
    directory = await mkdtemp(join(tmpdir(), "formed-json-"));
    const { writeFile } = await import("node:fs/promises");
    await writeFile(join(directory, "items.jsonl"), '1\n{"broken\n');
    const read = (await new JsonFormat().read(directory, context)) as Iterable<unknown>;
    expect(() => [...read]).toThrow(/items\.jsonl:2/);
  });
});

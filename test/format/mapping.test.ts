import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { BinaryFormat } from "../../src/format/binary.js";
import { MappingFormat } from "../../src/format/mapping.js";
import { describeFormatConformance } from "./conformance.js";
import { sampleClasses } from "./samples.js";

describeFormatConformance("mapping", () => new MappingFormat(), {
  wrap: (value) => ({ value, other: [1, 2] }),
  unwrap: (read) => (read as { value: unknown }).value,
});

describe("MappingFormat", () => {
  const context = { classes: sampleClasses() };
  let directory = "";
  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  async function roundTrip(value: unknown, format = new MappingFormat()): Promise<unknown> {
    directory = await mkdtemp(join(tmpdir(), "formed-mapping-"));
    await format.write(value, directory, context);
    return format.read(directory, context);
  }

  it("stores each key in its own filesystem-safe directory, keeping any key", async () => {
    const value = { "../escape": 1, "a/b": 2, "": 3, CON: 4, con: 5, "é ✓": 6, __proto__x: 7 };
    const read = await roundTrip(value);
    expect(read).toStrictEqual(value);
    const dirs = (await readdir(directory)).filter((name) => name !== "index.json");
    expect(dirs).toHaveLength(7);
    for (const dir of dirs) expect(dir).toMatch(/^[A-Za-z0-9._-]+$/);
    expect(new Set(dirs.map((d) => d.toLowerCase())).size).toBe(7);
    const index = JSON.parse(await readFile(join(directory, "index.json"), "utf8")) as { kind: string };
    expect(index.kind).toBe("object");
  });

  it("gives back a Map for a Map, with keys of any kind", async () => {
    const value = new Map<unknown, unknown>([
      [1, "one"],
      [new Date(5), { at: 5 }],
      ["1", new Uint8Array([1])],
    ]);
    const read = await roundTrip(value);
    expect(read).toBeInstanceOf(Map);
    expect(read).toStrictEqual(value);
  });

  it("uses the inner format it is given, and says so in its identifier", async () => {
    const format = new MappingFormat({ inner: new BinaryFormat() });
    expect(format.identifier).toBe("mapping[binary]");
    expect(new MappingFormat().identifier).toBe("mapping");
    expect(await roundTrip({ a: /x/ }, format)).toStrictEqual({ a: /x/ });
  });

  it("refuses values that are not mappings", async () => {
    directory = await mkdtemp(join(tmpdir(), "formed-mapping-"));
    await expect(new MappingFormat().write([1], directory, context)).rejects.toMatchObject({
      code: "E_FORMAT",
    });
  });
});

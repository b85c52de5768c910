import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { ClassRegistry } from "../../src/format/class-registry.js";
import { JsonFormat } from "../../src/format/json.js";

const TARGET_BYTES = 200 * 1024 * 1024;
const MB = 1024 * 1024;

// A memory bound, not a timing: a result far larger than the allowed growth must stream
// through write and both kinds of read without being held in memory.
it("streams 200 MB of JSON lines through write and read with bounded memory", async () => {
  const directory = await mkdtemp(join(tmpdir(), "formed-json-memory-"));
  const context = { classes: new ClassRegistry() };
  const padding = "x".repeat(1000);
  const count = Math.ceil(TARGET_BYTES / 1024);
  const base = process.memoryUsage().rss;
  let peak = base;
  const sample = (): void => {
    peak = Math.max(peak, process.memoryUsage().rss);
  };
  function* items(): Generator<{ i: number; text: string }> {
    for (let i = 0; i < count; i++) {
      if (i % 1000 === 0) sample();
      yield { i, text: `${i}${padding}` };
    }
  }
  try {
    const format = new JsonFormat();
    await format.write(items(), directory, context);
    expect((await stat(join(directory, "items.jsonl"))).size).toBeGreaterThan(TARGET_BYTES);

    const read = (await format.read(directory, context)) as Iterable<{ i: number }> &
      AsyncIterable<{ i: number }>;
    let seen = 0;
    for (const item of read) {
      if (item.i !== seen) throw new Error(`item ${seen} read as ${item.i}`);
      if (++seen % 1000 === 0) sample();
    }
    expect(seen).toBe(count);
    seen = 0;
    for await (const item of read) {
      if (item.i !== seen) throw new Error(`item ${seen} read as ${item.i}`);
      if (++seen % 1000 === 0) sample();
    }
    expect(seen).toBe(count);
    const growth = (peak - base) / MB;
    console.log(`RSS growth while streaming 200 MB of JSON lines: ${growth.toFixed(1)} MB`);
    expect(growth).toBeLessThan(150);
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
});

/**
 * Manual benchmark (not a test): writes and reads ~200 MB of JSON lines through JsonFormat and
 * through plain fs streams doing the same JSON work, and prints MB/s.
 *   node --import tsx test/format/jsonl-throughput.ts
 */

import { once } from "node:events";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FilesystemCache } from "../../src/cache/filesystem.js";
import { ClassRegistry } from "../../src/format/class-registry.js";
import { JsonFormat } from "../../src/format/json.js";

const COUNT = 200 * 1024;
const padding = "x".repeat(1000);

function* items(): Generator<{ i: number; text: string; tags: string[] }> {
  for (let i = 0; i < COUNT; i++) yield { i, text: `${i}${padding}`, tags: ["a", "b"] };
}

async function timed(label: string, bytes: () => Promise<number>, run: () => Promise<void>): Promise<void> {
  const start = performance.now();
  await run();
  const seconds = (performance.now() - start) / 1000;
  const mb = (await bytes()) / 1024 / 1024;
  console.log(
    `${label.padEnd(38)} ${mb.toFixed(0)} MB in ${seconds.toFixed(2)} s = ${(mb / seconds).toFixed(0)} MB/s`,
  );
}

async function plainWrite(path: string): Promise<void> {
  const stream = createWriteStream(path);
  for (const item of items()) {
    if (!stream.write(`${JSON.stringify(item)}\n`)) await once(stream, "drain");
  }
  stream.end();
  await once(stream, "finish");
}

async function plainRead(path: string): Promise<number> {
  let count = 0;
  let carry = "";
  for await (const chunk of createReadStream(path, { encoding: "utf8", highWaterMark: 1024 * 1024 })) {
    const lines = (carry + (chunk as string)).split("\n");
    carry = lines.pop() ?? "";
    for (const line of lines) if ((JSON.parse(line) as { i: number }).i >= 0) count++;
  }
  return count;
}

const directory = await mkdtemp(join(tmpdir(), "formed-bench-"));
try {
  const context = { classes: new ClassRegistry() };
  const format = new JsonFormat();
  const formatDir = join(directory, "format");
  const { mkdir } = await import("node:fs/promises");
  await mkdir(formatDir);
  const formatFile = join(formatDir, "items.jsonl");
  const plainFile = join(directory, "plain.jsonl");
  const size = (path: string) => async () => (await stat(path)).size;

  await timed("plain fs stream write", size(plainFile), () => plainWrite(plainFile));
  await timed("JsonFormat write (generator)", size(formatFile), () =>
    format.write(items(), formatDir, context),
  );
  await timed("plain fs stream read + JSON.parse", size(plainFile), async () => {
    if ((await plainRead(plainFile)) !== COUNT) throw new Error("count");
  });
  const read = (await format.read(formatDir, context)) as Iterable<unknown> & AsyncIterable<unknown>;
  await timed("JsonFormat read, sync iteration", size(formatFile), async () => {
    let n = 0;
    for (const _ of read) n++;
    if (n !== COUNT) throw new Error("count");
  });
  await timed("JsonFormat read, async iteration", size(formatFile), async () => {
    let n = 0;
    for await (const _ of read) n++;
    if (n !== COUNT) throw new Error("count");
  });

  const cache = new FilesystemCache({ directory: join(directory, "cache") });
  const key = { fingerprint: "be0c4a11", format };
  const entrySize = async () =>
    (await stat(join(cache.entryPath(key.fingerprint)!, "data", "items.jsonl"))).size;
  await timed("FilesystemCache put (write+hash+fsync)", entrySize, async () => {
    await cache.put(key, items());
  });
  await timed("FilesystemCache get (verify) + iterate", entrySize, async () => {
    let n = 0;
    for (const _ of (await cache.get(key)) as Iterable<unknown>) n++;
    if (n !== COUNT) throw new Error("count");
  });
} finally {
  await rm(directory, { recursive: true, force: true });
}

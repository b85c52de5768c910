import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { CacheMissError } from "../../src/cache/cache.js";
import { FilesystemCache } from "../../src/cache/filesystem.js";
import { AutoFormat } from "../../src/format/auto.js";
import type { Format } from "../../src/format/format.js";
import { JsonFormat } from "../../src/format/json.js";
import { sampleClasses } from "../format/samples.js";
import { kill, spawnFixture, waitForLine } from "./child-process.js";
import { describeCacheConformance, fingerprint } from "./conformance.js";

describeCacheConformance(
  "filesystem",
  async () => {
    const directory = await mkdtemp(join(tmpdir(), "formed-fscache-"));
    return {
      cache: new FilesystemCache({ directory, classes: sampleClasses() }),
      cleanup: () => rm(directory, { recursive: true, force: true }),
    };
  },
  { stores: true, serializes: true },
);

describe("FilesystemCache", () => {
  let directory = "";
  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });
  async function freshCache(): Promise<FilesystemCache> {
    directory = await mkdtemp(join(tmpdir(), "formed-fscache-"));
    return new FilesystemCache({ directory, classes: sampleClasses() });
  }
  const json = new JsonFormat();

  /** Names of entries outside .tmp and .locks. */
  async function entriesOnDisk(): Promise<string[]> {
    const found: string[] = [];
    for (const shard of await readdir(directory)) {
      if (shard.startsWith(".")) continue;
      for (const entry of await readdir(join(directory, shard))) found.push(entry);
    }
    return found;
  }

  it("lays an entry out as <fp[0..1]>/<fp>/ with the format's files and .formed-manifest.json", async () => {
    const cache = await freshCache();
    const fp = fingerprint();
    await cache.put({ fingerprint: fp, format: json }, { a: 1 });
    const entry = join(directory, fp.slice(0, 2), fp);
    expect(cache.entryPath(fp)).toBe(entry);
    expect((await readdir(entry)).sort()).toEqual([".formed-manifest.json", "value.json"]);
    const manifest = JSON.parse(await readFile(join(entry, ".formed-manifest.json"), "utf8"));
    const packageJson = await readFile(new URL("../../package.json", import.meta.url), "utf8");
    const packageVersion = (JSON.parse(packageJson) as { version: string }).version;
    expect(manifest).toMatchObject({
      manifest: 1,
      fingerprint: fp,
      format: "json",
      formedVersion: packageVersion,
      files: [{ path: "value.json", size: 7, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) }],
    });
    expect(Date.parse(manifest.created)).not.toBeNaN();
    expect(await readdir(join(directory, ".tmp"))).toEqual([]);
    expect(cache.entryPath(fingerprint())).toBeUndefined();
  });

  it("detects a flipped byte in a data file, removes the entry and reports a miss", async () => {
    const cache = await freshCache();
    const key = { fingerprint: fingerprint(), format: json };
    await cache.put(key, { text: "a".repeat(10_000) });
    const file = join(cache.entryPath(key.fingerprint)!, "value.json");
    const bytes = await readFile(file);
    bytes[5_000] = "b".charCodeAt(0);
    await writeFile(file, bytes);
    await expect(cache.get(key)).rejects.toBeInstanceOf(CacheMissError);
    expect(await cache.has(key)).toBe(false);
    expect(cache.entryPath(key.fingerprint)).toBeUndefined();
    expect(await entriesOnDisk()).toEqual([]);
  });

  it("treats a truncated manifest as a miss", async () => {
    const cache = await freshCache();
    const key = { fingerprint: fingerprint(), format: json };
    await cache.put(key, [1, 2, 3]);
    const manifest = join(cache.entryPath(key.fingerprint)!, ".formed-manifest.json");
    const text = await readFile(manifest, "utf8");
    await writeFile(manifest, text.slice(0, text.length / 2));
    expect(await cache.has(key)).toBe(false);
    await expect(cache.get(key)).rejects.toBeInstanceOf(CacheMissError);
    expect(await entriesOnDisk()).toEqual([]);
    // and it can be written again
    expect(await cache.put(key, [1, 2, 3])).toEqual([1, 2, 3]);
    expect(await cache.has(key)).toBe(true);
  });

  it("treats a missing or resized data file as a miss", async () => {
    const cache = await freshCache();
    const key = { fingerprint: fingerprint(), format: json };
    await cache.put(key, { a: 1 });
    const file = join(cache.entryPath(key.fingerprint)!, "value.json");
    await writeFile(file, '{"a":12}');
    expect(await cache.has(key)).toBe(false);
    await rm(file);
    expect(await cache.has(key)).toBe(false);
    await expect(cache.get(key)).rejects.toBeInstanceOf(CacheMissError);
  });

  it("replaces a damaged entry found in the way when putting", async () => {
    const cache = await freshCache();
    const key = { fingerprint: fingerprint(), format: json };
    await cache.put(key, { a: 1 });
    await writeFile(join(cache.entryPath(key.fingerprint)!, ".formed-manifest.json"), "{");
    expect(await cache.put(key, { a: 2 })).toEqual({ a: 2 });
    expect(await cache.get(key)).toEqual({ a: 2 });
  });

  it("replaces an entry of the earlier layout (data/ and manifest.json) when putting", async () => {
    const cache = await freshCache();
    const key = { fingerprint: fingerprint(), format: json };
    const entry = join(directory, key.fingerprint.slice(0, 2), key.fingerprint);
    await mkdir(join(entry, "data"), { recursive: true });
    await writeFile(join(entry, "data", "value.json"), "1");
    await writeFile(join(entry, "manifest.json"), "{}");
    expect(await cache.has(key)).toBe(false);
    expect(await cache.put(key, 2)).toBe(2);
    expect((await readdir(entry)).sort()).toEqual([".formed-manifest.json", "value.json"]);
    expect(await cache.get(key)).toBe(2);
  });

  it("refuses a format that writes the manifest's name, and keeps nothing of it", async () => {
    const cache = await freshCache();
    const intruder: Format = {
      identifier: "intruder",
      async write(_value, dir) {
        await writeFile(join(dir, ".formed-manifest.json"), "{}");
      },
      async read() {
        return undefined;
      },
    };
    const key = { fingerprint: fingerprint(), format: intruder };
    await expect(cache.put(key, 1)).rejects.toThrow(
      /wrote \.formed-manifest\.json, a name the filesystem cache keeps/,
    );
    expect(await entriesOnDisk()).toEqual([]);
    expect(await readdir(join(directory, ".tmp"))).toEqual([]);
  });

  it("leaves exactly one good entry when several writers race on one fingerprint", async () => {
    await freshCache();
    const key = { fingerprint: fingerprint(), format: new AutoFormat() };
    function* items(writer: number): Generator<unknown> {
      for (let i = 0; i < 2_000; i++) yield { i, text: "z".repeat(200), writer: writer * 0 };
    }
    const writers = Array.from({ length: 4 }, () => new FilesystemCache({ directory }));
    const results = await Promise.all(writers.map((cache, n) => cache.put(key, items(n))));
    for (const result of results) expect([...(result as Iterable<unknown>)]).toHaveLength(2_000);
    expect(await entriesOnDisk()).toEqual([key.fingerprint]);
    expect(await readdir(join(directory, ".tmp"))).toEqual([]);
    const got = (await writers[0]!.get(key)) as Iterable<{ i: number }>;
    expect([...got].map((item) => item.i)).toEqual(Array.from({ length: 2_000 }, (_, i) => i));
  });

  it("refuses fingerprints that are not safe as file names", async () => {
    const cache = await freshCache();
    await expect(cache.has({ fingerprint: "../x", format: json })).rejects.toMatchObject({ code: "E_CACHE" });
  });

  it("never shows a streamed entry whose writer was SIGKILLed mid-write, and recovers", async () => {
    const cache = await freshCache();
    const key = { fingerprint: fingerprint(), format: json };
    const child = spawnFixture("put-child.ts", [directory, "big", key.fingerprint]);
    try {
      await waitForLine(child, "writing");
    } finally {
      await kill(child);
    }
    expect(await cache.has(key)).toBe(false);
    await expect(cache.get(key)).rejects.toBeInstanceOf(CacheMissError);
    expect(await entriesOnDisk()).toEqual([]);
    const leftovers = await readdir(join(directory, ".tmp"));
    expect(leftovers).toHaveLength(1);
    expect(leftovers[0]).toContain(`.${child.pid}.`);

    // A fresh put works, and clears the dead writer's leftovers on the way.
    expect(await cache.put(key, [1, 2].values()).then((r) => [...(r as Iterable<unknown>)])).toEqual([1, 2]);
    expect(await cache.has(key)).toBe(true);
    expect(await readdir(join(directory, ".tmp"))).toEqual([]);
  });

  it("is complete or absent whenever the writer is SIGKILLed", async () => {
    const cache = await freshCache();
    for (const delay of [150, 400, 900]) {
      const child = spawnFixture("put-child.ts", [directory, "many", `k${delay}`]);
      try {
        await waitForLine(child, "writing");
        await new Promise((resolve) => setTimeout(resolve, delay));
      } finally {
        await kill(child);
      }
    }
    const entries = await entriesOnDisk();
    expect(entries.length).toBeGreaterThan(0);
    for (const fp of entries) {
      const key = { fingerprint: fp, format: json };
      // An entry directory exists only once renamed into place, complete.
      expect(await cache.has(key)).toBe(true);
      expect([...((await cache.get(key)) as Iterable<unknown>)]).toHaveLength(300);
    }
    expect(await cache.cleanTemporary()).toBeGreaterThanOrEqual(0);
    expect(existsSync(join(directory, ".tmp"))).toBe(true);
    expect(await readdir(join(directory, ".tmp"))).toEqual([]);
  });
});

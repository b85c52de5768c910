/**
 * The S3 remote cache against a real S3-compatible server (moto): every cache's conformance,
 * then what sharing adds: read through, write through, digests from manifests, damage,
 * concurrent writers, large results, an unreachable store.
 */
import { createHash } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { type CacheKey, CacheMissError } from "../../src/cache/cache.js";
import { FilesystemCache } from "../../src/cache/filesystem.js";
import { RemoteCache } from "../../src/cache/remote-cache.js";
import { AutoFormat } from "../../src/format/auto.js";
import { JsonFormat } from "../../src/format/json.js";
import { describeCacheConformance, fingerprint } from "../cache/conformance.js";
import { expectedItems, sampleClasses, syncItems } from "../format/samples.js";
import { rejection } from "../support/files.js";
import {
  etag,
  flipByte,
  folder,
  keysUnder,
  laptop,
  moto,
  newBucket,
  ownServer,
  PREFIX,
  readObject,
  SERVER_TIMEOUT,
  writeObject,
} from "./s3-support.js";

beforeAll(() => moto().then(() => undefined), SERVER_TIMEOUT);

describeCacheConformance(
  "filesystem+s3",
  async () => {
    const server = await moto();
    return { cache: laptop(server, await newBucket(server)), cleanup: async () => undefined };
  },
  { stores: true, serializes: true },
);

const json = (): CacheKey => ({ fingerprint: fingerprint(), format: new JsonFormat() });
const auto = (): CacheKey => ({ fingerprint: fingerprint(), format: new AutoFormat() });

describe("two laptops sharing only a bucket", () => {
  it("the second finds, digests and reads the first's entries; digests need no download", async () => {
    const server = await moto();
    const bucket = await newBucket(server);
    const first = laptop(server, bucket);
    const second = laptop(server, bucket);
    const value = { list: [1, 2, 3], text: "shared" };
    const k1 = json();
    const k2 = auto();
    await first.put(k1, value);
    await first.put(k2, syncItems(50));

    expect(await second.has(k1)).toBe(true);
    expect(await second.digest(k1)).toBe(await first.digest(k1));
    expect(second.entryPath(k1.fingerprint)).toBeUndefined(); // known from its manifest only
    expect(await second.get(k1)).toStrictEqual(value);
    expect(second.entryPath(k1.fingerprint)).toBeDefined(); // now downloaded
    expect([...((await second.get(k2)) as Iterable<unknown>)]).toStrictEqual(expectedItems(50));
    expect(await keysUnder(server, bucket, "entries/")).toStrictEqual(
      [k1, k2].map((k) => `${PREFIX}entries/${k.fingerprint}.json`).sort(),
    );
  });

  it("stores equal bytes once, whichever entries hold them", async () => {
    const server = await moto();
    const bucket = await newBucket(server);
    const cache = laptop(server, bucket);
    await cache.put(json(), { same: true });
    await cache.put(json(), { same: true });
    expect(await keysUnder(server, bucket, "entries/")).toHaveLength(2);
    expect(await keysUnder(server, bucket, "blobs/")).toHaveLength(1);
  });

  it("a forced put replaces the entry for everyone", async () => {
    const server = await moto();
    const bucket = await newBucket(server);
    const first = laptop(server, bucket);
    const k = json();
    await first.put(k, { version: 1 });
    await first.delete(k.fingerprint);
    await first.put(k, { version: 2 });
    expect(await laptop(server, bucket).get(k)).toStrictEqual({ version: 2 });
  });
});

describe("a damaged remote entry", () => {
  it("is never returned: the error names the object, and the next put replaces the entry", async () => {
    const server = await moto();
    const bucket = await newBucket(server);
    const k = json();
    const value = { payload: "x".repeat(10_000) };
    await laptop(server, bucket).put(k, value);
    const [blob] = await keysUnder(server, bucket, "blobs/");
    await flipByte(server, bucket, blob!);

    const second = laptop(server, bucket);
    expect(await second.has(k)).toBe(true); // the manifest is whole
    const error = await second.get(k).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CacheMissError);
    expect((error as Error).message).toContain(`s3://${bucket}/${blob}`);
    expect((error as Error).message).toContain("does not match its manifest");
    expect(await second.has(k)).toBe(false); // never trusted again
    expect(second.entryPath(k.fingerprint)).toBeUndefined(); // nothing damaged installed

    await second.put(k, value); // the step, recomputed
    expect(await laptop(server, bucket).get(k)).toStrictEqual(value);
  });

  it("a manifest that is not one reads as a miss, and the next put replaces it", async () => {
    const server = await moto();
    const bucket = await newBucket(server);
    const k = json();
    await laptop(server, bucket).put(k, { n: 1 });
    const manifest = `${PREFIX}entries/${k.fingerprint}.json`;
    await writeObject(server, bucket, manifest, (await readObject(server, bucket, manifest)).subarray(0, 40));

    const second = laptop(server, bucket);
    expect(await second.has(k)).toBe(false);
    await second.put(k, { n: 1 });
    expect(await laptop(server, bucket).get(k)).toStrictEqual({ n: 1 });
  });

  it("a missing blob reads as a miss when loaded", async () => {
    const server = await moto();
    const bucket = await newBucket(server);
    const k = json();
    await laptop(server, bucket).put(k, { n: 2 });
    const [blob] = await keysUnder(server, bucket, "blobs/");
    await writeObject(server, bucket, `${PREFIX}elsewhere`, "x");
    const { DeleteObjectCommand } = await import("@aws-sdk/client-s3");
    await server.client.send(new DeleteObjectCommand({ Bucket: bucket, Key: blob! }));
    const error = await laptop(server, bucket)
      .get(k)
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CacheMissError);
    expect((error as Error).message).toContain("is missing");
  });
});

describe("concurrent writers of one fingerprint", () => {
  it("both succeed, and the remote entry is one of theirs, whole", async () => {
    const server = await moto();
    const bucket = await newBucket(server);
    for (let round = 0; round < 4; round++) {
      const k = auto();
      // Different bytes (a step that is not deterministic), large enough for the uploads to overlap.
      const values = ["a", "b"].map((label) => ({ label, data: Buffer.alloc(2 * 1024 * 1024, label) }));
      const writers = values.map(() => laptop(server, bucket));
      const stored = await Promise.all(writers.map((writer, i) => writer.put(k, values[i])));
      expect(stored.map((value) => (value as { label: string }).label)).toStrictEqual(["a", "b"]);

      const reader = laptop(server, bucket);
      const got = (await reader.get(k)) as { label: string; data: Buffer };
      const winner = values.find((value) => value.label === got.label)!;
      expect(got.data.equals(winner.data)).toBe(true);
      expect(await reader.digest(k)).toBe(await writers[values.indexOf(winner)]!.digest(k));
      expect(await keysUnder(server, bucket, `entries/${k.fingerprint}`)).toHaveLength(1);
    }
  });
});

describe("the first writer of a fingerprint", () => {
  it("wins: a later writer that computed it meanwhile keeps its own copy and leaves the entry as it is", async () => {
    const server = await moto();
    const bucket = await newBucket(server);
    const k = json();
    const first = laptop(server, bucket);
    const late = laptop(server, bucket);
    await first.put(k, { by: "first" });
    expect(await late.put(k, { by: "late" })).toStrictEqual({ by: "late" });
    expect(await late.get(k)).toStrictEqual({ by: "late" }); // its local entry
    expect(await laptop(server, bucket).get(k)).toStrictEqual({ by: "first" });
  });
});

describe("a large result", () => {
  it("goes up in parts and comes back streamed, byte for byte", { timeout: 180_000 }, async () => {
    const server = await moto();
    const bucket = await newBucket(server);
    const k = auto();
    const chunk = (i: number) => Buffer.alloc(1024 * 1024, i % 251);
    function* chunks(): Generator<Buffer> {
      for (let i = 0; i < 64; i++) yield chunk(i);
    }
    const expected = createHash("sha256");
    for (const item of chunks()) expected.update(item);
    await laptop(server, bucket).put(k, chunks());
    const [blob] = await keysUnder(server, bucket, "blobs/");
    expect(await etag(server, bucket, blob!)).toMatch(/-\d+"?$/); // a multipart upload

    const got = createHash("sha256");
    let count = 0;
    for (const item of (await laptop(server, bucket).get(k)) as Iterable<Buffer>) {
      got.update(item);
      count++;
    }
    expect(count).toBe(64);
    expect(got.digest("hex")).toBe(expected.digest("hex"));
  });
});

describe("an unreachable store", () => {
  it("fails with one error naming it, keeps the local entry, and publish uploads it later", async () => {
    const server = await ownServer();
    const bucket = await newBucket(server);
    const directory = folder();
    const open = () =>
      new RemoteCache({
        local: new FilesystemCache({ directory, classes: sampleClasses() }),
        store: { bucket, prefix: PREFIX, endpoint: server.endpoint, forcePathStyle: true },
      });
    const cache = open();
    const k = json();
    await server.stop();

    const error = await rejection(cache.put(k, { computed: "offline" }));
    expect(error.message).toContain(
      `the S3 cache at ${server.endpoint} (bucket ${bucket}) cannot be reached`,
    );
    expect(error.hint).toContain("a later run uploads them");
    expect(await cache.local.has(k)).toBe(true); // kept
    expect(await cache.has(k)).toBe(true); // local first: no request
    await rejection(cache.has(json())); // a local miss must ask the store

    const back = await ownServer(server.port);
    await back.createBucket(bucket);
    await open().publish(k);
    expect(await laptop(back, bucket).get(k)).toStrictEqual({ computed: "offline" });
  });

  it("a bucket that does not exist is named", async () => {
    const server = await moto();
    const error = await rejection(laptop(server, "no-such-bucket-here").has(json()));
    expect(error.message).toContain("bucket no-such-bucket-here");
    expect(error.message).toContain("does not exist");
  });
});

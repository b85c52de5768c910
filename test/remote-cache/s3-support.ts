/**
 * What the remote cache tests share: one moto server per test file (started lazily, stopped at
 * the end), a fresh bucket per test, and byte surgery on the objects in it.
 */
import { rm } from "node:fs/promises";
import {
  GetObjectCommand,
  type GetObjectCommandOutput,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import { afterAll } from "vitest";
import { FilesystemCache } from "../../src/cache/filesystem.js";
import { RemoteCache } from "../../src/cache/remote-cache.js";
import { sampleClasses } from "../format/samples.js";
import { tempDir } from "../support/files.js";
import { type MotoServer, S3_TEST_ENV, startMotoServer } from "../support/moto-server.js";

/** Minutes: the first run on a machine installs moto (.ci/run does it ahead). */
export const SERVER_TIMEOUT = 20 * 60_000;
export const PREFIX = "team/";

Object.assign(process.env, S3_TEST_ENV);

let shared: Promise<MotoServer> | undefined;
const servers: Promise<MotoServer>[] = [];
const folders: string[] = [];
afterAll(async () => {
  for (const server of servers) await (await server.catch(() => undefined))?.stop();
  await Promise.all(folders.map((folder) => rm(folder, { recursive: true, force: true })));
}, 60_000);

/** The file's server. */
export function moto(): Promise<MotoServer> {
  shared ??= ownServer();
  return shared;
}

/** A server of the test's own (to stop it without disturbing others), stopped at the end. */
export function ownServer(port?: number): Promise<MotoServer> {
  const server = startMotoServer(port);
  servers.push(server);
  return server;
}

let buckets = 0;
/** A new empty bucket on `server`. */
export async function newBucket(server: MotoServer): Promise<string> {
  const name = `formed-test-${process.pid}-${++buckets}`;
  await server.createBucket(name);
  return name;
}

/** A folder removed after the file's tests. */
export function folder(prefix = "formed-remote-"): string {
  const directory = tempDir(prefix);
  folders.push(directory);
  return directory;
}

/** A remote cache over a fresh local folder (a "laptop"), `bucket` on `server`. */
export function laptop(server: MotoServer, bucket: string): RemoteCache {
  return new RemoteCache({
    local: new FilesystemCache({ directory: folder(), classes: sampleClasses() }),
    store: { bucket, prefix: PREFIX, endpoint: server.endpoint, forcePathStyle: true },
  });
}

/** The keys of every object under `prefix` + `under`, sorted. */
export async function keysUnder(server: MotoServer, bucket: string, under: string): Promise<string[]> {
  const listed = await server.client.send(
    new ListObjectsV2Command({ Bucket: bucket, Prefix: `${PREFIX}${under}` }),
  );
  return (listed.Contents ?? []).map((object) => object.Key ?? "").sort();
}

export async function readObject(server: MotoServer, bucket: string, key: string): Promise<Buffer> {
  const output: GetObjectCommandOutput = await server.client.send(
    new GetObjectCommand({ Bucket: bucket, Key: key }),
  );
  return Buffer.from(await output.Body!.transformToByteArray());
}

export async function writeObject(
  server: MotoServer,
  bucket: string,
  key: string,
  body: Buffer | string,
): Promise<void> {
  await server.client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
}

/** Flips one byte in the middle of the object: same size, other bytes (bit rot). */
export async function flipByte(server: MotoServer, bucket: string, key: string): Promise<void> {
  const bytes = await readObject(server, bucket, key);
  const middle = Math.floor(bytes.length / 2);
  bytes[middle] = (bytes[middle] ?? 0) ^ 0xff;
  await writeObject(server, bucket, key, bytes);
}

/** The object's ETag: `"<md5>-<parts>"` for an object uploaded in parts. */
export async function etag(server: MotoServer, bucket: string, key: string): Promise<string> {
  return (await server.client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))).ETag ?? "";
}

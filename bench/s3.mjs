// The S3 remote cache's workload (`BENCH_ONLY=s3`, this project only): one large result through
// `workflow.remote_cache` against the same bytes moved by the same SDK with nothing else. A moto
// server (test/support/moto-server.ts installs it) on 127.0.0.1 stands in for S3.
//
// Through the cache: laptop A's `put` of a generator of 1 MiB Buffers (the format writes the
// local entry, hashes it, uploads it in parts, then the manifest), and laptop B's `get` (streamed
// download, each file hashed on the way and checked against the manifest, installed locally).
// Raw: the same bytes, streamed from the same generator straight into lib-storage's Upload (same
// part size and parts in flight; no local file), and downloaded with GetObject streamed to a file.
import { spawn, spawnSync } from "node:child_process";
import { createWriteStream, rmSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { setTimeout as sleep } from "node:timers/promises";

const repo = new URL("..", import.meta.url).pathname;
const dist = join(repo, "dist");
const CHUNK = 1024 * 1024;
const ENV = {
  AWS_ACCESS_KEY_ID: "formed-bench",
  AWS_SECRET_ACCESS_KEY: "formed-bench",
  AWS_REGION: "us-east-1",
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
};

/** Installs moto if needed (reused from the test cache), starts it on a free port: { endpoint, stop }. */
async function startMoto(log) {
  const install = spawnSync("npx", ["tsx", join(repo, "test/support/moto-server.ts"), "install"], {
    cwd: repo,
    encoding: "utf8",
  });
  const python = /ready at (\S+)/.exec(install.stdout)?.[1];
  if (python === undefined)
    throw new Error(`moto could not be installed:\n${install.stdout}${install.stderr}`);
  const port = await new Promise((resolve, reject) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.once("error", reject);
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const child = spawn(python, ["-m", "moto.server", "-H", "127.0.0.1", "-p", String(port)], {
    detached: true,
    stdio: "ignore",
  });
  for (let waited = 0; ; waited += 200) {
    if (
      await fetch(`${endpoint}/moto-api/`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    if (waited > 120_000) throw new Error(`moto at ${endpoint} did not start`);
    await sleep(200);
  }
  log(`  moto at ${endpoint}`);
  return { endpoint, stop: () => process.kill(-child.pid, "SIGKILL") };
}

function* chunks(count) {
  for (let i = 0; i < count; i++) yield Buffer.alloc(CHUNK, i % 251);
}

/** Times `put` on one laptop and `get` on another, and raw upload + download of the same bytes. */
export async function s3Bench({ root, bytes, reps, log }) {
  Object.assign(process.env, ENV);
  const [
    { S3Client, CreateBucketCommand, GetObjectCommand, DeleteObjectCommand, ListObjectsV2Command },
    { Upload },
  ] = await Promise.all([import("@aws-sdk/client-s3"), import("@aws-sdk/lib-storage")]);
  const { RemoteCache } = await import(join(dist, "cache/remote-cache.js"));
  const { FilesystemCache } = await import(join(dist, "cache/filesystem.js"));
  const { AutoFormat } = await import(join(dist, "format/auto.js"));
  const { PART_SIZE, PARTS_IN_FLIGHT } = await import(join(dist, "cache/s3-store.js"));
  const moto = await startMoto(log);
  const client = new S3Client({ endpoint: moto.endpoint, region: ENV.AWS_REGION, forcePathStyle: true });
  const count = Math.max(1, Math.round(bytes / CHUNK));
  const samples = { cache: [], raw: [], put: [], get: [], upload: [], download: [] };
  try {
    for (let rep = 0; rep < reps; rep++) {
      const bucket = `formed-bench-${rep}`;
      await client.send(new CreateBucketCommand({ Bucket: bucket }));
      const store = { bucket, prefix: "bench/", endpoint: moto.endpoint, forcePathStyle: true };
      const laptop = (name) =>
        new RemoteCache({ local: new FilesystemCache({ directory: join(root, `${name}-${rep}`) }), store });
      const key = { fingerprint: `bench${rep}${"0".repeat(30)}`, format: new AutoFormat() };
      const cacheSide = async () => {
        let t = performance.now();
        await laptop("a").put(key, chunks(count));
        const put = performance.now() - t;
        t = performance.now();
        await laptop("b").get(key);
        return { put, get: performance.now() - t };
      };
      const rawSide = async () => {
        let t = performance.now();
        const upload = new Upload({
          client,
          params: { Bucket: bucket, Key: "raw", Body: Readable.from(chunks(count)) },
          partSize: PART_SIZE,
          queueSize: PARTS_IN_FLIGHT,
        });
        await upload.done();
        const up = performance.now() - t;
        t = performance.now();
        const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: "raw" }));
        await pipeline(got.Body, createWriteStream(join(root, `raw-${rep}`)));
        return { upload: up, download: performance.now() - t };
      };
      // The order changes every rep, so that load changing during the bench hits both alike.
      let c;
      let r;
      if (rep % 2 === 0) {
        c = await cacheSide();
        r = await rawSide();
      } else {
        r = await rawSide();
        c = await cacheSide();
      }
      samples.put.push(c.put);
      samples.get.push(c.get);
      samples.cache.push(c.put + c.get);
      samples.upload.push(r.upload);
      samples.download.push(r.download);
      samples.raw.push(r.upload + r.download);
      log(
        `  s3 rep ${rep + 1}/${reps}: ${count} MiB; cache put ${ms(c.put)} + get ${ms(c.get)}, raw upload ${ms(r.upload)} + download ${ms(r.download)}`,
      );
      // moto keeps objects in memory: empty the bucket, and the local copies, before the next rep.
      const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
      for (const object of listed.Contents ?? [])
        await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: object.Key }));
      for (const name of [`a-${rep}`, `b-${rep}`, `raw-${rep}`])
        rmSync(join(root, name), { recursive: true, force: true });
    }
  } finally {
    moto.stop();
    client.destroy();
  }
  return { bytes: count * CHUNK, samples };
}

const ms = (value) => `${(value / 1000).toFixed(2)} s`;

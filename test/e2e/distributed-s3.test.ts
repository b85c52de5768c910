/**
 * The distributed executor with the S3 remote cache, as a team runs it: Redis and an
 * S3-compatible store (moto) on 127.0.0.1, the scheduler and two `formed worker`s each in a
 * folder of its own with its own `.formed/`, sharing nothing but Redis and the bucket. Workers
 * read inputs and write results through their own project's cache; a fresh folder with only the
 * bucket then computes nothing.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type MotoServer, S3_TEST_ENV, startMotoServer } from "../support/moto-server.js";
import { type RedisServer, startRedisServer } from "../support/redis-server.js";
import { calls, STEPS, startWorker, stopWorkers } from "./distributed-support.js";
import { type TempProject, tempProject } from "./harness.js";

const ref = (name: string) => ({ type: "ref", ref: name });

const CONFIG = {
  a: { type: "leaf", name: "a", n: 2, ms: 100 },
  b: { type: "leaf", name: "b", n: 3, ms: 100 },
  c: { type: "leaf", name: "c", n: 4, ms: 100 },
  ab: { type: "combine", name: "ab", a: ref("a"), b: ref("b") },
  bc: { type: "combine", name: "bc", a: ref("b"), b: ref("c") },
  all: { type: "total", name: "all", xs: [ref("ab"), ref("bc")] },
};

let redis: RedisServer;
let moto: MotoServer;
let scratch: string;

beforeAll(async () => {
  [redis, moto] = await Promise.all([startRedisServer(), startMotoServer()]);
  scratch = mkdtempSync(join(tmpdir(), "formed-distributed-s3-"));
}, 20 * 60_000);
afterAll(async () => {
  await Promise.all([redis?.dispose(), moto?.stop()]);
  rmSync(scratch, { recursive: true, force: true });
});
afterEach(stopWorkers);

function project(bucket: string, executor: string): TempProject {
  return tempProject({
    "steps.ts": STEPS,
    "formed.yml": [
      "required_modules:",
      "  - ./steps.ts",
      "workflow:",
      `  executor: ${executor}`,
      "  remote_cache:",
      "    type: s3",
      `    bucket: ${bucket}`,
      `    endpoint: ${moto.endpoint}`,
      "    force_path_style: true",
      "",
    ].join("\n"),
    "config.json": JSON.stringify({ steps: CONFIG }),
  });
}

describe("the distributed executor with the S3 remote cache", () => {
  it("computes each step once on workers that share only Redis and the bucket; a fresh folder reuses all", async () => {
    const bucket = `formed-distributed-${process.pid}`;
    await moto.createBucket(bucket);
    const callsFile = join(scratch, "calls.log");
    const env = { ...S3_TEST_ENV, CALLS_LOG: callsFile };
    const distributed = `{ type: distributed, redis: "${redis.url}", queue: s3test }`;
    const scheduler = project(bucket, distributed);
    const workerFolders = [project(bucket, distributed), project(bucket, distributed)];
    await Promise.all(workerFolders.map((folder) => startWorker(folder, env)));

    const run = await scheduler.formed(["workflow", "run", "config.json"], { env, timeoutMs: 240_000 });
    expect(run.code, run.stderr).toBe(0);
    const ran = calls(callsFile);
    expect(ran.map((call) => call.name).sort()).toEqual(Object.keys(CONFIG).sort());
    expect(ran.every((call) => workerFolders.some((folder) => folder.dir === call.cwd))).toBe(true);

    const fresh = project(bucket, "default");
    const reused = await fresh.formed(["workflow", "run", "config.json"], { env, timeoutMs: 240_000 });
    expect(reused.code, reused.stderr).toBe(0);
    expect(reused.stderr).toContain(`0 ran, ${Object.keys(CONFIG).length} cached`);
    expect(calls(callsFile)).toHaveLength(ran.length);
  }, 300_000);
});

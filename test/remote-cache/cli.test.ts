/**
 * `workflow.remote_cache` as a user runs it: the real `formed` bin in project folders that share
 * nothing but a bucket of a real S3-compatible server (moto). Build first (`npm run build`).
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { type CliResult, FIXTURE_STEPS, fixtureProject, ref, type TempProject } from "../e2e/harness.js";
import type { MotoServer } from "../support/moto-server.js";
import { S3_TEST_ENV } from "../support/moto-server.js";
import { flipByte, keysUnder, moto, newBucket, ownServer, PREFIX, SERVER_TIMEOUT } from "./s3-support.js";

beforeAll(() => moto().then(() => undefined), SERVER_TIMEOUT);

function settings(server: MotoServer, bucket: string, executor = "default"): string {
  return [
    "required_modules:",
    "  - ./steps.ts",
    "workflow:",
    `  executor: ${executor}`,
    "  remote_cache:",
    "    type: s3",
    `    bucket: ${bucket}`,
    `    prefix: ${PREFIX}`,
    `    endpoint: ${server.endpoint}`,
    "    force_path_style: true",
    "",
  ].join("\n");
}

/** A project folder of its own (a laptop) whose formed.yml names the bucket. */
function laptop(config: unknown, yml: string, extra: Record<string, string> = {}): TempProject {
  return fixtureProject(config, { "formed.yml": yml, ...extra });
}

function run(project: TempProject, env: Record<string, string> = {}): Promise<CliResult> {
  return project.formed(["workflow", "run", "config.json"], {
    env: { ...S3_TEST_ENV, ...env },
    timeoutMs: 120_000,
  });
}

/** The newest execution's result of `step`, as `formed workflow result` prints it. */
async function result(project: TempProject, step: string): Promise<string> {
  const executions = readdirSync(join(project.dir, ".formed", "executions")).sort();
  const shown = await project.formed(["workflow", "result", executions.at(-1)!, step], {
    env: { ...S3_TEST_ENV },
  });
  expect(shown.stderr).toBe("");
  return shown.stdout;
}

const CHAIN = {
  steps: {
    items: { type: "numbers", n: 2000 },
    sums: { type: "sumTwice", items: ref("items") },
    total: { type: "add", a: 1, b: 2 },
    doubled: { type: "double", x: ref("total") },
  },
};

describe("two laptops sharing only a bucket", () => {
  it("the second computes nothing and gets equal results (the first ran steps in worker processes)", async () => {
    const server = await moto();
    const bucket = await newBucket(server);
    const first = laptop(CHAIN, settings(server, bucket, "{ type: parallel, jobs: 2 }"));
    const ran = await run(first);
    expect(ran.code).toBe(0);
    expect(ran.stdout + ran.stderr).not.toMatch(/error|warn/i);
    expect(first.calls().sort()).toStrictEqual(["add", "double", "numbers", "sumTwice"]);

    const second = laptop(CHAIN, settings(server, bucket));
    const cached = await run(second);
    expect(cached.code).toBe(0);
    expect(cached.stderr).toContain("0 ran, 4 cached");
    expect(second.calls()).toStrictEqual([]);
    for (const step of ["sums", "doubled", "items"])
      expect(await result(second, step)).toBe(await result(first, step));
  });
});

describe("a damaged remote entry", () => {
  it("is reported with its bucket and key, recomputed, and replaced for the next laptop", async () => {
    const server = await moto();
    const bucket = await newBucket(server);
    const config = { steps: { total: { type: "add", a: 20, b: 1 } } };
    expect((await run(laptop(config, settings(server, bucket)))).code).toBe(0);
    const [blob] = await keysUnder(server, bucket, "blobs/");
    await flipByte(server, bucket, blob!);

    const reader = { steps: { ...config.steps, doubled: { type: "double", x: ref("total") } } };
    const second = laptop(reader, settings(server, bucket));
    const ran = await run(second);
    expect(ran.code).toBe(0);
    expect(ran.stdout + ran.stderr).toContain(`s3://${bucket}/${blob}`);
    expect(second.calls()).toStrictEqual(["add", "double"]); // "total" computed again to be read
    expect(await result(second, "doubled")).toBe("42\n");

    const third = laptop(reader, settings(server, bucket));
    expect((await run(third)).code).toBe(0);
    expect(third.calls()).toStrictEqual([]);
  });
});

const OUTAGE_STEPS = `${FIXTURE_STEPS}
export const outage = step(({ x }: { x: number }) => {
  called("outage");
  // The store dies while the step computes: its result cannot be uploaded.
  process.kill(-Number(process.env.MOTO_PID), "SIGKILL");
  return x + 100;
});
`;

describe("an S3 store that stops", () => {
  it("gives one clear error and keeps the local results; a later run uploads them", async () => {
    const server = await ownServer();
    const bucket = await newBucket(server);
    const config = {
      steps: { total: { type: "add", a: 2, b: 3 }, late: { type: "outage", x: ref("total") } },
    };
    const project = laptop(config, settings(server, bucket), { "steps.ts": OUTAGE_STEPS });

    const failed = await run(project, { MOTO_PID: String(server.pid) });
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain(
      `the S3 cache at ${server.endpoint} (bucket ${bucket}) cannot be reached`,
    );
    expect(failed.stderr).not.toMatch(/\n\s+at /); // no stack
    expect(project.calls()).toStrictEqual(["add", "outage"]);
    await server.stop();

    const back = await ownServer(server.port);
    await back.createBucket(bucket); // moto keeps buckets in memory: it comes back empty
    const later = await run(project);
    expect(later.code).toBe(0);
    expect(later.stderr).toContain("0 ran, 2 cached"); // progress goes to stderr
    expect(project.calls()).toStrictEqual(["add", "outage"]); // nothing computed again
    expect(await keysUnder(back, bucket, "entries/")).toHaveLength(1); // the result computed while it was down

    // Another laptop computes "total" (not in the new bucket) and, its digest being the same,
    // finds "late" there: the step that stops the store is not run again.
    const other = laptop(config, settings(back, bucket), { "steps.ts": OUTAGE_STEPS });
    expect((await run(other)).code).toBe(0);
    expect(other.calls()).toStrictEqual(["add"]);
    expect(await result(other, "late")).toBe("105\n");
  });
});

describe("settings", () => {
  it("a wrong remote_cache is one message naming each path", async () => {
    const project = fixtureProject(
      { steps: { total: { type: "add", a: 1, b: 2 } } },
      {
        "formed.yml": [
          "required_modules: [./steps.ts]",
          "workflow:",
          "  remote_cache:",
          "    type: s3",
          "    bucket: Not_A_Bucket",
          "    endpoint: localhost:9000",
          "    force_path_style: yes please",
          "    bukcet: typo",
          "",
        ].join("\n"),
      },
    );
    const ran = await run(project);
    expect(ran.code).toBe(1);
    expect(ran.stderr).toContain("[workflow.remote_cache.bucket] expected an S3 bucket name");
    expect(ran.stderr).toContain("[workflow.remote_cache.endpoint] expected an http(s):// URL");
    expect(ran.stderr).toContain("[workflow.remote_cache.force_path_style] expected true or false");
    expect(ran.stderr).toContain("[workflow.remote_cache.bukcet] unknown key");
    expect(ran.stderr).not.toMatch(/\n\s+at /);
  });

  it("the mlflow organizer says it shares results its own way", async () => {
    const project = fixtureProject(
      { steps: { total: { type: "add", a: 1, b: 2 } } },
      {
        "formed.yml":
          "required_modules: [./steps.ts]\nworkflow:\n  organizer: { type: mlflow, tracking_uri: http://127.0.0.1:1 }\n  remote_cache: { type: s3, bucket: some-bucket }\n",
      },
    );
    const ran = await run(project);
    expect(ran.code).toBe(1);
    expect(ran.stderr).toContain(
      "[workflow.remote_cache] not available: the mlflow organizer already shares results",
    );
  });
});

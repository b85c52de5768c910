/**
 * A real S3-compatible server for tests: moto's server mode (`moto[server]` from PyPI),
 * installed once into a virtual environment under the test cache (reused by later runs on the
 * same machine), started on a free port of 127.0.0.1, stopped after. Its buckets live in the
 * server's memory: a stopped server comes back empty.
 *
 * `npx tsx test/support/moto-server.ts install` installs it ahead of the tests (.ci/run does).
 */
import { execFile, spawn } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { installOnce } from "./install-once.js";
import { freePort, stopProcess, waitForHealth } from "./server-process.js";

export const MOTO_VERSION = "5.2.5";

const run = promisify(execFile);
const INSTALL_TIMEOUT_MS = 20 * 60_000;

/** What the formed processes under test need to reach the server (moto takes any credentials). */
export const S3_TEST_ENV = {
  AWS_ACCESS_KEY_ID: "formed-test",
  AWS_SECRET_ACCESS_KEY: "formed-test",
  AWS_REGION: "us-east-1",
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
  // Never ask an instance metadata service for credentials: only 127.0.0.1 is reached.
  AWS_EC2_METADATA_DISABLED: "true",
} as const;

/**
 * The venv's python, installing moto first when this machine has none. Its programs are run as
 * `python -m ...`: the venv was made in a temporary folder and renamed, so the `#!` lines of its
 * scripts name a folder that is gone, while its python finds the venv from where it stands.
 */
export async function ensureMoto(log: (line: string) => void = () => undefined): Promise<string> {
  const venv = await installOnce(`moto-${MOTO_VERSION}`, async (folder) => {
    const started = Date.now();
    log(`installing moto[server]==${MOTO_VERSION}`);
    const python = process.env.FORMED_TEST_PYTHON || "python3";
    await run(python, ["-m", "venv", folder], { timeout: INSTALL_TIMEOUT_MS });
    await run(
      join(folder, "bin", "python"),
      ["-m", "pip", "install", "--disable-pip-version-check", "--quiet", `moto[server]==${MOTO_VERSION}`],
      { timeout: INSTALL_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 },
    );
    log(`installed moto in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  });
  return join(venv, "bin", "python");
}

export interface MotoServer {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  readonly port: number;
  readonly pid: number;
  /** A client of this server, path-style, with the test credentials. */
  readonly client: S3Client;
  /** Makes a bucket (names must be 3 to 63 lowercase letters, digits, dots, hyphens). */
  createBucket(name: string): Promise<void>;
  /** Stops the server (to simulate an outage); idempotent. */
  stop(): Promise<void>;
}

/** Starts a server, on `port` when given (to bring a stopped one back at the same address). */
export async function startMotoServer(port?: number): Promise<MotoServer> {
  const python = await ensureMoto((line) => console.log(line));
  const chosen = port ?? (await freePort());
  const endpoint = `http://127.0.0.1:${chosen}`;
  const child = spawn(python, ["-m", "moto.server", "-H", "127.0.0.1", "-p", String(chosen)], {
    // Its own process group, so that stopping it stops whatever it forks too.
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output: string[] = [];
  const keep = (chunk: Buffer) => {
    output.push(chunk.toString());
    if (output.length > 200) output.splice(0, 100);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const stop = () => stopProcess(child);
  try {
    await waitForHealth("moto server", `${endpoint}/moto-api/`, child, output);
  } catch (error) {
    await stop();
    throw error;
  }
  const client = new S3Client({
    endpoint,
    region: S3_TEST_ENV.AWS_REGION,
    forcePathStyle: true,
    credentials: {
      accessKeyId: S3_TEST_ENV.AWS_ACCESS_KEY_ID,
      secretAccessKey: S3_TEST_ENV.AWS_SECRET_ACCESS_KEY,
    },
  });
  return {
    endpoint,
    port: chosen,
    pid: child.pid ?? 0,
    client,
    createBucket: async (name) => {
      await client.send(new CreateBucketCommand({ Bucket: name }));
    },
    stop,
  };
}

if (process.argv[2] === "install" && process.argv[1]?.endsWith("moto-server.ts")) {
  const started = Date.now();
  const python = await ensureMoto((line) => console.log(line));
  console.log(`moto ${MOTO_VERSION} ready at ${python} (${Date.now() - started} ms)`);
}

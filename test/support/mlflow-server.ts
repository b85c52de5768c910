/**
 * A real MLflow tracking server for tests: MLflow from PyPI, installed once into a virtual
 * environment outside the repository (reused by later runs on the same machine), started on
 * 127.0.0.1 with a SQLite store and artifact serving in a fresh temp folder, stopped after.
 *
 * `npx tsx test/support/mlflow-server.ts install` installs it ahead of the tests (.ci/run does).
 */
import { execFile, spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import { freePort, stopProcess, waitForHealth } from "./server-process.js";
import { testCacheRoot } from "./test-cache.js";

/** The newest MLflow whose every dependency (mlflow-skinny, mlflow-tracing) is on PyPI. */
export const MLFLOW_VERSION = "3.17.2";

const run = promisify(execFile);
const INSTALL_TIMEOUT_MS = 20 * 60_000;

export function mlflowVenv(): string {
  return join(testCacheRoot(), `mlflow-${MLFLOW_VERSION}`);
}

/** The `mlflow` executable, installing MLflow first when this machine has none yet. */
export async function ensureMlflow(log: (line: string) => void = () => undefined): Promise<string> {
  const venv = mlflowVenv();
  const marker = join(venv, ".formed-installed");
  const mlflow = join(venv, "bin", "mlflow");
  if (existsSync(marker)) return mlflow;
  // Test files run in parallel processes: one installs, the others wait for its marker.
  const lock = `${venv}.lock`;
  mkdirSync(join(venv, ".."), { recursive: true });
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (existsSync(marker)) return mlflow;
      const age = Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > INSTALL_TIMEOUT_MS) rmSync(lock, { recursive: true, force: true });
      await sleep(1000);
    }
  }
  try {
    if (existsSync(marker)) return mlflow;
    const started = Date.now();
    rmSync(venv, { recursive: true, force: true });
    const python = process.env.FORMED_TEST_PYTHON || "python3";
    log(`installing mlflow==${MLFLOW_VERSION} into ${venv}`);
    await run(python, ["-m", "venv", venv], { timeout: INSTALL_TIMEOUT_MS });
    await run(
      join(venv, "bin", "pip"),
      ["install", "--disable-pip-version-check", "--quiet", `mlflow==${MLFLOW_VERSION}`],
      { timeout: INSTALL_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 },
    );
    writeFileSync(marker, `${new Date().toISOString()} ${Date.now() - started}ms\n`);
    log(`installed mlflow in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    return mlflow;
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

export interface MlflowServer {
  readonly uri: string;
  /** The server's process (and process group) id. */
  readonly pid: number;
  readonly port: number;
  /** The server's backend store and artifacts. */
  readonly directory: string;
  /** Milliseconds from spawn to a healthy /health. */
  readonly startupMs: number;
  /** Stops the server (it can be stopped mid-test to simulate an outage); idempotent. */
  stop(): Promise<void>;
  /** Stops it and removes its folder. */
  dispose(): Promise<void>;
}

/** Starts a server; with `directory` and `port` of a stopped one, the same server comes back. */
export async function startMlflowServer(
  reuse: { directory: string; port: number } | undefined = undefined,
): Promise<MlflowServer> {
  const mlflow = await ensureMlflow((line) => console.log(line));
  const directory = reuse?.directory ?? (await mkdtemp(join(tmpdir(), "formed-mlflow-server-")));
  const port = reuse?.port ?? (await freePort());
  const uri = `http://127.0.0.1:${port}`;
  const logFile = join(directory, "server.log");
  const started = Date.now();
  const child = spawn(
    mlflow,
    [
      "server",
      "--host",
      "127.0.0.1",
      "--port",
      String(port),
      "--workers",
      "1",
      "--backend-store-uri",
      `sqlite:///${join(directory, "mlflow.db")}`,
      "--serve-artifacts",
      "--artifacts-destination",
      join(directory, "artifacts"),
    ],
    {
      // Its own process group, so stopping it also stops the uvicorn worker it forks.
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, MLFLOW_DISABLE_TELEMETRY: "true", DO_NOT_TRACK: "true" },
    },
  );
  const output: string[] = [];
  child.stdout?.on("data", (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => output.push(chunk.toString()));
  const stop = () => stopProcess(child);
  try {
    await waitForHealth("mlflow server", `${uri}/health`, child, output);
  } catch (error) {
    await stop();
    writeFileSync(logFile, output.join(""));
    throw error;
  }
  const startupMs = Date.now() - started;
  return {
    uri,
    pid: child.pid ?? 0,
    port,
    directory,
    startupMs,
    stop,
    dispose: async () => {
      await stop();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

if (process.argv[2] === "install" && process.argv[1]?.endsWith("mlflow-server.ts")) {
  const started = Date.now();
  const mlflow = await ensureMlflow((line) => console.log(line));
  const marker = join(mlflowVenv(), ".formed-installed");
  console.log(
    `mlflow ${MLFLOW_VERSION} ready at ${mlflow} (${Date.now() - started} ms; ${readFileSync(marker, "utf8").trim()})`,
  );
}

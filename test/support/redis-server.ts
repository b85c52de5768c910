/**
 * A real Redis server for tests: Debian's `redis-server` (`.ci/run` installs it when missing),
 * started on 127.0.0.1 on a free port, in a fresh temp folder, with nothing persisted
 * (`--save "" --appendonly no`), checked by PING until it answers, stopped after. It can be
 * stopped mid-test (an outage) and started again on the same port.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

export const REDIS_SERVER = process.env.FORMED_TEST_REDIS_SERVER || "redis-server";

/** A loaded machine (other suites running) can take seconds to start a process. */
const STARTUP_TIMEOUT_MS = 60_000;

export interface RedisServer {
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  /** SIGKILLs the server (an outage); idempotent. */
  kill(): Promise<void>;
  /** Stops it (SIGTERM, then SIGKILL) and removes its folder. */
  dispose(): Promise<void>;
}

/** Starts a server; with `port`, on that port (to bring a stopped one back). */
export async function startRedisServer(options: { port?: number } = {}): Promise<RedisServer> {
  const directory = mkdtempSync(join(tmpdir(), "formed-redis-"));
  let lastError: unknown;
  // A free port found may be taken by another process before redis binds it: try again.
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = options.port ?? (await freePort());
    const child = spawn(
      REDIS_SERVER,
      [
        "--port",
        String(port),
        "--bind",
        "127.0.0.1",
        "--dir",
        directory,
        "--save",
        "",
        "--appendonly",
        "no",
        "--protected-mode",
        "no",
        "--loglevel",
        "warning",
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    const output: string[] = [];
    child.stdout?.on("data", (chunk: Buffer) => output.push(chunk.toString()));
    child.stderr?.on("data", (chunk: Buffer) => output.push(chunk.toString()));
    const spawned = new Promise<void>((resolve, reject) => {
      child.once("spawn", () => resolve());
      child.once("error", reject);
    });
    try {
      await spawned;
    } catch (error) {
      rmSync(directory, { recursive: true, force: true });
      throw new Error(
        `cannot start ${REDIS_SERVER} (install it: apt-get install -y redis-server): ${(error as Error).message}`,
      );
    }
    try {
      await waitForPing(port, child, output);
    } catch (error) {
      lastError = error;
      await stop(child);
      if (options.port !== undefined) break;
      continue;
    }
    const url = `redis://127.0.0.1:${port}`;
    return {
      url,
      port,
      pid: child.pid ?? 0,
      kill: () => stop(child, "SIGKILL"),
      dispose: async () => {
        await stop(child);
        rmSync(directory, { recursive: true, force: true });
      },
    };
  }
  rmSync(directory, { recursive: true, force: true });
  throw lastError;
}

/** Whether a Redis server answers PING on `port` within `timeoutMs`. */
export function ping(port: number, timeoutMs = 2_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    let answer = "";
    const done = (ok: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.on("connect", () => socket.write("PING\r\n"));
    socket.on("data", (chunk) => {
      answer += chunk.toString();
      if (answer.includes("\r\n")) done(answer.startsWith("+PONG"));
    });
    socket.on("error", () => done(false));
  });
}

async function waitForPing(port: number, child: ChildProcess, output: string[]): Promise<void> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`redis-server exited (${child.exitCode ?? child.signalCode}):\n${output.join("")}`);
    }
    if (await ping(port)) return;
    await sleep(50);
  }
  throw new Error(`redis-server on port ${port} did not answer PING within ${STARTUP_TIMEOUT_MS} ms`);
}

async function stop(child: ChildProcess, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill(signal);
  if ((await Promise.race([exited, sleep(10_000).then(() => "timeout")])) === "timeout") {
    child.kill("SIGKILL");
    await exited;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address !== null ? resolve(address.port) : reject(),
      );
    });
  });
}

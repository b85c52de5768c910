/** Starts the real `formed ui` in a project folder, and asks it for raw paths. */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { type CliResult, FORMED_BIN, runFormed, USER_NODE } from "./harness.js";

export interface RunningUi {
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

export async function startUi(cwd: string): Promise<RunningUi> {
  const child: ChildProcess = spawn(USER_NODE, [FORMED_BIN, "ui", "--port", "0"], {
    cwd,
    env: { ...process.env, NO_COLOR: "1", FORMED_CACHE_DIR: join(cwd, ".formed-cache") },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (chunk) => (stderr += chunk));
  const url = await new Promise<string>((resolve, reject) => {
    let stdout = "";
    child.stdout?.on("data", (chunk) => {
      stdout += chunk;
      const match = /http:\/\/127\.0\.0\.1:\d+\//.exec(stdout);
      if (match) resolve(match[0]);
    });
    child.on("exit", (code) => reject(new Error(`formed ui exited ${code}: ${stderr}`)));
  });
  return {
    url,
    port: Number(new URL(url).port),
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.on("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

/** A request with the path sent exactly as given (fetch would normalize "..", not Node's http). */
export function rawGet(
  port: number,
  path: string,
  method = "GET",
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, method, headers }, (response) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (chunk) => (body += chunk));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

/** A project folder kept across the tests of a file (tempProject's is removed after each test). */
export function sharedProject(files: Record<string, string>): {
  readonly dir: string;
  write(file: string, text: string): void;
  exists(file: string): boolean;
  formed(args: string[], options?: { timeoutMs?: number }): Promise<CliResult>;
  remove(): void;
} {
  const dir = mkdtempSync(join(tmpdir(), "formed-ui-"));
  const write = (file: string, text: string) => {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), text);
  };
  for (const [file, text] of Object.entries(files)) write(file, text);
  return {
    dir,
    write,
    exists: (file) => existsSync(join(dir, file)),
    formed: (args, options = {}) => runFormed(args, { cwd: dir, ...options }),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach } from "vitest";

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const FORMED_BIN = join(REPO_ROOT, "bin", "formed.js");
/**
 * The Node that runs what a user runs (the formed bin, their scripts): this one, or another
 * release under test (`FORMED_E2E_NODE`, set by test/support/node-versions.ts).
 */
export const USER_NODE = process.env.FORMED_E2E_NODE || process.execPath;

/** `process.version` of USER_NODE. */
export function userNodeVersion(): string {
  return USER_NODE === process.execPath
    ? process.version
    : execFileSync(USER_NODE, ["--version"], { encoding: "utf8" }).trim();
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A temporary project folder, removed after the test. */
export interface TempProject {
  readonly dir: string;
  write(file: string, text: string): void;
  read(file: string): string;
  exists(file: string): boolean;
  /** Lines of calls.log: which step functions ran, in order (the fixtures append to it). */
  calls(): string[];
  clearCalls(): void;
  /** Runs the real `formed` bin in this folder, as a user would. */
  formed(args: string[], options?: { env?: Record<string, string>; timeoutMs?: number }): Promise<CliResult>;
}

const projects: string[] = [];
afterEach(() => {
  for (const dir of projects.splice(0)) rmSync(dir, { recursive: true, force: true });
});

export function tempProject(files: Record<string, string> = {}): TempProject {
  const dir = mkdtempSync(join(tmpdir(), "formed-e2e-"));
  projects.push(dir);
  const project: TempProject = {
    dir,
    write(file, text) {
      mkdirSync(dirname(join(dir, file)), { recursive: true });
      writeFileSync(join(dir, file), text);
    },
    read: (file) => readFileSync(join(dir, file), "utf8"),
    exists: (file) => existsSync(join(dir, file)),
    calls: () =>
      existsSync(join(dir, "calls.log"))
        ? readFileSync(join(dir, "calls.log"), "utf8").split("\n").filter(Boolean)
        : [],
    clearCalls: () => rmSync(join(dir, "calls.log"), { force: true }),
    formed: (args, options = {}) => runFormed(args, { cwd: dir, ...options }),
  };
  for (const [file, text] of Object.entries(files)) project.write(file, text);
  return project;
}

export function runFormed(
  args: string[],
  options: { cwd: string; env?: Record<string, string>; timeoutMs?: number },
): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(USER_NODE, [FORMED_BIN, ...args], {
      cwd: options.cwd,
      // Each project its own user cache (the type analysis): a test can look at it in isolation.
      env: {
        ...process.env,
        FORMED_DEBUG: "",
        NO_COLOR: "1",
        FORMED_CACHE_DIR: join(options.cwd, ".formed-cache"),
        ...options.env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 60_000);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code, signal, stdout, stderr });
    });
  });
}

/** Steps used across the end-to-end tests; each appends its name to calls.log when it runs. */
export const FIXTURE_STEPS = `
import { appendFileSync, writeFileSync } from "node:fs";
import { step, useStepLogger, useStepContext, useStepWorkdir } from "formed";

const called = (name: string) => appendFileSync("calls.log", name + "\\n");

export const add = step(({ a, b }: { a: number; b: number }) => {
  called("add");
  return a + b;
});

export const double = step(({ x }: { x: number }) => {
  called("double");
  return x * 2;
});

export const numbers = step(function* ({ n }: { n: number }) {
  called("numbers");
  for (let i = 1; i <= n; i++) yield i;
});

export const sumTwice = step(({ items }: { items: Iterable<number> }) => {
  called("sumTwice");
  let first = 0;
  for (const x of items) first += x;
  let second = 0;
  for (const x of items) second += x;
  return { first, second };
});

export const random = step({ deterministic: false }, () => {
  called("random");
  return Math.random();
});

export const uncached = step({ cacheable: false }, ({ x }: { x: number }) => {
  called("uncached");
  return x + 1;
});

export const pair = step(({ a, b }: { a: number; b: number }) => {
  called("pair");
  return { left: a, right: { value: b } };
});

export const record = step(({ label, value }: { label: string; value: unknown }) => {
  called("record:" + label);
  writeFileSync("out-" + label + ".json", JSON.stringify(value));
  return value;
});

export const fail = step(({ message }: { message: string }) => {
  called("fail");
  throw new Error(message);
});

export const logs = step(({ text }: { text: string }) => {
  called("logs");
  useStepLogger().info("hello from " + useStepContext().info.name + ": " + text);
  writeFileSync(useStepWorkdir() + "/note.txt", text);
  return text.length;
});
`;

export const FIXTURE_SETTINGS = "required_modules:\n  - ./steps.ts\n";

/** A project with the fixture steps, formed.yml and the given config. */
export function fixtureProject(config: unknown, extra: Record<string, string> = {}): TempProject {
  return tempProject({
    "steps.ts": FIXTURE_STEPS,
    "formed.yml": FIXTURE_SETTINGS,
    "config.json": JSON.stringify(config, null, 2),
    ...extra,
  });
}

export function ref(name: string): { type: "ref"; ref: string } {
  return { type: "ref", ref: name };
}

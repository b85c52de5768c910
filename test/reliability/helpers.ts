/**
 * Shared helpers of the reliability suite (test/reliability/*.test.ts): seeded randomness,
 * temporary projects that live as long as a test file needs them, spawning and killing the real
 * CLI, and audits of the filesystem cache (`.formed/cache/<fp[0:2]>/<fp>/`).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll } from "vitest";
import { type CliResult, FORMED_BIN, runFormed } from "../e2e/harness.js";

export type { CliResult };

// ---------------------------------------------------------------------------------------------
// Seeded randomness

/** mulberry32: small, fast, good enough to pick kill points and generate inputs. */
export class Rng {
  #state: number;
  constructor(readonly seed: number) {
    this.#state = seed >>> 0;
  }
  /** In [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** An integer in [lo, hi] (both included). */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  /** An identifier-like word of letters. */
  word(min = 3, max = 10): string {
    const letters = "abcdefghijklmnopqrstuvwxyz";
    let text = "";
    for (let i = this.int(min, max); i > 0; i--) text += letters[this.int(0, 25)];
    return text;
  }
}

/**
 * The seed of a suite: RELIABILITY_SEED_<SUITE> (e.g. RELIABILITY_SEED_KILL_LOOP) or
 * RELIABILITY_SEED when set, to reproduce a failure; else a fresh one. Printed either way, with
 * the line that reproduces it.
 */
export function suiteSeed(suite: string): number {
  const variable = `RELIABILITY_SEED_${suite.toUpperCase().replace(/[^A-Z0-9]+/g, "_")}`;
  const fromEnv = process.env[variable] || process.env.RELIABILITY_SEED;
  const seed =
    fromEnv !== undefined && fromEnv !== "" ? Number(fromEnv) >>> 0 : Math.floor(Math.random() * 2 ** 32);
  console.log(`[reliability] ${suite}: seed ${seed} (reproduce with ${variable}=${seed})`);
  return seed;
}

// ---------------------------------------------------------------------------------------------
// Projects

/** The user cache (type analysis) shared by the whole test run, so a new project is not analyzed from scratch. */
export function sharedTypeCacheEnv(): Record<string, string> {
  const shared = process.env.FORMED_CACHE_DIR;
  return shared === undefined || shared === "" ? {} : { FORMED_CACHE_DIR: shared };
}

export interface RunOptions {
  env?: Record<string, string>;
  timeoutMs?: number;
}

/** A spawned CLI that a test may kill. */
export interface RunningCli {
  readonly child: ChildProcess;
  readonly done: Promise<CliResult>;
}

/**
 * A temporary project folder that lives until the end of the test file (unlike the e2e
 * harness's, removed after each test): suites that share one project across tests use it.
 */
export class Project {
  readonly dir: string;
  /** Env for every CLI started from here (on top of the harness's). */
  readonly env: Record<string, string>;

  constructor(files: Record<string, string | Buffer>, env: Record<string, string> = {}) {
    this.dir = mkdtempSync(join(tmpdir(), "formed-reliability-"));
    projects.push(this.dir);
    this.env = env;
    for (const [file, content] of Object.entries(files)) this.write(file, content);
  }

  get cacheDir(): string {
    return join(this.dir, ".formed", "cache");
  }

  path(file: string): string {
    return join(this.dir, file);
  }

  write(file: string, content: string | Buffer): void {
    mkdirSync(dirname(this.path(file)), { recursive: true });
    writeFileSync(this.path(file), content);
  }

  read(file: string): string {
    return readFileSync(this.path(file), "utf8");
  }

  exists(file: string): boolean {
    return existsSync(this.path(file));
  }

  /** Lines of `file` (default calls.log), which the reliability steps append their names to. */
  lines(file = "calls.log"): string[] {
    return this.exists(file) ? this.read(file).split("\n").filter(Boolean) : [];
  }

  clear(file = "calls.log"): void {
    rmSync(this.path(file), { force: true });
  }

  /** Runs the real CLI here and waits for it. */
  formed(args: string[], options: RunOptions = {}): Promise<CliResult> {
    return runFormed(args, {
      cwd: this.dir,
      env: { ...this.env, ...options.env },
      timeoutMs: options.timeoutMs ?? 120_000,
    });
  }

  /** Starts the real CLI here without waiting: the test may kill it. */
  spawn(args: string[], options: RunOptions = {}): RunningCli {
    const child = spawn(process.execPath, [FORMED_BIN, ...args], {
      cwd: this.dir,
      env: {
        ...process.env,
        FORMED_DEBUG: "",
        NO_COLOR: "1",
        FORMED_CACHE_DIR: join(this.dir, ".formed-cache"),
        ...this.env,
        ...options.env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (chunk) => (stdout += chunk));
    child.stderr?.on("data", (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 120_000);
    const done = new Promise<CliResult>((resolve, reject) => {
      child.on("error", reject);
      child.on("close", (code, signal) => {
        clearTimeout(timer);
        resolve({ code, signal, stdout, stderr });
      });
    });
    return { child, done };
  }
}

const projects: string[] = [];
afterAll(() => {
  for (const dir of projects.splice(0)) rmSync(dir, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------
// Cache audits

export interface CacheEntryOnDisk {
  /** Relative to the cache directory: `<xx>/<name>`. */
  readonly id: string;
  readonly path: string;
  readonly name: string;
}

/** Every child of every shard folder (`<cache>/<xx>/`); `.tmp`, `.locks` and other dot folders are not entries. */
export function cacheEntries(cacheDir: string): CacheEntryOnDisk[] {
  if (!existsSync(cacheDir)) return [];
  const found: CacheEntryOnDisk[] = [];
  for (const shard of readdirSync(cacheDir).sort()) {
    if (shard.startsWith(".")) continue;
    const shardPath = join(cacheDir, shard);
    if (!lstatSync(shardPath).isDirectory()) {
      found.push({ id: shard, path: shardPath, name: shard });
      continue;
    }
    for (const name of readdirSync(shardPath).sort()) {
      found.push({ id: `${shard}/${name}`, path: join(shardPath, name), name });
    }
  }
  return found;
}

const MANIFEST = ".formed-manifest.json";

export function sha256File(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

/**
 * What is wrong with one entry: not a folder, no manifest, a manifest that does not parse or
 * names another fingerprint, a listed file missing, of another size or (with `hashes`) another
 * sha256. Empty when the entry is whole.
 */
export function auditEntry(entry: CacheEntryOnDisk, options: { hashes?: boolean } = {}): string[] {
  const stats = lstatSync(entry.path);
  if (!stats.isDirectory()) return [`${entry.id}: not a folder`];
  const manifestPath = join(entry.path, MANIFEST);
  if (!existsSync(manifestPath)) return [`${entry.id}: no ${MANIFEST}`];
  let manifest: { fingerprint?: unknown; files?: unknown };
  try {
    manifest = JSON.parse(readFileSync(manifestPath, "utf8"));
  } catch (error) {
    return [`${entry.id}: ${MANIFEST} does not parse: ${(error as Error).message}`];
  }
  const problems: string[] = [];
  if (manifest.fingerprint !== entry.name) {
    problems.push(`${entry.id}: manifest names fingerprint ${JSON.stringify(manifest.fingerprint)}`);
  }
  if (!Array.isArray(manifest.files)) return [...problems, `${entry.id}: manifest has no file list`];
  for (const file of manifest.files as { path: string; size: number; sha256: string }[]) {
    const path = join(entry.path, ...String(file.path).split("/"));
    if (!existsSync(path)) {
      problems.push(`${entry.id}: ${file.path} is missing`);
      continue;
    }
    const size = lstatSync(path).size;
    if (size !== file.size) {
      problems.push(`${entry.id}: ${file.path} has ${size} bytes, the manifest says ${file.size}`);
      continue;
    }
    if (options.hashes === true && sha256File(path) !== file.sha256) {
      problems.push(`${entry.id}: ${file.path} does not match its sha256`);
    }
  }
  return problems;
}

/** Problems of every entry of the cache (empty: no entry is partial). */
export function auditCache(cacheDir: string, options: { hashes?: boolean } = {}): string[] {
  return cacheEntries(cacheDir).flatMap((entry) => auditEntry(entry, options));
}

/** The manifest of a whole entry. */
export function readManifest(entryPath: string): { files: { path: string; size: number; sha256: string }[] } {
  return JSON.parse(readFileSync(join(entryPath, MANIFEST), "utf8"));
}

export function manifestPath(entryPath: string): string {
  return join(entryPath, MANIFEST);
}

/**
 * A digest of every entry of the cache, path by path (file contents, folder structure), leaving
 * out the scratch (`.tmp`) and lock (`.locks`) folders, which are not results.
 */
export function snapshotCache(cacheDir: string): Map<string, string> {
  const snapshot = new Map<string, string>();
  const walk = (path: string, relative: string): void => {
    const stats = lstatSync(path);
    if (stats.isDirectory()) {
      snapshot.set(relative, "dir");
      for (const name of readdirSync(path).sort()) {
        if (relative === "" && name.startsWith(".")) continue;
        walk(join(path, name), relative === "" ? name : `${relative}/${name}`);
      }
    } else if (stats.isSymbolicLink()) {
      snapshot.set(relative, "symlink");
    } else {
      snapshot.set(relative, `${stats.size}:${sha256File(path)}`);
    }
  };
  if (existsSync(cacheDir)) walk(cacheDir, "");
  return snapshot;
}

/** What differs between two snapshots, one line per path. */
export function diffSnapshots(before: Map<string, string>, after: Map<string, string>): string[] {
  const lines: string[] = [];
  for (const [path, value] of before) {
    if (!after.has(path)) lines.push(`removed ${path}`);
    else if (after.get(path) !== value) lines.push(`changed ${path}`);
  }
  for (const path of after.keys()) if (!before.has(path)) lines.push(`added ${path}`);
  return lines;
}

/** `steps.<name>.fingerprint` of every step of an execution. */
export function stepRecords(
  projectDir: string,
  executionId: string,
): Record<string, { status: string; fingerprint: string }> {
  const file = join(projectDir, ".formed", "executions", executionId, "steps.json");
  return JSON.parse(readFileSync(file, "utf8")).steps;
}

export function entryPath(projectDir: string, fingerprint: string): string {
  return join(projectDir, ".formed", "cache", fingerprint.slice(0, 2), fingerprint);
}

/**
 * Backdates every lock folder, as if its holder had stopped refreshing it long ago: a killed
 * process's lock is taken over at once rather than after the 30 s staleness delay.
 */
export function ageLocks(cacheDir: string, byMs = 10 * 60_000): number {
  const locks = join(cacheDir, ".locks");
  if (!existsSync(locks)) return 0;
  const when = new Date(Date.now() - byMs);
  let count = 0;
  for (const name of readdirSync(locks)) {
    try {
      utimesSync(join(locks, name), when, when);
      count++;
    } catch {
      // gone meanwhile
    }
  }
  return count;
}

// ---------------------------------------------------------------------------------------------
// Processes and output

/** Runs `task` over `items`, at most `concurrency` at a time; results in input order. */
export async function pool<T, R>(
  items: readonly T[],
  concurrency: number,
  task: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Waits until `condition` holds or `done` settles; true when the condition was met. */
export async function waitUntil(
  condition: () => boolean,
  done: Promise<unknown>,
  timeoutMs = 120_000,
): Promise<boolean> {
  let finished = false;
  void done.then(
    () => (finished = true),
    () => (finished = true),
  );
  const start = Date.now();
  while (!condition()) {
    if (finished || Date.now() - start > timeoutMs) return condition();
    await sleep(5);
  }
  return true;
}

/** The first non-empty line of what the CLI printed on stderr (else stdout), for reports. */
export function firstLine(result: CliResult): string {
  const line = `${result.stderr}\n${result.stdout}`.split("\n").find((l) => l.trim() !== "");
  const text = line ?? "(no output)";
  return text.length > 200 ? `${text.slice(0, 200)}...` : text;
}

/** How a CLI ended, in a few words. */
export function describeExit(result: CliResult): string {
  return result.signal !== null ? `signal ${result.signal}` : `exit ${result.code}`;
}

/** A line of a Node stack trace. */
export const STACK_LINE = /^ {4}at /m;

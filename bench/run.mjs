#!/usr/bin/env node
// `npm run bench`: the same workflows through this project and through Python Formed, on this
// machine, in one run. Prints a table of medians (with min and max) and ratios, and writes it as
// JSON (bench/results/latest.json) and Markdown (bench/results/latest.md). See bench/README.md.
//
// Environment:
//   BENCH_REPS=5          repetitions of the fast workloads
//   BENCH_BIG_REPS=2      repetitions of the big-artifact workload
//   BENCH_BIG_BYTES=1G    size of the big artifact (e.g. 64M for a quick run)
//   BENCH_ONLY=a,b        only these workloads: quickstart, tree, tree10k, big, config, analysis, install, list,
//                         parallel, s3, distributed
//   BENCH_S3_BYTES=256M   size of the result sent through the S3 remote cache (s3)
//   BENCH_NO_PYTHON=1     skip Python Formed
//   FORMED_PY_VERSION     the Python Formed version to install (default 0.0.13)
//   FORMED_BENCH_VENV     where the virtual environment lives (default ~/.cache/formed-bench/venv)
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { once } from "node:events";
import {
  cpSync,
  createReadStream,
  createWriteStream,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { availableParallelism, cpus, homedir, loadavg, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { distributedBench } from "./distributed.mjs";
import { installBench } from "./install.mjs";
import * as P from "./parallel.mjs";
import { s3Bench } from "./s3.mjs";
import * as W from "./workloads.mjs";

const repo = new URL("..", import.meta.url).pathname;
const cli = join(repo, "bin/formed.js");
const dist = join(repo, "dist");
const REPS = Number(process.env.BENCH_REPS ?? 5);
const ANALYSIS_FILES = 500;
const ANALYSIS_LINES = 200;
const BIG_REPS = Number(process.env.BENCH_BIG_REPS ?? 2);
const BIG_BYTES = parseSize(process.env.BENCH_BIG_BYTES ?? "1G");
const S3_BYTES = parseSize(process.env.BENCH_S3_BYTES ?? "256M");
const ONLY = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(",")) : undefined;
const PY_VERSION = process.env.FORMED_PY_VERSION ?? "0.0.13";
const VENV = process.env.FORMED_BENCH_VENV ?? join(homedir(), ".cache/formed-bench/venv");
const TIME = existsSync("/usr/bin/time") ? "/usr/bin/time" : undefined;

function parseSize(text) {
  const m = /^(\d+(?:\.\d+)?)([KMG]?)i?B?$/i.exec(text.trim());
  if (!m) throw new Error(`BENCH_BIG_BYTES: cannot read ${text}`);
  const unit = { "": 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[m[2].toUpperCase()];
  return Math.round(Number(m[1]) * unit);
}

const wanted = (name) => ONLY === undefined || ONLY.has(name);
const log = (line) => process.stderr.write(`${line}\n`);

// ---------------------------------------------------------------------------------------------
// Python Formed, in a virtual environment of its own, made once and reused.

function setupPython() {
  if (process.env.BENCH_NO_PYTHON) return { ok: false, reason: "BENCH_NO_PYTHON is set" };
  const python = join(VENV, "bin/python");
  const check = () =>
    spawnSync(python, ["-c", "import formed, importlib.metadata as m; print(m.version('formed'))"], {
      encoding: "utf8",
    });
  let probe = existsSync(python) ? check() : undefined;
  if (probe?.status === 0 && probe.stdout.trim() === PY_VERSION)
    return { ok: true, python, version: PY_VERSION };
  log(`setting up Python Formed ${PY_VERSION} in ${VENV} ...`);
  const steps = [
    () =>
      existsSync(python) ? { status: 0 } : spawnSync("python3", ["-m", "venv", VENV], { encoding: "utf8" }),
    // formed 0.0.13 imports numpy without declaring it as a dependency.
    () =>
      spawnSync(python, ["-m", "pip", "install", "-q", `formed==${PY_VERSION}`, "numpy"], {
        encoding: "utf8",
      }),
  ];
  for (const run of steps) {
    const result = run();
    if (result.status !== 0) {
      return {
        ok: false,
        reason: `setup failed: ${(result.stderr || result.error?.message || "").trim().slice(-500)}`,
      };
    }
  }
  probe = check();
  if (probe.status !== 0)
    return { ok: false, reason: `formed does not import: ${probe.stderr.trim().slice(-500)}` };
  return { ok: true, python, version: probe.stdout.trim() };
}

// ---------------------------------------------------------------------------------------------
// Running one command: wall time from spawn to exit (process start included), peak RSS.

async function measure(command, args, { cwd, env = {} }) {
  const rssFile = join(tmpdir(), `formed-bench-rss-${process.pid}`);
  const [cmd, argv] = TIME ? [TIME, ["-f", "%M", "-o", rssFile, command, ...args]] : [command, args];
  const start = process.hrtime.bigint();
  const child = spawn(cmd, argv, {
    cwd,
    env: { ...process.env, NO_COLOR: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const out = [];
  child.stdout.on("data", (d) => out.push(d));
  child.stderr.on("data", (d) => out.push(d));
  const [code] = await once(child, "exit");
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const text = Buffer.concat(out).toString();
  if (code !== 0)
    throw new Error(`${command} ${args.join(" ")} (in ${cwd}) exited ${code}:\n${text.slice(-3000)}`);
  const rssMb = TIME ? Number(readFileSync(rssFile, "utf8").trim().split("\n").pop()) / 1024 : undefined;
  return { ms, rssMb, stdout: text };
}

const tool = {
  ts: (cwd, args) => measure(process.execPath, [cli, ...args], { cwd }),
  py: (cwd, args) => measure(join(VENV, "bin/formed"), args, { cwd, env: { PYTHONPATH: cwd } }),
};

// ---------------------------------------------------------------------------------------------
// Statistics and results.

function stats(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { median, min: sorted[0], max: sorted.at(-1), n: sorted.length, values };
}

const rows = [];
/** A result row: `ts` and `py` are sample arrays (py may be absent); `unit` says how to read them. */
function record(id, label, unit, ts, py) {
  const row = { id, label, unit, ts: stats(ts), py: py?.length ? stats(py) : undefined };
  if (row.py) row.ratio = row.ts.median / row.py.median;
  rows.push(row);
  log(`  ${label}: ${fmt(row.ts.median, unit)}${row.py ? ` vs ${fmt(row.py.median, unit)}` : ""}`);
  return row;
}

function fmt(value, unit) {
  if (value === undefined) return "-";
  if (unit === "ms")
    return value >= 10000 ? `${(value / 1000).toFixed(1)} s` : `${value.toFixed(value < 100 ? 1 : 0)} ms`;
  if (unit === "MB/s") return `${value.toFixed(0)} MB/s`;
  if (unit === "MB") return `${value.toFixed(0)} MB`;
  if (unit === "x") return `${value.toFixed(2)}×`;
  return value.toFixed(2);
}

/**
 * Empties a workspace's .formed/ for a cold run by moving it aside, not deleting it: the
 * workspaces (trash included) are deleted when the bench ends. On ext4, creating a file or
 * folder costs far more for ~30 s after many inodes were deleted (its inode allocator skips
 * recently deleted ones): deleting one tool's thousands of entries right before the next cold
 * run would charge that run for the cleanup. Cold runs measured here varied 2-3x with it.
 */
let trashed = 0;
const resetCache = (dir) => {
  const formed = join(dir, ".formed");
  if (!existsSync(formed)) return;
  const trash = join(dir, "..", ".trash");
  mkdirSync(trash, { recursive: true });
  renameSync(formed, join(trash, String(trashed++)));
};

// ---------------------------------------------------------------------------------------------
// Workloads.

/**
 * Cold (no .formed) then fully cached runs, alternating the tools within each repetition. The
 * last repetition's runs are also counted: the entries (files, folders, links) each tool wrote
 * into its execution record and into its cache.
 */
async function coldAndCached(id, label, ws, py, reps) {
  const samples = { tsCold: [], tsCached: [], pyCold: [], pyCached: [] };
  const written = {};
  for (let i = 0; i < reps; i++) {
    const last = i === reps - 1;
    resetCache(ws.ts);
    samples.tsCold.push((await tool.ts(ws.ts, ["workflow", "run", "config.jsonnet"])).ms);
    const tsCold = last ? entriesWritten(ws.ts, LAYOUT.ts) : undefined;
    samples.tsCached.push((await tool.ts(ws.ts, ["workflow", "run", "config.jsonnet"])).ms);
    if (last) written.ts = written1(tsCold, entriesWritten(ws.ts, LAYOUT.ts, tsCold.ids));
    if (py) {
      resetCache(ws.py);
      samples.pyCold.push((await tool.py(ws.py, ["workflow", "run", "config.jsonnet"])).ms);
      const pyCold = last ? entriesWritten(ws.py, LAYOUT.py) : undefined;
      samples.pyCached.push((await tool.py(ws.py, ["workflow", "run", "config.jsonnet"])).ms);
      if (last) written.py = written1(pyCold, entriesWritten(ws.py, LAYOUT.py, pyCold.ids));
    }
    log(`  ${id} rep ${i + 1}/${reps}`);
  }
  return {
    cold: record(`${id}.cold`, `${label}: cold run`, "ms", samples.tsCold, samples.pyCold),
    cached: record(`${id}.cached`, `${label}: cached re-run`, "ms", samples.tsCached, samples.pyCached),
    written,
  };
}

const written1 = (cold, cached) => ({ record: cold.record, cachedRecord: cached.record, cache: cold.cache });

/** Where each tool keeps its execution records and its cache, under the workspace. */
const LAYOUT = {
  ts: { executions: ".formed/executions", cache: ".formed/cache" },
  py: { executions: ".formed/workflow/executions", cache: ".formed/workflow/cache" },
};

/**
 * Entries under the execution records not in `seen` (the newest execution's record, its own
 * folder included) and under the cache, counted as files, folders and links (links not followed).
 */
function entriesWritten(dir, layout, seen = []) {
  const executions = join(dir, layout.executions);
  const ids = existsSync(executions) ? readdirSync(executions) : [];
  const fresh = ids.filter((name) => !seen.includes(name));
  let record = 0;
  for (const name of fresh) record += countEntries(join(executions, name));
  const cache = join(dir, layout.cache);
  return { ids, record, cache: existsSync(cache) ? countEntries(cache) - 1 : 0 };
}

function countEntries(path) {
  let n = 1;
  if (!lstatSync(path).isDirectory()) return n;
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    n += entry.isDirectory() ? countEntries(join(path, entry.name)) : 1;
  }
  return n;
}

function logWritten(w) {
  for (const [name, t] of [
    ["this project", w.ts],
    ["Python Formed", w.py],
  ]) {
    if (t === undefined) continue;
    log(
      `  ${name} wrote, for ${w.steps} steps: execution record ${t.record} entries on the cold run, ` +
        `${t.cachedRecord} on the cached re-run; cache ${t.cache} entries`,
    );
  }
}

/** Writes and reads `bytes` of JSON lines with plain file streams: the disk's limit for this data. */
async function rawStreams(dir, bytes) {
  const lines = [];
  let size = 0;
  for (let i = 0; size < 1024 * 1024; i++) {
    const line = `${JSON.stringify({ id: i, text: "x".repeat(W.TEXT_SIZE) })}\n`;
    lines.push(line);
    size += line.length;
  }
  const chunk = Buffer.from(lines.join(""));
  const file = join(dir, "raw.jsonl");
  let start = process.hrtime.bigint();
  const out = createWriteStream(file);
  for (let written = 0; written < bytes; written += chunk.length) {
    if (!out.write(chunk)) await once(out, "drain");
  }
  out.end();
  await once(out, "close");
  const writeMs = Number(process.hrtime.bigint() - start) / 1e6;
  start = process.hrtime.bigint();
  let read = 0;
  for await (const data of createReadStream(file, { highWaterMark: 1024 * 1024 })) read += data.length;
  const readMs = Number(process.hrtime.bigint() - start) / 1e6;
  rmSync(file);
  return { writeMs, readMs, bytes: read };
}

/**
 * The same records as the big-artifact steps, written and read by a plain Node.js script with
 * no workflow tool: JSON.stringify per record into a write stream, then read back in chunks,
 * split on newlines and JSON.parse'd. The floor for JSON lines on one core.
 */
async function plainJsonLines(dir, records) {
  const base = W.baseText();
  const file = join(dir, "plain.jsonl");
  let start = process.hrtime.bigint();
  const out = createWriteStream(file, { highWaterMark: 4 * 1024 * 1024 });
  let pending = "";
  for (let i = 0; i < records; i++) {
    const at = (i * 7919) % (base.length - W.TEXT_SIZE);
    pending += `${JSON.stringify({ id: i, text: base.slice(at, at + W.TEXT_SIZE) })}\n`;
    if (pending.length >= 1024 * 1024) {
      if (!out.write(pending)) await once(out, "drain");
      pending = "";
    }
  }
  out.end(pending);
  await once(out, "close");
  const writeMs = Number(process.hrtime.bigint() - start) / 1e6;
  start = process.hrtime.bigint();
  let chars = 0;
  let carry = "";
  for await (const chunk of createReadStream(file, { highWaterMark: 1024 * 1024, encoding: "utf8" })) {
    const lines = (carry + chunk).split("\n");
    carry = lines.pop();
    for (const line of lines) chars += JSON.parse(line).text.length;
  }
  const readMs = Number(process.hrtime.bigint() - start) / 1e6;
  rmSync(file);
  return { writeMs, readMs, chars };
}

/**
 * (5) The code graph's first analysis: `workflow run --dry-run` in a generated project whose one
 * step reaches ANALYSIS_FILES modules of ~ANALYSIS_LINES lines, with `.formed/code-graph.json`
 * and `.formed/code-versions.json` removed ("first analysis") and then present ("memoized").
 * A first run warms what is not measured here: the type analysis in the user's formed cache and
 * tsx's transform cache. The memo written by that run must hold every reachable file's summary
 * and none of an unreachable file's (they are never parsed).
 */
async function analysis(dir, derived) {
  const ws = W.analysisProject(dir, { files: ANALYSIS_FILES, lines: ANALYSIS_LINES, unreachable: 5 });
  const memo = join(ws.ts, ".formed/code-graph.json");
  const versions = join(ws.ts, ".formed/code-versions.json");
  const dryRun = () => tool.ts(ws.ts, ["workflow", "run", "config.jsonnet", "--dry-run"]);
  try {
    await dryRun();
  } catch (error) {
    log(`  skipped: this build cannot dry-run the project (${error.message.split("\n")[0]})`);
    return;
  }
  if (!existsSync(memo)) {
    log("  skipped: this build writes no .formed/code-graph.json (no code graph)");
    return;
  }
  const parsed = parsedFiles(memo, ws);
  log(
    `  code graph memo: ${parsed.entries} entries; ${parsed.reachable}/${ws.reachable.length} reachable files, ` +
      `${parsed.unreachable}/${ws.unreachable.length} unreachable files`,
  );
  // Checked, not thrown: the rows below are still worth having. The targets table shows it.
  if (parsed.unreachable > 0)
    log(`  PROBLEM: the code graph parsed ${parsed.unreachable} file(s) no step can reach`);
  if (parsed.reachable !== ws.reachable.length || parsed.entries !== ws.reachable.length) {
    log(
      `  PROBLEM: the memo has ${parsed.entries} entries, ${parsed.reachable} of them for the ` +
        `${ws.reachable.length} reachable files (a file missed, or keys not the ones parsedFiles computes)`,
    );
  }
  const first = [];
  const memoized = [];
  for (let i = 0; i < REPS; i++) {
    rmSync(memo, { force: true });
    rmSync(versions, { force: true });
    first.push((await dryRun()).ms);
    memoized.push((await dryRun()).ms);
    log(`  analysis rep ${i + 1}/${REPS}`);
  }
  const label = `${ANALYSIS_FILES}-file project (${ANALYSIS_LINES} lines each), dry run`;
  const f = record("analysis.first", `${label}: first analysis`, "ms", first);
  const m = record("analysis.memoized", `${label}: memoized`, "ms", memoized);
  record(
    "analysis.cost",
    `${label}: first analysis − memoized (same repetition)`,
    "ms",
    first.map((ms, i) => ms - memoized[i]),
  );
  derived.analysisCost = f.ts.median - m.ts.median;
  derived.analysisFiles = { ...parsed, total: ws.reachable.length, unreachableTotal: ws.unreachable.length };
}

/**
 * How many of the workload's files have a summary in the code graph's memo, which is keyed by
 * sha256 of `<summary form>\0<language>\0<file content>`. The form is the memo's `form` field,
 * or (later memo files) its `memo` version after the first colon (`1:formed-code-graph-v1`).
 * `entries` is the memo's size: a memo keeps only the entries its run used, so it counts the
 * files that run summarized whatever the key scheme.
 */
function parsedFiles(memo, ws) {
  const parsed = JSON.parse(readFileSync(memo, "utf8"));
  const entries = parsed.entries ?? {};
  const form =
    parsed.form ??
    (typeof parsed.memo === "string" && parsed.memo.includes(":")
      ? parsed.memo.slice(parsed.memo.indexOf(":") + 1)
      : undefined);
  const key = (file) => createHash("sha256").update(`${form}\0ts\0`).update(readFileSync(file)).digest("hex");
  const count = (files) => files.filter((file) => Object.hasOwn(entries, key(file))).length;
  return {
    entries: Object.keys(entries).length,
    reachable: count(ws.reachable),
    unreachable: count(ws.unreachable),
  };
}

/**
 * (7) The parallel executor (this project only). Every run is a new process, timed as the others
 * are, and its execution record gives the executor's own time (`P.recordedTiming`: from the
 * executor's start to its end, no process start, module loading, config or graph), which the
 * speed-ups use. Runs compared with each other alternate within each repetition (the order
 * changes every repetition), and a ratio is the median of the repetitions' ratios, so that load
 * changing during the bench hits both sides alike. The 1-minute load average is noted at the
 * start and end of each part.
 */
async function parallel(root, derived) {
  const cores = availableParallelism();
  const out = { cores, load: {} };
  derived.parallel = out;
  let runs = 0;
  /** One cold or cached run with `--jobs`: the CLI's total and the record's timing. */
  const run = async (ws, jobs) => {
    const id = `bench-${runs++}`;
    const cli = (
      await tool.ts(ws, ["workflow", "run", "config.jsonnet", "--jobs", String(jobs), "--execution-id", id])
    ).ms;
    return { cli, ...P.recordedTiming(join(ws, LAYOUT.ts.executions, id)) };
  };
  const cold = (ws, jobs) => {
    resetCache(ws);
    return run(ws, jobs);
  };
  /** A new workspace's one-time costs (the type analysis of its steps, tsx's transforms), not measured. */
  const warm = async (ws) => {
    await tool.ts(ws, ["workflow", "run", "config.jsonnet", "--dry-run"]);
    return ws;
  };
  const load = (part, when) => {
    out.load[part] = { ...out.load[part], [when]: loadavg()[0] };
    if (when === "end")
      log(
        `  load average (1 min): ${out.load[part].start.toFixed(2)} at the start, ${out.load[part].end.toFixed(2)} at the end`,
      );
  };
  const median = (values) => stats(values).median;
  const mean = (values) => values.reduce((a, b) => a + b, 0) / values.length;

  // Waiting steps: 16 async steps of 0.5 s, --jobs 8, cold. Ideal: 8 at once, 2 rounds, 1 s.
  const SLEEPERS = 16;
  const SLEEP_MS = 500;
  const SLEEP_JOBS = 8;
  log(`  ${SLEEPERS} async steps of ${SLEEP_MS} ms, --jobs ${SLEEP_JOBS}, cold`);
  load("sleep", "start");
  const sleepWs = await warm(P.sleepers(join(root, "parallel-sleep"), SLEEPERS, SLEEP_MS));
  const sleep = [];
  for (let i = 0; i < REPS; i++) sleep.push(await cold(sleepWs, SLEEP_JOBS));
  load("sleep", "end");
  const serial = SLEEPERS * SLEEP_MS;
  const sleepLabel = `${SLEEPERS} async steps × ${SLEEP_MS} ms, --jobs ${SLEEP_JOBS}, cold`;
  record(
    "parallel.sleep.cli",
    `${sleepLabel}: CLI total`,
    "ms",
    sleep.map((r) => r.cli),
  );
  record(
    "parallel.sleep.execution",
    `${sleepLabel}: execution (recorded)`,
    "ms",
    sleep.map((r) => r.execution),
  );
  const sleepUp = record(
    "parallel.sleep.speedup",
    `${sleepLabel}: speed-up, ${serial} ms / execution (ideal ${SLEEP_JOBS})`,
    "x",
    sleep.map((r) => serial / r.execution),
  );
  out.sleep = {
    ofIdeal: sleepUp.ts.median / SLEEP_JOBS,
    speedupCli: median(sleep.map((r) => serial / r.cli)),
    firstStart: median(sleep.map((r) => r.firstStart)),
    tail: median(sleep.map((r) => r.tail)),
    stepMs: median(sleep.flatMap((r) => r.stepMs)),
    startup: median(sleep.map((r) => r.cli - r.execution)),
  };

  // CPU-bound synchronous steps: --jobs <cores> (worker processes) against --jobs 1 (in process).
  const SPINNERS = 8;
  const SPIN_MS = 1000;
  log(`  ${SPINNERS} CPU-bound steps of ${SPIN_MS} ms, --jobs ${cores} against --jobs 1, cold`);
  load("cpu", "start");
  const cpuWs = await warm(P.spinners(join(root, "parallel-cpu"), SPINNERS, SPIN_MS));
  const cpu = { one: [], many: [] };
  for (let i = 0; i < REPS; i++) {
    const order = i % 2 === 0 ? ["one", "many"] : ["many", "one"];
    for (const side of order) cpu[side].push(await cold(cpuWs, side === "one" ? 1 : cores));
  }
  load("cpu", "end");
  const cpuLabel = `${SPINNERS} CPU-bound steps × ${SPIN_MS} ms, cold`;
  record(
    "parallel.cpu.one",
    `${cpuLabel}, --jobs 1: execution (recorded)`,
    "ms",
    cpu.one.map((r) => r.execution),
  );
  record(
    "parallel.cpu.many",
    `${cpuLabel}, --jobs ${cores}: execution (recorded)`,
    "ms",
    cpu.many.map((r) => r.execution),
  );
  const cpuUp = record(
    "parallel.cpu.speedup",
    `${cpuLabel}: speed-up, --jobs 1 / --jobs ${cores} (recorded executions)`,
    "x",
    cpu.one.map((r, i) => r.execution / cpu.many[i].execution),
  );
  out.cpu = {
    speedup: cpuUp.ts.median,
    speedupCli: median(cpu.one.map((r, i) => r.cli / cpu.many[i].cli)),
    firstStart: median(cpu.many.map((r) => r.firstStart)),
    tail: median(cpu.many.map((r) => r.tail)),
    stepMs: median(cpu.many.flatMap((r) => r.stepMs)),
    stepMsOne: median(cpu.one.flatMap((r) => r.stepMs)),
    // The first `cores` steps wait for their worker to start: how much longer they took than the others.
    firstRoundExtra: median(
      cpu.many.map((r) => mean(r.byStart.slice(0, cores)) - mean(r.byStart.slice(cores))),
    ),
  };

  // A worker's start-up: one trivial synchronous step, cold, --jobs 2 (one worker) against
  // --jobs 1; and dist/worker.js forked alone, from fork to its "ready".
  log(
    "  worker start-up: one trivial synchronous step, --jobs 2 against --jobs 1, cold; a worker forked alone",
  );
  load("worker", "start");
  const oneWs = await warm(P.spinners(join(root, "parallel-one"), 1, 0));
  const one = { one: [], two: [], fork: [] };
  for (let i = 0; i < REPS; i++) {
    const order = i % 2 === 0 ? ["one", "two"] : ["two", "one"];
    for (const side of order) one[side].push(await cold(oneWs, side === "one" ? 1 : 2));
    const ms = await P.workerStartup(dist, oneWs);
    if (ms !== undefined) one.fork.push(ms);
  }
  load("worker", "end");
  record(
    "parallel.worker.extra",
    "one trivial sync step, cold: execution with --jobs 2 − with --jobs 1 (recorded)",
    "ms",
    one.two.map((r, i) => r.execution - one.one[i].execution),
  );
  if (one.fork.length > 0)
    record("parallel.worker.fork", "a worker process alone: fork to ready", "ms", one.fork);

  // The 2,000-step tree of trivial (synchronous) steps: --jobs 4 against --jobs 1, cold and cached.
  const TREE_JOBS = 4;
  log(`  2,000-step tree, --jobs ${TREE_JOBS} against --jobs 1, cold and cached`);
  load("tree", "start");
  const treeWs = await warm(W.tree(join(root, "parallel-tree"), 2000).ts);
  // The same tree with its steps kept in the main process (`step({ worker: false })`): the
  // scheduler's cost alone, without worker processes. Cold runs only.
  const inProcessWs = await warm(P.inProcess(W.tree(join(root, "parallel-tree-in-process"), 2000).ts));
  const tree = { one: [], many: [], inProcess: [] };
  const sides = ["one", "many", "inProcess"];
  for (let i = 0; i < REPS; i++) {
    for (const side of [...sides.slice(i % 3), ...sides.slice(0, i % 3)]) {
      if (side === "inProcess") tree.inProcess.push(await cold(inProcessWs, TREE_JOBS));
      else {
        const jobs = side === "one" ? 1 : TREE_JOBS;
        const c = await cold(treeWs, jobs);
        tree[side].push({ cold: c, cached: await run(treeWs, jobs) });
      }
    }
    log(`  parallel tree rep ${i + 1}/${REPS}`);
  }
  load("tree", "end");
  out.tree = {};
  for (const phase of ["cold", "cached"]) {
    const label = `2,000-step tree: ${phase === "cold" ? "cold run" : "cached re-run"}`;
    record(
      `parallel.tree.${phase}.one`,
      `${label}, --jobs 1`,
      "ms",
      tree.one.map((r) => r[phase].cli),
    );
    record(
      `parallel.tree.${phase}.many`,
      `${label}, --jobs ${TREE_JOBS}`,
      "ms",
      tree.many.map((r) => r[phase].cli),
    );
    const ratio = record(
      `parallel.tree.${phase}.ratio`,
      `${label}: --jobs ${TREE_JOBS} / --jobs 1 (CLI totals)`,
      "x",
      tree.many.map((r, i) => r[phase].cli / tree.one[i][phase].cli),
    );
    out.tree[phase] = {
      ratio: ratio.ts.median,
      ratioRecorded: median(tree.many.map((r, i) => r[phase].execution / tree.one[i][phase].execution)),
    };
  }
  const inProcess = record(
    "parallel.tree.cold.inProcessRatio",
    `2,000-step tree: cold run, steps kept in the main process (worker: false), --jobs ${TREE_JOBS} / --jobs 1 (CLI totals)`,
    "x",
    tree.inProcess.map((r, i) => r.cli / tree.one[i].cold.cli),
  );
  out.tree.inProcess = {
    ratio: inProcess.ts.median,
    ratioRecorded: median(tree.inProcess.map((r, i) => r.execution / tree.one[i].cold.execution)),
  };
}

/**
 * `formed workflow list` where 1,000 executions are recorded: the quick start run once for
 * real, its execution folder then copied 999 times under new ids (start times a minute apart),
 * as a project used for months would have them. Timed from spawn to exit, as a user waits.
 */
async function listExecutions(dir) {
  const ws = W.collatz(dir);
  await tool.ts(ws.ts, ["workflow", "run", "config.jsonnet", "--execution-id", "run-0000"]);
  const executions = join(ws.ts, ".formed", "executions");
  const source = join(executions, "run-0000");
  const summary = JSON.parse(readFileSync(join(source, "summary.json"), "utf8"));
  for (let i = 1; i < 1000; i++) {
    const id = `run-${String(i).padStart(4, "0")}`;
    cpSync(source, join(executions, id), { recursive: true });
    const startedAt = new Date(Date.parse(summary.startedAt) + i * 60_000).toISOString();
    writeFileSync(join(executions, id, "summary.json"), JSON.stringify({ ...summary, startedAt }));
  }
  const samples = [];
  for (let i = 0; i < REPS; i++) {
    const run = await tool.ts(ws.ts, ["workflow", "list"]);
    if (!run.stdout.includes("run-0999"))
      throw new Error(`workflow list did not list every execution:\n${run.stdout.slice(0, 500)}`);
    samples.push(run.ms);
  }
  record("list", "`formed workflow list`, 1,000 executions", "ms", samples);
}

async function main() {
  const machine = {
    nproc: cpus().length,
    memoryGiB: Math.round(totalmem() / 1024 ** 3),
    cpu: cpus()[0]?.model ?? "unknown",
    node: process.version,
    date: new Date().toISOString(),
  };
  const usesPython = ["quickstart", "tree", "tree10k", "big", "config"].some(wanted);
  const py = usesPython
    ? setupPython()
    : { ok: false, reason: "not needed: the workloads asked for are for this project only" };
  if (py.ok) {
    const v = spawnSync(py.python, ["--version"], { encoding: "utf8" });
    machine.python = v.stdout.trim() || v.stderr.trim();
    machine.pythonFormed = py.version;
  } else {
    log(`Python Formed is not available (${py.reason}); running this project's side only.`);
    machine.pythonFormed = `unavailable: ${py.reason}`;
  }
  const pyArg = py.ok ? py : undefined;
  if (!existsSync(join(dist, "formed.js"))) throw new Error("run `npm run build` first");
  const root = mkdtempSync(join(tmpdir(), "formed-bench-"));
  log(`workspaces in ${root}`);
  const derived = {};
  try {
    if (wanted("quickstart")) {
      log("(1) quick start (Collatz)");
      await coldAndCached("quickstart", "quick start", W.collatz(join(root, "collatz")), pyArg, REPS);
    }
    let tree2k;
    if (wanted("tree") || wanted("tree10k")) {
      log("(2) 2,000-step fan-out/fan-in tree");
      tree2k = await coldAndCached(
        "tree2k",
        "2,000-step tree",
        W.tree(join(root, "tree2k"), 2000),
        pyArg,
        REPS,
      );
      derived.written = { steps: 2000, ...tree2k.written };
      logWritten(derived.written);
    }
    if (wanted("tree10k")) {
      log("(2) 10,000-step tree (this project only)");
      const ws = W.tree(join(root, "tree10k"), 10000);
      const reps = Math.max(1, Math.min(REPS, 3));
      const t10 = await coldAndCached("tree10k", "10,000-step tree", ws, undefined, reps);
      derived.scaleCold = t10.cold.ts.median / tree2k.cold.ts.median;
      derived.scaleCached = t10.cached.ts.median / tree2k.cached.ts.median;
      log(`  10,000 / 2,000: cold ${derived.scaleCold.toFixed(2)}, cached ${derived.scaleCached.toFixed(2)}`);
    }
    if (wanted("big")) {
      const records = Math.max(1, Math.floor(BIG_BYTES / W.recordLineSize(100000)));
      log(`(3) big artifact: ${records} records, ~${(BIG_BYTES / 1024 ** 2).toFixed(0)} MiB of JSON lines`);
      const ws = W.bigArtifact(join(root, "big"), records);
      const s = { raw: [], rawW: [], rawR: [], plain: [], ts: [], py: [], tsRss: [], pyRss: [] };
      for (let i = 0; i < BIG_REPS; i++) {
        const raw = await rawStreams(join(root, "big"), BIG_BYTES);
        s.rawW.push(raw.bytes / 1e6 / (raw.writeMs / 1000));
        s.rawR.push(raw.bytes / 1e6 / (raw.readMs / 1000));
        s.raw.push(raw.bytes / 1e6 / ((raw.writeMs + raw.readMs) / 1000));
        const plain = await plainJsonLines(join(root, "big"), records);
        s.plain.push(BIG_BYTES / 1e6 / ((plain.writeMs + plain.readMs) / 1000));
        resetCache(ws.ts);
        const t = await tool.ts(ws.ts, ["workflow", "run", "config.jsonnet"]);
        s.ts.push(BIG_BYTES / 1e6 / (t.ms / 1000));
        s.tsRss.push(t.rssMb);
        resetCache(ws.ts);
        if (pyArg) {
          resetCache(ws.py);
          const p = await tool.py(ws.py, ["workflow", "run", "config.jsonnet"]);
          s.py.push(BIG_BYTES / 1e6 / (p.ms / 1000));
          s.pyRss.push(p.rssMb);
          resetCache(ws.py);
        }
        log(`  big rep ${i + 1}/${BIG_REPS}`);
      }
      record("big.raw.write", "raw file stream: write", "MB/s", s.rawW);
      record("big.raw.read", "raw file stream: read", "MB/s", s.rawR);
      const raw = record("big.raw", "raw file stream: write + read", "MB/s", s.raw);
      const plain = record(
        "big.plain",
        "plain Node script: same records, stringify + write, read + parse",
        "MB/s",
        s.plain,
      );
      const thr = record("big.throughput", "artifact write + read through the cache", "MB/s", s.ts, s.py);
      if (TIME) record("big.rss", "artifact: peak RSS", "MB", s.tsRss, s.pyRss);
      derived.bigVsRaw = thr.ts.median / raw.ts.median;
      derived.bigVsPlain = thr.ts.median / plain.ts.median;
      derived.bigBytes = BIG_BYTES;
      if (thr.py) derived.bigPyVsRaw = thr.py.median / raw.ts.median;
    }
    if (wanted("config")) {
      log("(4) config load: 2,000-step Jsonnet config to graph");
      const ws = W.configLoad(join(root, "config"), 2000, dist);
      const ts = [];
      const pys = [];
      for (let i = 0; i < REPS; i++) {
        ts.push(JSON.parse((await measure(process.execPath, ["load.mjs"], { cwd: ws.ts })).stdout).ms);
        if (pyArg) {
          const out = await measure(pyArg.python, ["load.py"], { cwd: ws.py, env: { PYTHONPATH: ws.py } });
          pys.push(JSON.parse(out.stdout.trim().split("\n").pop()).ms);
        }
      }
      record("config", "config load: 2,000-step Jsonnet to graph (in process)", "ms", ts, pys);
    }
    if (wanted("analysis")) {
      log(`(5) first analysis of a generated ${ANALYSIS_FILES}-file project (this project only)`);
      await analysis(join(root, "analysis"), derived);
    }
    if (wanted("parallel")) {
      log("(7) the parallel executor (this project only)");
      await parallel(root, derived);
    }
    if (wanted("list")) {
      log("(8) formed workflow list on 1,000 recorded executions (this project only)");
      await listExecutions(join(root, "list"));
    }
    if (wanted("s3")) {
      log(
        `(9) a ${(S3_BYTES / 1024 ** 2).toFixed(0)} MiB result through the S3 remote cache, moto on 127.0.0.1 (this project only)`,
      );
      mkdirSync(join(root, "s3"));
      const s3 = await s3Bench({ root: join(root, "s3"), bytes: S3_BYTES, reps: Math.max(BIG_REPS, 5), log });
      const mb = (times) => times.map((t) => s3.bytes / 1e6 / (t / 1000));
      record("s3.cache", "S3 cache: put on one laptop + get on another", "MB/s", mb(s3.samples.cache));
      record("s3.raw", "S3 SDK alone: upload + download of the same bytes", "MB/s", mb(s3.samples.raw));
      derived.s3 = {
        bytes: s3.bytes,
        ratio: stats(s3.samples.raw.map((raw, i) => raw / s3.samples.cache[i])).median,
        put: stats(s3.samples.put).median,
        get: stats(s3.samples.get).median,
        upload: stats(s3.samples.upload).median,
        download: stats(s3.samples.download).median,
      };
    }
    if (wanted("distributed")) {
      log("(10) the distributed executor: Redis on 127.0.0.1, 4 `formed worker`s (this project only)");
      mkdirSync(join(root, "distributed"));
      const d = await distributedBench({ root: join(root, "distributed"), reps: Math.min(REPS, 3), log });
      const waits = d.waits.map((w) => w.execution);
      const perSecond = d.trivial.map((t) => d.trivialSteps / (t.execution / 1000));
      record("distributed.wait", "distributed: 64 steps × 0.5 s on 4 workers (execution)", "ms", waits);
      record(
        "distributed.trivial",
        `distributed: ${d.trivialSteps} trivial steps on 4 workers × 2`,
        "steps/s",
        perSecond,
      );
      derived.distributed = {
        ideal: d.ideal,
        ofIdeal: d.ideal / stats(waits).median,
        waitCli: stats(d.waits.map((w) => w.cli)).median,
        stepsPerSecond: stats(perSecond).median,
        trivialSteps: d.trivialSteps,
      };
    }
    if (wanted("install")) {
      log("(6) install: the packed tarballs into an empty project, npm cache warm (this project only)");
      const { tarballs, rows: installs } = installBench({ reps: Math.min(REPS, 3), log });
      derived.tarballsMB = Object.fromEntries(
        Object.entries(tarballs).map(([name, bytes]) => [name, bytes / 1e6]),
      );
      for (const row of installs) {
        const id = row.label.startsWith("formed alone") ? "install.alone" : "install.native";
        record(id, `npm install: ${row.label}`, "ms", [row.medianSeconds * 1000], undefined);
        derived[`${id}.mbWithoutTypescript`] = row.withoutTypescriptMB;
        derived[`${id}.mbInstalled`] = row.installedMB;
      }
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  const targets = checkTargets(rows, derived);
  const result = { machine, rows, derived, targets };
  const dir = join(repo, "bench/results");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "latest.json"), `${JSON.stringify(result, null, 2)}\n`);
  const md = renderMarkdown(result);
  writeFileSync(join(dir, "latest.md"), md);
  process.stdout.write(md);
}

function checkTargets(rows, derived) {
  const byId = Object.fromEntries(rows.map((r) => [r.id, r]));
  const out = [];
  const add = (name, value, ok, goal) =>
    value !== undefined && out.push({ name, value, goal, met: ok(value) });
  add("quick start cached re-run, this / Python", byId["quickstart.cached"]?.ratio, (v) => v <= 0.5, "≤ 0.5");
  add("2,000-step cold, this / Python", byId["tree2k.cold"]?.ratio, (v) => v <= 0.2, "≤ 0.2");
  add("2,000-step cached, this / Python", byId["tree2k.cached"]?.ratio, (v) => v <= 0.2, "≤ 0.2");
  add("artifact throughput, this / raw streams", derived.bigVsRaw, (v) => v >= 0.5, "≥ 0.5");
  add("artifact peak RSS (MB)", byId["big.rss"]?.ts.median, (v) => v < 300, "< 300");
  add("`formed workflow list`, 1,000 executions (ms)", byId.list?.ts.median, (v) => v < 300, "< 300");
  add("10,000 / 2,000 cold", derived.scaleCold, (v) => v <= 5.5, "≤ 5.5");
  add("10,000 / 2,000 cached", derived.scaleCached, (v) => v <= 5.5, "≤ 5.5");
  add("S3 cache / raw SDK transfer, same bytes", derived.s3?.ratio, (v) => v >= 0.8, "≥ 0.8");
  add(
    "distributed: 64 steps × 0.5 s on 4 workers, of ideal 8 s",
    derived.distributed?.ofIdeal,
    (v) => v >= 0.8,
    "≥ 0.8",
  );
  add("distributed: trivial steps per second", derived.distributed?.stepsPerSecond, (v) => v >= 200, "≥ 200");
  const files = derived.analysisFiles;
  if (files !== undefined) {
    add(
      `${ANALYSIS_FILES}-file analysis: files summarized, reachable + unreachable`,
      `${files.reachable} + ${files.unreachable} (memo: ${files.entries})`,
      () => files.reachable === files.total && files.entries === files.total && files.unreachable === 0,
      `${files.total} + 0`,
    );
  }
  add(
    `${ANALYSIS_FILES}-file first analysis, first − memoized (ms)`,
    derived.analysisCost,
    (v) => v < 2000,
    "< 2000",
  );
  const par = derived.parallel;
  if (par?.sleep !== undefined) {
    add("16 async steps × 0.5 s, --jobs 8: speed-up / ideal 8", par.sleep.ofIdeal, (v) => v >= 0.8, "≥ 0.8");
    add(
      `8 CPU-bound steps × 1 s: speed-up, --jobs ${par.cores} / --jobs 1 (${par.cores} cores)`,
      par.cpu.speedup,
      (v) => v >= 0.75 * par.cores,
      `≥ ${(0.75 * par.cores).toFixed(2)}`,
    );
    add("2,000-step tree cold: --jobs 4 / --jobs 1", par.tree.cold.ratio, (v) => v <= 1.2, "≤ 1.2");
    add("2,000-step tree cached: --jobs 4 / --jobs 1", par.tree.cached.ratio, (v) => v <= 1.2, "≤ 1.2");
  }
  for (const id of ["install.native", "install.alone"]) {
    add(`${id}: npm install (s)`, byId[id] && byId[id].ts.median / 1000, (v) => v < 15, "< 15");
    add(
      `${id}: installed MB without TypeScript`,
      derived[`${id}.mbWithoutTypescript`],
      (v) => v < 40,
      "< 40",
    );
  }
  return out;
}

function renderMarkdown({ machine, rows, derived, targets }) {
  const cell = (s, unit) => (s ? `${fmt(s.median, unit)} (${fmt(s.min, unit)} – ${fmt(s.max, unit)})` : "–");
  const lines = [
    `Machine: ${machine.nproc} CPUs (${machine.cpu}), ${machine.memoryGiB} GiB, Node ${machine.node}, ` +
      `${machine.python ?? "Python: –"}, Python Formed ${machine.pythonFormed}; ${machine.date}.`,
    "",
    "| workload | formed (TS): median (min – max) | Python Formed: median (min – max) | this / Python |",
    "|---|---|---|---|",
    ...rows.map(
      (r) =>
        `| ${r.label} | ${cell(r.ts, r.unit)} | ${cell(r.py, r.unit)} | ${r.ratio === undefined ? "–" : r.ratio.toFixed(2)} |`,
    ),
    "",
  ];
  if (derived.bigVsRaw !== undefined) {
    lines.push(
      `Artifact: ${(derived.bigBytes / 1024 ** 2).toFixed(0)} MiB; throughput through the cache is ` +
        `${(derived.bigVsRaw * 100).toFixed(0)}% of raw file streams for this project` +
        (derived.bigPyVsRaw === undefined
          ? ""
          : `, ${(derived.bigPyVsRaw * 100).toFixed(0)}% for Python Formed`) +
        `; ${(derived.bigVsPlain * 100).toFixed(0)}% of a plain Node script doing the same JSON work without any tool.`,
      "",
    );
  }
  if (derived.distributed !== undefined) {
    const d = derived.distributed;
    lines.push(
      `Distributed executor (Redis and 4 \`formed worker\`s on this machine, one cache folder): 64 steps of 0.5 s ` +
        `took ${(100 * d.ofIdeal).toFixed(0)}% of the ideal ${(d.ideal / 1000).toFixed(0)} s ` +
        `(${(d.waitCli / 1000).toFixed(1)} s counting the whole CLI); ${d.trivialSteps} trivial steps went through at ` +
        `${d.stepsPerSecond.toFixed(0)} steps/s.`,
      "",
    );
  }
  if (derived.s3 !== undefined) {
    const s = (v) => `${(v / 1000).toFixed(2)} s`;
    lines.push(
      `S3 remote cache: a ${(derived.s3.bytes / 1024 ** 2).toFixed(0)} MiB result moves at ` +
        `${(derived.s3.ratio * 100).toFixed(0)}% of the speed of the same bytes through the SDK alone ` +
        `(medians: put ${s(derived.s3.put)}, get ${s(derived.s3.get)}; upload ${s(derived.s3.upload)}, download ${s(derived.s3.download)}).`,
      "",
    );
  }
  if (derived.scaleCold !== undefined) {
    lines.push(
      `10,000 / 2,000 steps (this project): cold ${derived.scaleCold.toFixed(2)}, cached ${derived.scaleCached.toFixed(2)}.`,
      "",
    );
  }
  if (derived.written !== undefined) {
    const w = derived.written;
    const per = (n) => (n / w.steps).toFixed(n / w.steps < 0.1 ? 3 : 2);
    const tools = [
      ["this project", w.ts],
      ["Python Formed", w.py],
    ].filter(([, t]) => t !== undefined);
    lines.push(
      `Written by the ${w.steps.toLocaleString("en-US")}-step tree's last cold run and its cached re-run ` +
        "(files, folders and links, counted under each tool's execution records and cache): " +
        tools
          .map(
            ([name, t]) =>
              `${name}: execution record ${t.record} (${per(t.record)} per step), ` +
              `cached re-run's record ${t.cachedRecord}, cache ${t.cache} (${per(t.cache)} per step)`,
          )
          .join("; ") +
        ".",
      "",
    );
  }
  if (derived.analysisFiles !== undefined) {
    const a = derived.analysisFiles;
    lines.push(
      `Analysis: the code graph memo held ${a.reachable} of the ${a.total} reachable files (steps.ts and ` +
        `${a.total - 1} modules) and ${a.unreachable} of the ${a.unreachableTotal} unreachable ones, ` +
        `${a.entries} entries in all; ` +
        `first analysis − memoized: ${fmt(derived.analysisCost, "ms")} (medians).`,
      "",
    );
  }
  const par = derived.parallel;
  if (par?.sleep !== undefined) {
    const ms = (v) => `${v.toFixed(0)} ms`;
    const load = (part) => `load ${par.load[part].start.toFixed(1)} → ${par.load[part].end.toFixed(1)}`;
    lines.push(
      `Parallel executor (${par.cores} cores; speed-ups from the executions' recorded start and end, ` +
        "without Node's start, module loading, config and graph; medians): " +
        `async steps (${load("sleep")}): ${(par.sleep.ofIdeal * 100).toFixed(0)}% of ideal, ` +
        `${par.sleep.speedupCli.toFixed(2)}× counting the whole CLI (${ms(par.sleep.startup)} before and after the execution); ` +
        `first step started ${ms(par.sleep.firstStart)} after the execution, execution ended ${ms(par.sleep.tail)} after the last step, ` +
        `a step took ${ms(par.sleep.stepMs)}. CPU-bound steps (${load("cpu")}): ${par.cpu.speedup.toFixed(2)}× ` +
        `(${par.cpu.speedupCli.toFixed(2)}× by CLI totals); with --jobs ${par.cores} the first step started ` +
        `${ms(par.cpu.firstStart)} after the execution and it ended ${ms(par.cpu.tail)} after the last step; a step took ` +
        `${ms(par.cpu.stepMs)} in a worker (the first ${par.cores}, waiting for their worker to start, ` +
        `${ms(par.cpu.firstRoundExtra)} more than the others), ${ms(par.cpu.stepMsOne)} in process. Worker start-up: ${load("worker")}. ` +
        `2,000-step tree (${load("tree")}): --jobs 4 / --jobs 1 by the recorded executions: cold ` +
        `${par.tree.cold.ratioRecorded.toFixed(2)}, cached ${par.tree.cached.ratioRecorded.toFixed(2)}; ` +
        `cold with the steps kept in the main process ${par.tree.inProcess.ratioRecorded.toFixed(2)}.`,
      "",
    );
  }
  lines.push("| target | measured | goal | met |", "|---|---|---|---|");
  for (const t of targets)
    lines.push(
      `| ${t.name} | ${typeof t.value === "string" ? t.value : t.value.toFixed(t.value >= 100 ? 0 : 2)} | ${t.goal} | ${t.met ? "yes" : "no"} |`,
    );
  return `${lines.join("\n")}\n`;
}

await main();

/**
 * SIGKILL at random points while the real CLI writes large results: a generator of 200,000 JSON
 * records (streamed into the cache) and a 20 MB object. After every kill: no cache entry is
 * partial, a dry run still works, and a completing run reads back every value (a step checks
 * content and count and writes a verdict file).
 *
 * The kill points come from a seeded generator (printed; RELIABILITY_SEED=<n> replays it): a
 * kill inside the record generator at record k (the CLI kills itself: exact), or a kill from
 * outside after a random delay from a marker a step writes (random wherever the CLI then is:
 * building, serializing, writing, hashing, renaming, reading back, recording the execution).
 */
import { existsSync, readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  ageLocks,
  auditCache,
  type CliResult,
  describeExit,
  entryPath,
  Project,
  Rng,
  sharedTypeCacheEnv,
  sleep,
  stepRecords,
  suiteSeed,
  waitUntil,
} from "./helpers.js";

const ITERATIONS = 24;
const RECORDS = 200_000;
const BLOB_MB = 20;

const STEPS = `
import { appendFileSync, writeFileSync } from "node:fs";
import { step } from "formed";

const called = (name: string) => appendFileSync("calls.log", name + "\\n");
const mark = (name: string) => writeFileSync("marker-" + name, "");

function recordText(i: number, salt: number): string {
  return "r" + ((i * 2654435761 + salt) % 1000003) + "-" + "abcdefghij".slice(i % 10);
}

function blobRow(i: number, salt: number): string {
  return String((i + salt) % 10).repeat(1000) + "|" + i;
}

/** Streams n records; RELIABILITY_KILL_AT_RECORD=k makes the CLI SIGKILL itself at record k. */
export const records = step(function* ({ n, salt }: { n: number; salt: number }) {
  called("records");
  const killAt = Number(process.env.RELIABILITY_KILL_AT_RECORD ?? "-1");
  mark("records-" + salt);
  for (let i = 0; i < n; i++) {
    if (i === killAt) {
      process.kill(process.pid, "SIGKILL");
      for (;;) {}
    }
    yield { i, salt, text: recordText(i, salt), even: i % 2 === 0 };
  }
});

/** An object of about mb megabytes. */
export const blob = step(({ mb, salt }: { mb: number; salt: number }) => {
  called("blob");
  mark("blob-start-" + salt);
  const rows: string[] = [];
  const count = Math.ceil((mb * 1024 * 1024) / 1000);
  for (let i = 0; i < count; i++) rows.push(blobRow(i, salt));
  mark("blob-built-" + salt);
  return { salt, count, rows };
});

export const checkRecords = step(
  { deterministic: false },
  ({ data, n, salt }: { data: Iterable<{ i: number; salt: number; text: string; even: boolean }>; n: number; salt: number }) => {
    called("checkRecords");
    const errors: string[] = [];
    let count = 0;
    for (const r of data) {
      const ok = r.i === count && r.salt === salt && r.text === recordText(count, salt) && r.even === (count % 2 === 0);
      if (!ok && errors.length < 5) errors.push("record " + count + ": " + JSON.stringify(r).slice(0, 200));
      count++;
    }
    if (count !== n) errors.push("count " + count + ", expected " + n);
    writeFileSync("verdict-" + salt + ".json", JSON.stringify({ count, errors }));
    return count;
  },
);

export const checkBlob = step(
  { deterministic: false },
  ({ data, mb, salt }: { data: { salt: number; count: number; rows: string[] }; mb: number; salt: number }) => {
    called("checkBlob");
    const errors: string[] = [];
    const expected = Math.ceil((mb * 1024 * 1024) / 1000);
    if (data.salt !== salt) errors.push("salt " + data.salt);
    if (data.count !== expected) errors.push("count field " + data.count);
    if (data.rows.length !== expected) errors.push("rows " + data.rows.length + ", expected " + expected);
    for (let i = 0; i < data.rows.length; i++) {
      if (data.rows[i] !== blobRow(i, salt) && errors.length < 5) errors.push("row " + i + ": " + String(data.rows[i]).slice(0, 60));
    }
    writeFileSync("verdict-" + salt + ".json", JSON.stringify({ count: data.rows.length, errors }));
    return data.rows.length;
  },
);
`;

const CONFIG = `
local salt = std.parseInt(std.extVar('SALT'));
local target = std.extVar('TARGET');
{
  steps: if target == 'records' then {
    data: { type: 'records', n: ${RECORDS}, salt: salt },
    check: { type: 'checkRecords', data: { type: 'ref', ref: 'data' }, n: ${RECORDS}, salt: salt },
  } else {
    data: { type: 'blob', mb: ${BLOB_MB}, salt: salt },
    check: { type: 'checkBlob', data: { type: 'ref', ref: 'data' }, mb: ${BLOB_MB}, salt: salt },
  },
}
`;

type Target = "records" | "blob";

interface KillPlan {
  target: Target;
  /** "self": the generator kills the CLI at record `record`; else from outside, `delayMs` after `marker`. */
  how: "self" | "outside";
  record?: number;
  marker?: string;
  delayMs?: number;
}

function describePlan(plan: KillPlan): string {
  return plan.how === "self"
    ? `${plan.target}: self-kill at record ${plan.record}`
    : `${plan.target}: kill ${plan.delayMs} ms after ${plan.marker}`;
}

const seed = suiteSeed("kill loop");
const rng = new Rng(seed);

/** Every iteration's plan, drawn up front so that each is the same whatever happened before. */
const plans: KillPlan[] = Array.from({ length: ITERATIONS }, (_, i) => {
  const target: Target = i % 2 === 0 ? "records" : "blob";
  if (target === "records" && rng.chance(0.5)) {
    return { target, how: "self", record: rng.int(0, RECORDS - 1) };
  }
  if (target === "records") return { target, how: "outside", marker: "records", delayMs: rng.int(0, 400) };
  return rng.chance(0.5)
    ? { target, how: "outside", marker: "blob-start", delayMs: rng.int(0, 600) }
    : { target, how: "outside", marker: "blob-built", delayMs: rng.int(0, 400) };
});

describe("SIGKILL during large writes", { timeout: 300_000 }, () => {
  const project = new Project(
    { "steps.ts": STEPS, "formed.yml": "required_modules: [./steps.ts]\n", "config.jsonnet": CONFIG },
    sharedTypeCacheEnv(),
  );
  let kills = 0;
  let beforeInstalled = 0;

  const args = (salt: number, target: Target, ...extra: string[]) => [
    "workflow",
    "run",
    "config.jsonnet",
    "--ext-var",
    `SALT=${salt}`,
    "--ext-var",
    `TARGET=${target}`,
    ...extra,
  ];

  /** One attempt at killing the CLI as planned; the result says whether it died of the kill. */
  async function attempt(salt: number, plan: KillPlan, delayMs: number, label: string): Promise<CliResult> {
    const env: Record<string, string> =
      plan.how === "self" ? { RELIABILITY_KILL_AT_RECORD: String(plan.record) } : {};
    const running = project.spawn(args(salt, plan.target, "--execution-id", label), { env });
    if (plan.how === "outside") {
      const marker = `marker-${plan.marker}-${salt}`;
      if (await waitUntil(() => project.exists(marker), running.done)) {
        await sleep(delayMs);
        running.child.kill("SIGKILL");
      }
    }
    return running.done;
  }

  plans.forEach((plan, index) => {
    it(`kill #${index + 1} (${describePlan(plan)}), then a completing run reads every value back`, async () => {
      const salt = (seed % 100_000) + index * 7 + 1;
      // A kill from outside may come after the CLI has finished (it is faster than the delay):
      // then try again with a shorter delay on a new salt. Bounded: 5 attempts.
      let killed: CliResult | undefined;
      let delay = plan.delayMs ?? 0;
      let attemptSalt = salt;
      for (let n = 0; n < 5 && killed === undefined; n++) {
        attemptSalt = salt + n * 1_000_000;
        const result = await attempt(attemptSalt, plan, delay, `killed-${index}-${n}`);
        if (result.signal === "SIGKILL") killed = result;
        else {
          expect(result.code, `run that finished before its kill: ${result.stderr}`).toBe(0);
          delay = Math.floor(delay / 3);
        }
      }
      expect(killed, `the CLI was never killed (${describePlan(plan)})`).toBeDefined();
      kills++;

      // No entry is partial: each has its manifest and every file of it, at its size.
      expect(auditCache(project.cacheDir, { hashes: true })).toEqual([]);

      // The killed process's lock would be taken over after 30 s; age it instead of waiting.
      ageLocks(project.cacheDir);

      // A dry run reads the killed execution's records: it must cope.
      const dry = await project.formed(args(attemptSalt, plan.target, "--dry-run"));
      expect(dry.stderr).not.toContain("unexpected error");
      expect(dry.code, `dry run after the kill: ${dry.stderr}`).toBe(0);

      project.clear();
      project.clear(`verdict-${attemptSalt}.json`);
      const done = `done-${index}`;
      const completing = await project.formed(args(attemptSalt, plan.target, "--execution-id", done));
      expect(completing.stderr).not.toContain("unexpected error");
      expect(completing.code, `completing run (${describeExit(completing)}): ${completing.stderr}`).toBe(0);
      expect(project.lines()).toContain(plan.target === "records" ? "checkRecords" : "checkBlob");
      // Where the kill landed: before the entry was in place (the step ran again), or after.
      if (project.lines().includes(plan.target)) beforeInstalled++;
      const verdict = JSON.parse(project.read(`verdict-${attemptSalt}.json`));
      expect(verdict.errors).toEqual([]);
      expect(verdict.count).toBe(
        plan.target === "records" ? RECORDS : Math.ceil((BLOB_MB * 1024 * 1024) / 1000),
      );
      expect(auditCache(project.cacheDir, { hashes: true })).toEqual([]);

      // Bound the disk this loop takes: the entry just verified is not needed any more.
      const fingerprint = stepRecords(project.dir, done).data?.fingerprint;
      expect(fingerprint).toBeTruthy();
      project.clear(`verdict-${attemptSalt}.json`);
      rmSync(entryPath(project.dir, fingerprint!), { recursive: true, force: true });
    });
  });

  it(`killed the CLI at least 20 times (planned ${ITERATIONS}), and nothing they half wrote stays`, () => {
    // What the killed processes left in the scratch area (.tmp), after all the completing runs.
    const scratch = join(project.cacheDir, ".tmp");
    let leftBytes = 0;
    let leftFolders = 0;
    const measure = (path: string): void => {
      for (const entry of readdirSync(path, { withFileTypes: true })) {
        if (entry.isDirectory()) measure(join(path, entry.name));
        else leftBytes += statSync(join(path, entry.name)).size;
      }
    };
    if (existsSync(scratch)) {
      leftFolders = readdirSync(scratch).length;
      measure(scratch);
    }
    console.log(`[reliability] kill loop: .tmp holds ${leftFolders} folders, ${leftBytes} bytes`);
    // A later process removes a dead one's half-written entries: nothing the size of a result stays.
    expect(leftBytes).toBeLessThan(1_000_000);
    console.log(
      `[reliability] kill loop: ${kills} kills (${beforeInstalled} before the result's entry was in place), seed ${seed}`,
    );
    expect(kills).toBeGreaterThanOrEqual(20);
  });
});

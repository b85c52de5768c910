/**
 * 8 processes run the same workflow at once in one project folder, each with its own
 * execution id, from a cold start (no type analysis cached, no `.formed/`): every step is
 * computed exactly once overall, every process exits 0, and all see the same results.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { auditCache, type CliResult, describeExit, entryPath, Project, stepRecords } from "./helpers.js";

const PROCESSES = 8;

const STEPS = `
import { appendFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { step } from "formed";

const computed = (name: string) => appendFileSync("computed.log", name + "\\n");

export const slowNumber = step(async ({ label, value }: { label: string; value: number }) => {
  computed("slowNumber:" + label);
  await sleep(1000);
  return value;
});

export const series = step(function* ({ n, from }: { n: number; from: number }) {
  computed("series");
  for (let i = 0; i < n; i++) yield from + i;
});

export const combine = step(({ a, b, xs }: { a: number; b: number; xs: Iterable<number> }) => {
  computed("combine");
  let total = 0;
  for (const x of xs) total += x;
  return { a, b, total, product: a * b };
});

export const report = step(async ({ summary, note }: { summary: { a: number; b: number; total: number; product: number }; note: string }) => {
  computed("report");
  await sleep(1000);
  return note + ": " + JSON.stringify(summary);
});
`;

const CONFIG = {
  steps: {
    a: { type: "slowNumber", label: "a", value: 6 },
    b: { type: "slowNumber", label: "b", value: 7 },
    xs: { type: "series", n: 50_000, from: 3 },
    summary: {
      type: "combine",
      a: { type: "ref", ref: "a" },
      b: { type: "ref", ref: "b" },
      xs: { type: "ref", ref: "xs" },
    },
    out: { type: "report", summary: { type: "ref", ref: "summary" }, note: "result" },
  },
};

const EXPECTED_COMPUTED = ["combine", "report", "series", "slowNumber:a", "slowNumber:b"];

describe("concurrent processes on one project", { timeout: 300_000 }, () => {
  it(`${PROCESSES} processes running one workflow compute each step once and agree`, async () => {
    // The project's own (empty) user cache: the type analysis too starts cold in all of them.
    const project = new Project({
      "steps.ts": STEPS,
      "formed.yml": "required_modules: [./steps.ts]\n",
      "config.json": JSON.stringify(CONFIG, null, 2),
    });
    const ids = Array.from({ length: PROCESSES }, (_, i) => `proc-${i}`);
    const results: CliResult[] = await Promise.all(
      ids.map(
        (id) =>
          project.spawn(["workflow", "run", "config.json", "--execution-id", id], { timeoutMs: 240_000 })
            .done,
      ),
    );

    const failures = results
      .map((result, i) => ({ id: ids[i], result }))
      .filter(({ result }) => result.code !== 0 || result.stderr.includes("unexpected error"))
      .map(({ id, result }) => `${id}: ${describeExit(result)}\n${result.stderr}`);
    expect(failures).toEqual([]);

    // Each step computed exactly once, whichever process did it.
    expect(project.lines("computed.log").sort()).toEqual(EXPECTED_COMPUTED);

    // Every execution recorded the same key for every step, and exactly one computed each.
    const records = ids.map((id) => stepRecords(project.dir, id));
    const names = Object.keys(CONFIG.steps).sort();
    for (const name of names) {
      const fingerprints = new Set(records.map((r) => r[name]?.fingerprint));
      expect(fingerprints.size, `fingerprints of ${name}`).toBe(1);
      const statuses = records.map((r) => r[name]?.status).sort();
      expect(statuses, `states of ${name} across the executions`).toEqual([
        "cached",
        ...Array(PROCESSES - 2).fill("cached"),
        "completed",
      ]);
    }

    // All agree on the result, and it is the right one.
    const out = entryPath(project.dir, records[0]!.out!.fingerprint);
    expect(JSON.parse(readFileSync(join(out, "value.json"), "utf8"))).toBe(
      `result: ${JSON.stringify({ a: 6, b: 7, total: 50_000 * 3 + (50_000 * 49_999) / 2, product: 42 })}`,
    );
    expect(auditCache(project.cacheDir, { hashes: true })).toEqual([]);

    // The records and memos all of them wrote at once (executions, code versions, code graph,
    // field digests) are whole JSON files.
    const broken: string[] = [];
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) {
          if (path !== project.cacheDir) walk(path);
        } else if (entry.name.endsWith(".json")) {
          try {
            JSON.parse(readFileSync(path, "utf8"));
          } catch (error) {
            broken.push(`${path}: ${(error as Error).message}`);
          }
        }
      }
    };
    walk(join(project.dir, ".formed"));
    expect(broken).toEqual([]);

    // A ninth run afterwards computes nothing.
    const after = await project.formed(["workflow", "run", "config.json", "--execution-id", "after"]);
    expect(after.code, after.stderr).toBe(0);
    expect(project.lines("computed.log").sort()).toEqual(EXPECTED_COMPUTED);
  });
});

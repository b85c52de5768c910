/**
 * At least 200 generated bad configs, settings and command lines (bad-inputs.ts, seeded and
 * printed), run through the real CLI in a project that already holds a good cached run. Each
 * must end with exit 1 or 2 (never 0, never a signal), print no stack trace and no "unexpected
 * error", name where the problem is (the config or settings file, the option, or a config path
 * in brackets), and leave every cached entry as it was.
 *
 * `workflow check` cases run 3 at a time; the few `workflow run` cases one by one, each with its
 * own before/after comparison of the cache.
 */
import { writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type BadCase,
  GOOD_CONFIG_TEXT,
  generateBadCases,
  MODULE_FILES,
  SETTINGS,
  STEPS,
} from "./bad-inputs.js";
import {
  type CliResult,
  describeExit,
  diffSnapshots,
  firstLine,
  Project,
  pool,
  STACK_LINE,
  sharedTypeCacheEnv,
  snapshotCache,
  suiteSeed,
} from "./helpers.js";

const CONCURRENCY = 3;
const seed = suiteSeed("bad inputs");
const cases = generateBadCases(seed, 200);

interface Outcome {
  result: CliResult;
  /** For `run` cases: how the cache changed while it ran. */
  cacheChanges?: string[];
}

/** Everything wrong with how the CLI handled a bad input (empty: handled well). */
function violations(badCase: BadCase, outcome: Outcome): string[] {
  const { result } = outcome;
  const found: string[] = [];
  if (result.signal !== null) found.push(`ended by signal ${result.signal}`);
  else if (result.code !== 1 && result.code !== 2) found.push(`exit status ${result.code}, expected 1 or 2`);
  if (STACK_LINE.test(result.stderr)) found.push("stderr has a stack trace");
  if (result.stderr.includes("unexpected error")) found.push('stderr says "unexpected error"');
  const named = badCase.names.some((name) =>
    typeof name === "string" ? result.stderr.includes(name) : name.test(result.stderr),
  );
  if (!named) {
    found.push(
      `stderr names none of: ${badCase.names.map((n) => (typeof n === "string" ? JSON.stringify(n) : String(n))).join(", ")}`,
    );
  }
  for (const text of badCase.forbidden ?? []) {
    if (result.stderr.includes(text)) found.push(`stderr says ${JSON.stringify(text)}`);
  }
  if (outcome.cacheChanges !== undefined && outcome.cacheChanges.length > 0) {
    found.push(`the cache changed: ${outcome.cacheChanges.slice(0, 5).join("; ")}`);
  }
  return found;
}

describe("bad inputs are refused cleanly", () => {
  const project = new Project(
    {
      "steps.ts": STEPS,
      "formed.yml": SETTINGS,
      "good.json": GOOD_CONFIG_TEXT,
      ...MODULE_FILES,
    },
    sharedTypeCacheEnv(),
  );
  const outcomes = new Map<string, Outcome>();
  let before = new Map<string, string>();
  let after = new Map<string, string>();
  let seeded: CliResult | undefined;
  const failing: string[] = [];

  beforeAll(async () => {
    // A good run first: its cached entries must come out of all this unchanged.
    seeded = await project.formed(["workflow", "run", "good.json", "--execution-id", "seed"]);
    if (seeded.code !== 0) return;
    for (const badCase of cases)
      for (const [file, content] of Object.entries(badCase.files)) project.write(file, content);
    before = snapshotCache(project.cacheDir);

    const checks = cases.filter((c) => c.mode === "check");
    await pool(checks, CONCURRENCY, async (badCase) => {
      const result = await project.formed(badCase.args, { timeoutMs: badCase.timeoutMs ?? 90_000 });
      outcomes.set(badCase.name, { result });
    });
    for (const badCase of cases.filter((c) => c.mode === "run")) {
      const start = snapshotCache(project.cacheDir);
      const result = await project.formed(badCase.args, { timeoutMs: badCase.timeoutMs ?? 90_000 });
      outcomes.set(badCase.name, {
        result,
        cacheChanges: diffSnapshots(start, snapshotCache(project.cacheDir)),
      });
    }
    after = snapshotCache(project.cacheDir);
  }, 900_000);

  afterAll(() => {
    const categories = new Set(cases.map((c) => c.category));
    console.log(
      `[reliability] bad inputs: ${cases.length} cases in ${categories.size} categories, seed ${seed}; ${failing.length} handled badly`,
    );
    if (failing.length > 0) console.log(failing.join("\n"));
    // RELIABILITY_REPORT=<file>: every case's exit and first line of output, for a closer look.
    const report = process.env.RELIABILITY_REPORT;
    if (report !== undefined && report !== "") {
      const rows = cases.map((c) => {
        const outcome = outcomes.get(c.name);
        return {
          name: c.name,
          args: c.args,
          exit: outcome === undefined ? "not run" : describeExit(outcome.result),
          first: outcome === undefined ? "" : firstLine(outcome.result),
          stderrBytes: outcome?.result.stderr.length ?? 0,
        };
      });
      writeFileSync(report, `${JSON.stringify(rows, null, 1)}\n`);
    }
  });

  it("seeds the project with a good cached run", () => {
    expect(seeded?.code, seeded?.stderr).toBe(0);
    expect(before.size).toBeGreaterThan(1);
  });

  it(`generates at least 200 bad inputs (${cases.length})`, () => {
    expect(cases.length).toBeGreaterThanOrEqual(200);
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
  });

  for (const badCase of cases) {
    it(badCase.name, () => {
      const outcome = outcomes.get(badCase.name);
      expect(outcome, "not run (did the seeding run fail?)").toBeDefined();
      const found = violations(badCase, outcome!);
      if (found.length > 0) {
        failing.push(
          `${badCase.name}\n    ${describeExit(outcome!.result)}: ${firstLine(outcome!.result)}\n    ${found.join("; ")}`,
        );
      }
      expect(
        found,
        `${describeExit(outcome!.result)}; stderr:\n${outcome!.result.stderr.slice(0, 2000)}`,
      ).toEqual([]);
    });
  }

  it("leaves every cached entry as it was", () => {
    expect(before.size).toBeGreaterThan(1);
    expect(diffSnapshots(before, after)).toEqual([]);
  });
});

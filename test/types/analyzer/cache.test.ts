import { existsSync, mkdirSync, readdirSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { MAX_ANALYSIS_ENTRIES } from "../../../src/types/analyzer/analysis-cache.js";
import {
  analyzeProjectTypesWithInfo,
  analyzerStats,
  type TypeAnalyzer,
} from "../../../src/types/analyzer/index.js";
import { write } from "../../support/files.js";
import { defaultCacheDir, fixtureProject } from "./fixture-project.js";

const STEPS = `
import { step } from "formed";
import type { Options } from "./options.js";
export const run = step(({ options }: { options: Options }) => options.size);
`;
const OPTIONS = "export interface Options { size: number }\n";
const steps = [{ name: "run", file: "steps.ts", exportName: "run" }];

describe("analyzer: cache", () => {
  it("serves unchanged sources from the cache and re-analyzes after an edit", async () => {
    const dir = fixtureProject({ "steps.ts": STEPS, "options.ts": OPTIONS });
    const first = await analyzeProjectTypesWithInfo({ cwd: dir, steps });
    expect(first.fromCache).toBe(false);
    expect(existsSync(defaultCacheDir())).toBe(true);

    const analyses = analyzerStats.analyses;
    const second = await analyzeProjectTypesWithInfo({ cwd: dir, steps });
    expect(second.fromCache).toBe(true);
    expect(analyzerStats.analyses).toBe(analyses);
    expect(second.types).toEqual(first.types);

    // An imported file (not a root) changes: the cache entry no longer matches.
    write(dir, "options.ts", "export interface Options { size: string }\n");
    const third = await analyzeProjectTypesWithInfo({ cwd: dir, steps });
    expect(third.fromCache).toBe(false);
    expect(analyzerStats.analyses).toBe(analyses + 1);
    expect(JSON.stringify(third.types)).toContain('"name":"size","type":{"kind":"string"}');
    expect((await analyzeProjectTypesWithInfo({ cwd: dir, steps })).fromCache).toBe(true);
  });

  it("notices a changed package declaration by its size and modification time", async () => {
    const dir = fixtureProject({ "steps.ts": STEPS, "options.ts": OPTIONS });
    expect((await analyzeProjectTypesWithInfo({ cwd: dir, steps })).fromCache).toBe(false);
    expect((await analyzeProjectTypesWithInfo({ cwd: dir, steps })).fromCache).toBe(true);
    const stub = join(dir, "node_modules/formed/index.d.ts");
    const later = new Date(Date.now() + 5_000);
    utimesSync(stub, later, later);
    expect((await analyzeProjectTypesWithInfo({ cwd: dir, steps })).fromCache).toBe(false);
  });

  it("keeps the shared cache folder to MAX_ANALYSIS_ENTRIES, dropping the oldest", async () => {
    const dir = fixtureProject({ "steps.ts": STEPS, "options.ts": OPTIONS });
    const cacheDir = join(dir, "shared");
    mkdirSync(cacheDir);
    const old = new Date(Date.now() - 60_000);
    for (let i = 0; i < MAX_ANALYSIS_ENTRIES + 5; i++) {
      const file = join(cacheDir, `old-${String(i).padStart(3, "0")}.json`);
      writeFileSync(file, "{}");
      const when = new Date(old.getTime() + i * 1000);
      utimesSync(file, when, when);
    }
    expect((await analyzeProjectTypesWithInfo({ cwd: dir, steps, cacheDir })).fromCache).toBe(false);
    const left = readdirSync(cacheDir);
    expect(left).toHaveLength(MAX_ANALYSIS_ENTRIES);
    // The six oldest went (five over, plus room for the new one); the new entry stayed.
    expect(left.filter((name) => name.startsWith("old-")).sort()[0]).toBe("old-006.json");
    expect((await analyzeProjectTypesWithInfo({ cwd: dir, steps, cacheDir })).fromCache).toBe(true);
  });

  it("keys the cache by the steps asked for and honours cacheDir", async () => {
    const dir = fixtureProject({ "steps.ts": STEPS, "options.ts": OPTIONS });
    const cacheDir = join(dir, "elsewhere");
    expect((await analyzeProjectTypesWithInfo({ cwd: dir, steps, cacheDir })).fromCache).toBe(false);
    expect(existsSync(cacheDir)).toBe(true);
    const renamed = [{ name: "other", file: "steps.ts", exportName: "run" }];
    const result = await analyzeProjectTypesWithInfo({ cwd: dir, steps: renamed, cacheDir });
    expect(result.fromCache).toBe(false);
    expect(Object.keys(result.types.steps)).toEqual(["other"]);
  });

  it("runs any TypeAnalyzer implementation behind the same cache", async () => {
    const dir = fixtureProject({ "steps.ts": STEPS, "options.ts": OPTIONS });
    const file = join(dir, "options.ts");
    let calls = 0;
    const analyzer: TypeAnalyzer = {
      version: "fake-1",
      analyze: () => {
        calls++;
        return {
          types: { steps: { run: { name: "run", returns: { kind: "any" } } }, definitions: {} },
          filesRead: [{ path: file, hash: "stale" }],
        };
      },
    };
    await analyzeProjectTypesWithInfo({ cwd: dir, steps, analyzer });
    // The stamp never matches, so every run analyzes again.
    await analyzeProjectTypesWithInfo({ cwd: dir, steps, analyzer });
    expect(calls).toBe(2);
  });
});

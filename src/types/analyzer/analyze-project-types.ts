import { join, resolve } from "node:path";
import { userCacheDirectory } from "../../common/user-cache.js";
import type { ProjectTypes } from "../type-description.js";
import { AnalysisCache } from "./analysis-cache.js";
import { analyzeInChildProcess } from "./analyze-in-process.js";
import type { AnalyzeInput, TypeAnalyzer } from "./analyzer.js";
import { compilerAnalyzerVersion } from "./compiler-version.js";
import { isInstalledPackageFile } from "./file-stamp.js";

/** Bumped whenever the analyzer's output changes for the same source: old cache entries then miss. */
export const ANALYZER_VERSION = "2";

export interface AnalyzeProjectInput extends AnalyzeInput {
  /** Where results are cached. Default `types/` in the user's formed cache (see userCacheDirectory). */
  readonly cacheDir?: string;
  /**
   * The implementation to use, in this process. Default: the TypeScript compiler API, run on a
   * cache miss only, in a child process (analyzer-process.ts) so its heap never burdens this one.
   */
  readonly analyzer?: TypeAnalyzer;
}

export interface ProjectTypesResult {
  readonly types: ProjectTypes;
  /** Whether the result came from the cache (no program was built, the compiler not loaded). */
  readonly fromCache: boolean;
  readonly durationMs: number;
}

/** Counts analyses in this process, so tests and benchmarks can tell a cached run from a real one. */
export const analyzerStats = { analyses: 0, cacheHits: 0 };

/**
 * The types of the given steps and of everything they reach: from the cache when no file the
 * last analysis read has changed, otherwise by analyzing the project's source (by default in a
 * child process: the compiler is slow to load and large, and a cached run never needs it).
 */
export async function analyzeProjectTypes(input: AnalyzeProjectInput): Promise<ProjectTypes> {
  return (await analyzeProjectTypesWithInfo(input)).types;
}

export async function analyzeProjectTypesWithInfo(input: AnalyzeProjectInput): Promise<ProjectTypesResult> {
  const started = performance.now();
  const cwd = resolve(input.cwd);
  const cache = new AnalysisCache(
    input.cacheDir === undefined ? join(userCacheDirectory(), "types") : resolve(input.cacheDir),
  );
  const steps = input.steps.map((step) => ({
    name: step.name,
    file: resolve(cwd, step.file),
    exportName: step.exportName,
  }));
  // Sorted: the files read, not the order formed.yml lists them in, decide the result. Not
  // installed packages: their registrations are in compiled code the analysis does not read.
  const modules = [...new Set((input.modules ?? []).map((file) => resolve(cwd, file)))]
    .filter((file) => !isInstalledPackageFile(file))
    .sort();
  const implementation = input.analyzer?.version ?? compilerAnalyzerVersion();
  const key = AnalysisCache.key({ analyzer: ANALYZER_VERSION, implementation, cwd, steps, modules });
  const cached = cache.get(key);
  if (cached !== undefined) {
    analyzerStats.cacheHits++;
    return { types: cached, fromCache: true, durationMs: performance.now() - started };
  }
  analyzerStats.analyses++;
  const analysis =
    input.analyzer === undefined
      ? await analyzeInChildProcess({ cwd, steps, modules })
      : input.analyzer.analyze({ cwd, steps, modules });
  cache.set(key, analysis.filesRead, analysis.types);
  return { types: analysis.types, fromCache: false, durationMs: performance.now() - started };
}

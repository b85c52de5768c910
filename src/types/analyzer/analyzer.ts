import type { ProjectTypes } from "../type-description.js";
import type { FileStamp } from "./file-stamp.js";

/** Where one registered step is exported from. */
export interface StepSource {
  /** The registered step name (the key in `ProjectTypes.steps`). */
  readonly name: string;
  /** The file that exports the step (absolute, or relative to `cwd`). */
  readonly file: string;
  /** The export that is the step (`default` for a default export). */
  readonly exportName: string;
}

export interface AnalyzeInput {
  /** The project's working directory: imports are resolved from here, and its tsconfig.json is used. */
  readonly cwd: string;
  readonly steps: readonly StepSource[];
  /**
   * More files to read besides the step files (absolute, or relative to `cwd`): every module
   * `required_modules` loads. Loading a module runs its `Base.register(...)` calls, so those
   * count even when no step file imports the module.
   */
  readonly modules?: readonly string[];
}

/** What an analysis gives: the types, and every file it read, so the result can be cached by them. */
export interface TypeAnalysis {
  readonly types: ProjectTypes;
  /** The files the analysis read (not the compiler's own lib files, covered by its version). */
  readonly filesRead: readonly FileStamp[];
}

/**
 * Reads step types from the user's source. An interface so that the TypeScript compiler API
 * implementation (`compiler-type-analyzer.ts`) can be replaced by the native TypeScript 7 API
 * without touching the caching or the consumers.
 */
export interface TypeAnalyzer {
  /** Identifies the implementation and its compiler version: part of the cache key. */
  readonly version: string;
  analyze(input: AnalyzeInput): TypeAnalysis;
}

/**
 * The Jsonnet evaluator behind config loading, kept small so the implementation can be
 * replaced (the built-in one runs go-jsonnet in a child process).
 */
export interface JsonnetOptions {
  /** `std.extVar` string values. */
  extVars?: Record<string, string>;
  /** `std.extVar` values given as Jsonnet code. */
  extCodes?: Record<string, string>;
  /** Top-level arguments as strings. */
  tlaVars?: Record<string, string>;
  /** Top-level arguments as Jsonnet code. */
  tlaCodes?: Record<string, string>;
  /** Library search paths for `import`, after the importing file's own directory. */
  jpath?: string[];
}

export interface JsonnetEngine {
  /** Evaluates the file at `file` (imports resolve relative to it) and returns the JSON value. */
  evaluateFile(file: string, options?: JsonnetOptions): Promise<unknown>;
  /** Evaluates `code` as if it were the file `filename` (used for error messages and relative imports). */
  evaluateSnippet(filename: string, code: string, options?: JsonnetOptions): Promise<unknown>;
}

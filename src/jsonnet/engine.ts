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

/** A range in a source file: 1-based lines, and 1-based columns in UTF-16 code units (as editors count). */
export interface SourceSpan {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly endLine: number;
  readonly endColumn: number;
}

/** Where a config path (`steps.a.x`) is written, as far as the source shows it. */
export interface PathLocation {
  readonly path: string;
  /** The longest prefix of `path` found in the source ("" when none): `span` is where it is written. */
  readonly found: string;
  readonly span?: SourceSpan;
  /** Found in an object comprehension: the field that generates this one, and its siblings. */
  readonly template?: boolean;
}

export interface JsonnetEngine {
  /** Evaluates the file at `file` (imports resolve relative to it) and returns the JSON value. */
  evaluateFile(file: string, options?: JsonnetOptions): Promise<unknown>;
  /** Evaluates `code` as if it were the file `filename` (used for error messages and relative imports). */
  evaluateSnippet(filename: string, code: string, options?: JsonnetOptions): Promise<unknown>;
  /**
   * Finds config paths in the file's source without evaluating it (object literals followed
   * through locals, imports and `+`); undefined when this engine cannot.
   */
  locatePaths?(
    file: string,
    paths: readonly string[],
    options?: JsonnetOptions,
  ): Promise<PathLocation[] | undefined>;
}

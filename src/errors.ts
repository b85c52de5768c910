/**
 * The few error classes of formed. Each has a stable `code`, says what was expected and what
 * was found, names the file or config path when there is one, and may carry a one-sentence
 * `hint` on how to fix it. The CLI prints `error.message` (and the hint) and exits 1; the stack
 * only with FORMED_DEBUG=1.
 */

export type FormedErrorCode =
  | "E_CONFIG" // the workflow config (Jsonnet/JSON) is wrong
  | "E_JSONNET" // the Jsonnet program failed to evaluate
  | "E_SETTINGS" // formed.yml is wrong
  | "E_MODULE" // a required module failed to load
  | "E_STEP_FAILED" // a step threw
  | "E_CACHE" // a cache entry could not be written or read
  | "E_FORMAT" // a value could not be (de)serialized by its format
  | "E_EXECUTION" // an execution id is invalid, taken, or unknown
  | "E_CANCELED" // the user canceled the run
  | "E_MLFLOW" // the MLflow tracking server failed or could not be reached
  | "E_REDIS" // the distributed executor's Redis server failed or could not be reached
  | "E_NOT_FOUND" // a file or entry the user named does not exist
  | "E_USAGE"; // the command line is wrong (exit status 2)

export interface FormedErrorOptions {
  /** One sentence on how to fix it. */
  hint?: string;
  cause?: unknown;
}

export class FormedError extends Error {
  readonly code: FormedErrorCode;
  readonly hint: string | undefined;

  constructor(code: FormedErrorCode, message: string, options: FormedErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "FormedError";
    this.code = code;
    this.hint = options.hint;
  }
}

/** One problem found in a config, with the path of the value it is about. */
export interface ConfigIssue {
  /** Dotted path into the config, e.g. `steps.prepared.processor.size`; empty for the root. */
  path: string;
  message: string;
}

/**
 * Every problem of a config at once. `file` is the config (or settings) file when known.
 * The message lists each issue as `[path] message`.
 */
export class ConfigurationError extends FormedError {
  readonly issues: readonly ConfigIssue[];
  readonly file: string | undefined;

  constructor(
    issues: readonly ConfigIssue[],
    options: FormedErrorOptions & { file?: string; code?: "E_CONFIG" | "E_SETTINGS" } = {},
  ) {
    super(options.code ?? "E_CONFIG", formatIssues(issues, options.file), options);
    this.name = "ConfigurationError";
    this.issues = issues;
    this.file = options.file;
  }
}

function formatIssues(issues: readonly ConfigIssue[], file: string | undefined): string {
  const where = file === undefined ? "" : `${file}: `;
  const lines = issues.map((issue) => `${issue.path === "" ? "" : `[${issue.path}] `}${issue.message}`);
  if (lines.length === 1) return `${where}${lines[0]}`;
  return `${where}${lines.length} problems:\n${lines.map((line) => `  ${line}`).join("\n")}`;
}

/** A short description of a found value for "expected X, got Y" messages. */
export function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return `array of length ${value.length}`;
  switch (typeof value) {
    case "string": {
      const text = JSON.stringify(value);
      return `string ${text.length > 60 ? `${text.slice(0, 57)}..."` : text}`;
    }
    case "number":
    case "boolean":
    case "bigint":
      return `${typeof value} ${String(value)}`;
    case "object":
      return `object with keys ${JSON.stringify(Object.keys(value as object).slice(0, 8))}`;
    default:
      return typeof value;
  }
}

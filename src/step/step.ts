import type { Format } from "../format/format.js";

/** Options of `step(options, fn)`, with the seed's meaning. */
export interface StepOptions {
  /** Registered name (the `type` in config). Defaults to the export name in a required module. */
  name?: string;
  /** Manual version. When set, code-change detection is off: bump it to invalidate the cache. */
  version?: string;
  /** Whether the same arguments always give the same result. Default true. */
  deterministic?: boolean;
  /** Whether results are stored in the cache. Default: cached iff deterministic. */
  cacheable?: boolean;
  /** A registered format name (`json`, `binary`, `mapping`, `auto`, or a user format) or a format object. Default `auto`. */
  format?: string | Format;
  /**
   * The result is numeric metrics: a number, an object of numbers (nested objects give dotted
   * names) or arrays of numbers (a series). Organizers that track experiments (mlflow) log it
   * as metrics of the step's run. Not part of the fingerprint. Default false.
   */
  metrics?: boolean;
  /**
   * What the step holds while it computes, e.g. `{ gpu: 1 }`: steps never hold more of a
   * resource at once than `workflow.executor.resources` gives (one not given there is unlimited).
   * Not part of the fingerprint.
   */
  resources?: Readonly<Record<string, number>>;
  /**
   * Under the parallel executor: true runs the step in a worker process, false in the main
   * process (it holds a live client, say). Default: synchronous functions in a worker, async
   * ones in the main process. Not part of the fingerprint.
   */
  worker?: boolean;
}

/** Where `step()` was called, read from the stack when the step was defined. */
export interface StepCallSite {
  /** Absolute file path (or URL when not a file). */
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

// Symbol.for, not a local symbol: steps made by another copy of this package are still steps.
const STEP_BRAND: unique symbol = Symbol.for("formed.step") as never;

// biome-ignore lint/suspicious/noExplicitAny: a step's argument object may be of any shape
export type StepFunction<A = any, R = unknown> = (args: A) => R;

/** A step: callable like the function it wraps, plus what the workflow needs to know of it. */
// biome-ignore lint/suspicious/noExplicitAny: a step's argument object may be of any shape
export type Step<A = any, R = unknown> = ((args: A) => R) & {
  readonly [STEP_BRAND]: true;
  readonly fn: StepFunction<A, R>;
  readonly options: Readonly<StepOptions>;
  readonly definedAt: StepCallSite | undefined;
};

/**
 * An argument type left out of the fingerprint, as the seed's `Annotated[..., IGNORE]`:
 * `({ x, device }: { x: number; device: Ignore<string> }) => ...`. It is `T` itself; the marker
 * is read from the source.
 */
export type Ignore<T> = T;

/** Wraps a function as a workflow step. */
export function step<A, R>(fn: StepFunction<A, R>): Step<A, R>;
export function step<A, R>(options: StepOptions, fn: StepFunction<A, R>): Step<A, R>;
export function step<A, R>(
  optionsOrFn: StepOptions | StepFunction<A, R>,
  maybeFn?: StepFunction<A, R>,
): Step<A, R> {
  const [options, fn] =
    typeof optionsOrFn === "function" ? [{}, optionsOrFn] : [optionsOrFn, maybeFn as StepFunction<A, R>];
  if (typeof fn !== "function") {
    throw new TypeError("step(options, fn): fn must be a function");
  }
  validateOptions(options);
  const wrapper = ((args: A) => fn(args)) as Step<A, R>;
  Object.defineProperties(wrapper, {
    [STEP_BRAND]: { value: true },
    fn: { value: fn },
    options: { value: Object.freeze({ ...options }) },
    definedAt: { value: callerSite() },
    name: { value: options.name ?? fn.name },
  });
  return wrapper;
}

export function isStep(value: unknown): value is Step {
  return (
    typeof value === "function" && (value as unknown as Partial<Record<symbol, unknown>>)[STEP_BRAND] === true
  );
}

function validateOptions(options: StepOptions): void {
  const known = new Set([
    "name",
    "version",
    "deterministic",
    "cacheable",
    "format",
    "metrics",
    "resources",
    "worker",
  ]);
  for (const key of Object.keys(options)) {
    if (!known.has(key))
      throw new TypeError(`step(): unknown option "${key}" (known: ${[...known].join(", ")})`);
  }
  for (const key of ["name", "version"] as const) {
    if (options[key] !== undefined && (typeof options[key] !== "string" || options[key] === "")) {
      throw new TypeError(`step(): option "${key}" must be a non-empty string`);
    }
  }
  if (options.resources !== undefined) validateResources(options.resources);
  for (const key of ["deterministic", "cacheable", "metrics", "worker"] as const) {
    if (options[key] !== undefined && typeof options[key] !== "boolean") {
      throw new TypeError(`step(): option "${key}" must be a boolean`);
    }
  }
}

function validateResources(resources: unknown): void {
  if (typeof resources !== "object" || resources === null || Array.isArray(resources)) {
    throw new TypeError('step(): option "resources" must be an object of amounts, e.g. { gpu: 1 }');
  }
  for (const [name, amount] of Object.entries(resources)) {
    if (typeof amount !== "number" || !Number.isFinite(amount) || amount < 0) {
      throw new TypeError(`step(): resource "${name}" must be a number of at least 0`);
    }
  }
}

/** The file, line and column of the code that called `step()`. */
function callerSite(): StepCallSite | undefined {
  const holder: { stack?: NodeJS.CallSite[] } = {};
  const previous = Error.prepareStackTrace;
  try {
    Error.prepareStackTrace = (_error, frames) => frames;
    Error.captureStackTrace(holder, step);
    const frame = holder.stack?.[0];
    const file = frame?.getFileName();
    if (frame === undefined || file === undefined || file === null) return undefined;
    return {
      file: file.startsWith("file://") ? new URL(file).pathname : file,
      line: frame.getLineNumber() ?? 0,
      column: frame.getColumnNumber() ?? 0,
    };
  } finally {
    Error.prepareStackTrace = previous;
  }
}

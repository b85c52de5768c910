/**
 * Computing one step, wherever it runs (the main process or a worker process): its argument
 * object from its config and the results it reads, its function run inside its step context,
 * and its result stored. Everything around it (keys, the cache check, the lock, cancel) is the
 * run session's, in the main process.
 */
import type { CacheKey, WorkflowCache } from "../cache/cache.js";
import type { StepConfig } from "../config/workflow-config.js";
import { markAsBuilt } from "../construct/config-value.js";
import { FormedError } from "../errors.js";
import { materialize } from "../format/iterables.js";
import { formatPath, mapRefs, readField, type StepRef } from "../graph/ref.js";
import { SinkLogger } from "../logging/logger.js";
import { runInStepContext, type StepContext } from "../step/context.js";
import type { StepFunction } from "../step/step.js";

/** Raised when a step throws; the original error is its cause. */
export class StepFailedError extends FormedError {
  readonly step: string;
  /** `message`: the whole message, when "step X failed: <cause>" does not say it best. */
  constructor(step: string, cause: unknown, message?: string) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    super("E_STEP_FAILED", message ?? `step "${step}" failed: ${detail}`, { cause });
    this.name = "StepFailedError";
    this.step = step;
  }
}

/** What computing a step needs to know of it. */
export interface ComputableStep {
  readonly name: string;
  readonly type: string;
  readonly config: StepConfig;
  readonly refs: readonly StepRef[];
  readonly fn: StepFunction;
  /** Whether the result goes to the cache (else it is returned as it is, materialized). */
  readonly shouldBeCached: boolean;
}

/** Builds objects from config (classes, Registrable choices, Dates...) once refs are replaced. */
export type ConstructArguments = (
  step: { readonly name: string; readonly type: string },
  args: Record<string, unknown>,
) => Promise<Record<string, unknown>>;

/** The step's argument object: its config without `type`, with each ref replaced by the result it names. */
export async function stepArguments(
  step: ComputableStep,
  load: (upstream: string) => Promise<unknown>,
  construct: ConstructArguments | undefined,
): Promise<Record<string, unknown>> {
  const values = new Map<string, unknown>();
  for (const ref of step.refs) {
    const result = await load(ref.step);
    try {
      const value = readField(result, ref.field);
      // A result is never config: building objects from config must pass it through as it is.
      markAsBuilt(value);
      values.set(JSON.stringify(ref.path), value);
    } catch (error) {
      throw new StepFailedError(
        step.name,
        new Error(
          `[steps.${step.name}.${formatPath(ref.path)}] ref "${[ref.step, ...ref.field].join(".")}": ${(error as Error).message}`,
        ),
      );
    }
  }
  const args: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(step.config)) {
    if (key !== "type") args[key] = mapRefs(value, (_ref, path) => values.get(JSON.stringify(path)), [key]);
  }
  if (construct === undefined) return args;
  try {
    return await construct(step, args);
  } catch (error) {
    throw new StepFailedError(step.name, error);
  }
}

export interface RunStepOptions {
  readonly cache: WorkflowCache;
  readonly key: CacheKey;
  /** A forced step replaces its entry, once it succeeded. */
  readonly forced: boolean;
  readonly context: StepContext;
}

/**
 * Runs the step's function in its context and stores the result (a generator is consumed here,
 * inside the context, as it streams into the cache). Returns the result as read back from the
 * cache, or, for a step not cached, materialized. Any failure, storing included, is the step's.
 */
export function runStepFunction(
  step: ComputableStep,
  args: Record<string, unknown>,
  options: RunStepOptions,
): Promise<unknown> {
  const { cache, key, context } = options;
  return runInStepContext(context, async () => {
    try {
      const output = await step.fn(args);
      if (!step.shouldBeCached) return await materialize(output);
      // A put never overwrites a whole entry: the forced step's old one goes right before.
      if (options.forced) await cache.delete(key.fingerprint);
      return await cache.put(key, output);
    } catch (error) {
      // The stack goes to the step's log file (not the terminal), where the user can find it.
      const logger = context.logger;
      const message = error instanceof Error ? error.message : String(error);
      if (logger instanceof SinkLogger)
        logger.log("error", `step failed: ${message}`, (error as Error)?.stack);
      throw new StepFailedError(step.name, error);
    }
  });
}

import { type CacheKey, CacheMissError } from "../cache/cache.js";
import { digestThroughFormat, madeBy, storedDigest } from "../cache/result-digest.js";
import { markAsBuilt } from "../construct/config-value.js";
import { FormedError } from "../errors.js";
import { isKeyed, makeStepKey, refPathKey } from "../fingerprint/step-key.js";
import { ClassRegistry } from "../format/class-registry.js";
import { materialize } from "../format/iterables.js";
import type { WorkflowGraph } from "../graph/graph.js";
import { formatPath, mapRefs, readField } from "../graph/ref.js";
import type { StepNode } from "../graph/step-node.js";
import { SinkLogger } from "../logging/logger.js";
import {
  type ExecutionContext,
  type ExecutionState,
  runInExecutionContext,
  runInStepContext,
  type StepContext,
  type StepState,
} from "../step/context.js";
import type { ExecutionOutcome, ExecutionRun, WorkflowExecutor } from "./executor.js";
import { ExecutionCanceledError, RunFault } from "./run-fault.js";

export { ExecutionCanceledError } from "./run-fault.js";

import { FieldDigestMemo, inputDigest, type UpstreamResult } from "./input-digests.js";

/**
 * A step's result, loaded only when a dependent needs it (a fully cached re-run reads no result
 * at all), and its content digest, which its readers' keys are made of.
 */
type ResultHandle = UpstreamResult;

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

/**
 * Runs steps one at a time in dependency order, as the seed's default executor does: a cached
 * result is reused, a deterministic (or cacheable) step's result goes to the cache, any other
 * result is kept for the rest of the run (the in-run memo) unless the step name ends in `!`.
 * The first failure ends the run; every step finished before it stays cached.
 */
export class DefaultExecutor implements WorkflowExecutor {
  async execute(graph: WorkflowGraph, run: ExecutionRun): Promise<ExecutionOutcome> {
    const state: ExecutionState = { status: "running", startedAt: new Date().toISOString() };
    const context: ExecutionContext = { id: run.id, state, logger: run.logger };
    const nodes = run.targets === undefined ? graph.nodes() : graph.closure(run.targets);
    const session = new RunSession(graph, run, context);
    let failure: unknown;

    await runInExecutionContext(context, async () => {
      for (const callback of run.callbacks) await callback.onExecutionStart?.(context, graph);
      try {
        for (const node of nodes) await session.ensure(node);
        state.status = "completed";
      } catch (error) {
        failure = error;
        state.status = error instanceof ExecutionCanceledError ? "canceled" : "failure";
        state.error = error instanceof Error ? error.message : String(error);
      }
      state.finishedAt = new Date().toISOString();
      for (const callback of run.callbacks) await callback.onExecutionEnd?.(context, graph);
    });

    const steps = new Map<string, StepState>();
    for (const node of nodes) steps.set(node.name, session.stateOf(node));
    return failure === undefined ? { context, steps } : { context, steps, error: failure };
  }
}

class RunSession {
  readonly #memo = new Map<string, Promise<ResultHandle>>();
  readonly #states = new Map<string, StepState>();
  readonly #classes: ClassRegistry;
  readonly #fieldDigests: FieldDigestMemo;
  /** Steps `--force` names that have not been forced yet in this run (once each). */
  readonly #toForce: Set<string>;

  constructor(
    readonly graph: WorkflowGraph,
    readonly run: ExecutionRun,
    readonly execution: ExecutionContext,
  ) {
    this.#classes = run.classes ?? new ClassRegistry();
    this.#fieldDigests = run.fieldDigests ?? new FieldDigestMemo();
    this.#toForce = new Set(run.force ?? []);
  }

  /** A step never reached (an earlier failure ended the run) has no key: its fingerprint is empty. */
  stateOf(node: StepNode): StepState {
    return this.#states.get(node.name) ?? { status: "pending", fingerprint: "" };
  }

  /** The step's result handle, running the step (and what it needs) unless it is cached or memoized. */
  ensure(node: StepNode): Promise<ResultHandle> {
    if (!node.memoized) return this.#visit(node);
    let handle = this.#memo.get(node.name);
    if (handle === undefined) {
      handle = this.#visit(node);
      this.#memo.set(node.name, handle);
    }
    return handle;
  }

  /**
   * The results the step reads (running them first; a failure there fails this step's readers
   * too) and the digest of every ref's input. A step read twice by one step (a `!` step) runs once for it.
   */
  async #inputs(
    node: StepNode,
  ): Promise<{ upstream: Map<string, ResultHandle>; digests: Map<string, string> }> {
    const upstream = new Map<string, ResultHandle>();
    const digests = new Map<string, string>();
    for (const ref of node.refs) {
      let handle = upstream.get(ref.step);
      if (handle === undefined) {
        handle = await this.ensure(this.graph.get(ref.step)!);
        upstream.set(ref.step, handle);
      }
      // A ref in an ignored argument is read, not keyed: no digest (a field's may mean loading the result).
      if (!isKeyed(node.key, ref)) continue;
      digests.set(
        refPathKey(ref.path),
        await inputDigest(handle, ref.field, this.#fieldDigests, this.#classes),
      );
    }
    return { upstream, digests };
  }

  async #visit(node: StepNode): Promise<ResultHandle> {
    const { upstream, digests } = await this.#inputs(node);
    const { fingerprint, record } = makeStepKey(node.key, digests);
    const key: CacheKey = { fingerprint, format: node.format };
    const state: StepState = { status: "running", fingerprint, startedAt: new Date().toISOString() };
    this.#states.set(node.name, state);
    const context = this.#stepContext(node, state);
    for (const callback of this.run.callbacks) await callback.onStepKey?.(context, node, record);
    for (const callback of this.run.callbacks) await callback.onStepStart?.(context, node);

    let handle: ResultHandle;
    try {
      const forced = this.#toForce.delete(node.name);
      if (!forced && node.shouldBeCached && (await this.run.cache.has(key))) {
        state.status = "cached";
        handle = this.#cachedHandle(node, key, context);
      } else {
        handle = await this.#computeHoldingLock(node, key, context, upstream, forced);
      }
      for (const callback of this.run.callbacks) await callback.onStepResult?.(context, node, handle.load);
    } catch (error) {
      if (error instanceof ExecutionCanceledError) {
        state.status = "canceled";
        throw error;
      }
      state.status = "failure";
      // The step's own error, not the wrapper's "step X failed: ..." (the state is the step's).
      const own = error instanceof StepFailedError && error.step === node.name ? error.cause : error;
      state.error = own instanceof Error ? own.message : String(own);
      throw error instanceof StepFailedError || error instanceof FormedError
        ? error
        : new StepFailedError(node.name, error);
    } finally {
      state.finishedAt = new Date().toISOString();
      for (const callback of this.run.callbacks) await callback.onStepEnd?.(context, node);
    }
    return handle;
  }

  /** Loads lazily; an entry found corrupt when loaded is recomputed rather than failing the run. */
  #cachedHandle(node: StepNode, key: CacheKey, context: StepContext): ResultHandle {
    let loaded: Promise<unknown> | undefined;
    let digest: Promise<string> | undefined;
    return {
      digest: () => {
        digest ??= storedDigest(this.run.cache, key);
        return digest;
      },
      load: () => {
        loaded ??= this.run.cache.get(key).catch(async (error: unknown) => {
          if (!(error instanceof CacheMissError)) throw error;
          context.logger.warn(
            `cached result of "${node.name}" is not usable (${error.message}); computing it again`,
          );
          return (
            await this.#computeHoldingLock(node, key, context, (await this.#inputs(node)).upstream)
          ).load();
        });
        return loaded;
      },
    };
  }

  async #computeHoldingLock(
    node: StepNode,
    key: CacheKey,
    context: StepContext,
    upstream: ReadonlyMap<string, ResultHandle>,
    forced = false,
  ): Promise<ResultHandle> {
    const lock = node.shouldBeCached ? await this.run.cache.lock?.(key.fingerprint) : undefined;
    try {
      // Another process may have computed it while we waited for the lock.
      if (!forced && lock !== undefined && (await this.run.cache.has(key))) {
        context.state.status = "cached";
        return this.#cachedHandle(node, key, context);
      }
      const args = await this.#arguments(node, upstream);
      this.#throwIfCanceled();
      const computation = runInStepContext(context, async () => {
        let output: unknown;
        try {
          output = await node.registered.step.fn(args);
          if (!node.shouldBeCached) return await materialize(output);
          // A forced step replaces its entry (a put never overwrites a whole one), only once it succeeded.
          if (forced) await this.run.cache.delete(key.fingerprint);
          // A generator runs while it is consumed, so it is consumed here, inside the step's context.
          return await this.run.cache.put(key, output);
        } catch (error) {
          // The stack goes to the step's log file (not the terminal), where the user can find it.
          const logger = context.logger;
          const message = error instanceof Error ? error.message : String(error);
          if (logger instanceof SinkLogger)
            logger.log("error", `step failed: ${message}`, (error as Error)?.stack);
          // A format or cache error while storing is this step's failure too: its result is lost.
          throw new StepFailedError(node.name, error);
        }
      });
      // A step cannot be stopped from outside; on cancel the run stops waiting for it (whatever
      // it was writing stays in the cache's temporary area and never becomes an entry).
      const value = await this.#unlessInterrupted(node, computation);
      context.state.status = "completed";
      let digest: Promise<string> | undefined;
      return {
        load: async () => value,
        // Not stored (cacheable: false): hashed through its format; one its format cannot write is keyed by how it was made.
        digest: () => {
          digest ??= node.shouldBeCached
            ? storedDigest(this.run.cache, key)
            : digestThroughFormat(value, node.format, { classes: this.#classes }).then(
                (digest) => digest ?? madeBy(key.fingerprint),
              );
          return digest;
        },
      };
    } finally {
      await lock?.release();
    }
  }

  /** Once the run is interrupted no step starts: a fault fails the run, anything else cancels it. */
  #throwIfCanceled(): void {
    const signal = this.run.signal;
    if (signal?.aborted !== true) return;
    throw signal.reason instanceof RunFault ? signal.reason : new ExecutionCanceledError();
  }

  /** `work`, unless the run is interrupted first: then the step is abandoned, canceled or failed by the fault. */
  #unlessInterrupted<T>(node: StepNode, work: Promise<T>): Promise<T> {
    const signal = this.run.signal;
    if (signal === undefined) return work;
    this.#throwIfCanceled();
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => {
        const reason: unknown = signal.reason;
        if (!(reason instanceof RunFault)) return reject(new ExecutionCanceledError());
        const message = reason.stepMessage(node.name);
        reject(new StepFailedError(node.name, new Error(message), message));
      };
      signal.addEventListener("abort", onAbort, { once: true });
      work.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
    });
  }

  /** The step's argument object: its config without `type`, with each ref replaced by the result it names. */
  async #arguments(
    node: StepNode,
    upstream: ReadonlyMap<string, ResultHandle>,
  ): Promise<Record<string, unknown>> {
    const values = new Map<string, unknown>();
    for (const ref of node.refs) {
      const result = await upstream.get(ref.step)!.load();
      try {
        const value = readField(result, ref.field);
        // A result is never config: building objects from config must pass it through as it is.
        markAsBuilt(value);
        values.set(JSON.stringify(ref.path), value);
      } catch (error) {
        throw new StepFailedError(
          node.name,
          new Error(
            `[steps.${node.name}.${formatPath(ref.path)}] ref "${[ref.step, ...ref.field].join(".")}": ${(error as Error).message}`,
          ),
        );
      }
    }
    const args: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(node.config)) {
      if (key !== "type") args[key] = mapRefs(value, (_ref, path) => values.get(JSON.stringify(path)), [key]);
    }
    if (this.run.construct === undefined) return args;
    try {
      return await this.run.construct(node, args);
    } catch (error) {
      throw new StepFailedError(node.name, error);
    }
  }

  #stepContext(node: StepNode, state: StepState): StepContext {
    const run = this.run;
    let logger: ReturnType<ExecutionRun["stepLogger"]> | undefined;
    return {
      info: {
        name: node.name,
        type: node.type,
        fingerprint: state.fingerprint,
        version: node.version,
        config: node.config,
      },
      state,
      get logger() {
        logger ??= run.stepLogger(node);
        return logger;
      },
      get workdir() {
        return run.workdir(state.fingerprint);
      },
      execution: this.execution,
    };
  }
}

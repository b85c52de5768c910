/**
 * One execution's steps, as the scheduler starts them: each step's key made from the results it
 * reads, the cache checked, the step computed under the cache's lock (in this process, or by a
 * `StepRunner` elsewhere), and the callbacks told. Results are kept as handles, loaded only when
 * a reader needs them, so a fully cached re-run reads no result at all.
 */
import { type CacheKey, CacheMissError } from "../cache/cache.js";
import { digestThroughFormat, madeBy, storedDigest } from "../cache/result-digest.js";
import { FormedError } from "../errors.js";
import { isKeyed, makeStepKey, refPathKey } from "../fingerprint/step-key.js";
import { ClassRegistry } from "../format/class-registry.js";
import type { WorkflowGraph } from "../graph/graph.js";
import type { StepNode } from "../graph/step-node.js";
import type { ExecutionContext, StepContext, StepState } from "../step/context.js";
import type { ExecutionRun } from "./executor.js";
import { FieldDigestMemo, inputDigest, type UpstreamResult } from "./input-digests.js";
import { ExecutionCanceledError, RunFault } from "./run-fault.js";
import { NotStartedError, type TaskSlot } from "./scheduler.js";
import { type ComputableStep, runStepFunction, StepFailedError, stepArguments } from "./step-computation.js";
import { InputUnusableError, type StepRunner } from "./step-runner.js";

/** A step's result: loaded on demand; its digest makes its readers' keys; `stored` when it is a cache entry. */
export interface ResultHandle extends UpstreamResult {
  readonly stored?: CacheKey;
}

export class RunSession {
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
    readonly runner?: StepRunner,
  ) {
    this.#classes = run.classes ?? new ClassRegistry();
    this.#fieldDigests = run.fieldDigests ?? new FieldDigestMemo();
    this.#toForce = new Set(run.force ?? []);
  }

  /** A step never reached has no key: its fingerprint is empty. */
  stateOf(node: StepNode): StepState {
    return this.#states.get(node.name) ?? { status: "pending", fingerprint: "" };
  }

  /**
   * The step's result handle, running the step (and what it needs) unless it is cached or
   * memoized. `slot`: the scheduler's, when the scheduler started it (a `!` step run again for
   * a reader runs in its reader's slot).
   */
  ensure(node: StepNode, slot?: TaskSlot): Promise<ResultHandle> {
    if (!node.memoized) return this.#visit(node, slot);
    let handle = this.#memo.get(node.name);
    if (handle === undefined) {
      handle = this.#visit(node, slot);
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
    slot?: TaskSlot,
  ): Promise<{ upstream: Map<string, ResultHandle>; digests: Map<string, string> }> {
    const upstream = new Map<string, ResultHandle>();
    const digests = new Map<string, string>();
    for (const ref of node.refs) {
      let handle = upstream.get(ref.step);
      if (handle === undefined) {
        // A `!` step runs again here, in this step's slot (taking its own resources in it).
        handle = await this.ensure(this.graph.get(ref.step)!, slot);
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

  async #visit(node: StepNode, slot: TaskSlot | undefined): Promise<ResultHandle> {
    const { upstream, digests } = await this.#inputs(node, slot);
    const { fingerprint, record } = makeStepKey(node.key, digests);
    const key: CacheKey = { fingerprint, format: node.format };
    const state: StepState = { status: "pending", fingerprint };
    this.#states.set(node.name, state);
    const context = this.#stepContext(node, state);
    for (const callback of this.run.callbacks) await callback.onStepKey?.(context, node, record);

    const forced = this.#toForce.delete(node.name);
    let cached = false;
    let early: unknown;
    try {
      cached = !forced && node.shouldBeCached && (await this.run.cache.has(key));
      // A step's resources are held only while it computes: a cached GPU step waits for no GPU.
      if (!cached) await slot?.acquire(node.resources);
    } catch (error) {
      if (error instanceof NotStartedError) throw error; // it stays pending
      early = error;
    }

    state.status = "running";
    state.startedAt = new Date().toISOString();
    for (const callback of this.run.callbacks) await callback.onStepStart?.(context, node);
    let handle: ResultHandle;
    try {
      if (early !== undefined) throw early;
      if (cached) {
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
      stored: key,
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
      const inputsStored = [...upstream.values()].every((handle) => handle.stored !== undefined);
      if (this.runner?.takes(node, inputsStored) === true) {
        this.#throwIfCanceled();
        const inputs = new Map(
          [...upstream].map(([name, handle]) => [
            name,
            { fingerprint: handle.stored!.fingerprint, type: this.graph.get(name)!.type },
          ]),
        );
        try {
          const attachment = this.run.cache.attachment?.(key.fingerprint);
          const request = {
            node,
            key,
            forced,
            context,
            inputs,
            ...(attachment === undefined ? {} : { attachment }),
          };
          await this.#unlessInterrupted(node, this.runner.run(request));
          context.state.status = "completed";
          return this.#cachedHandle(node, key, context);
        } catch (error) {
          if (!(error instanceof InputUnusableError)) throw error;
          // Here, loading that input recomputes it (see #cachedHandle).
          context.logger.warn(`${error.message}; computing it in the main process`);
        }
      }
      const step: ComputableStep = { ...node, fn: node.registered.step.fn };
      const construct = this.run.construct;
      const args = await stepArguments(
        step,
        (name) => upstream.get(name)!.load(),
        construct === undefined ? undefined : (_step, args) => construct(node, args),
      );
      this.#throwIfCanceled();
      const started = performance.now();
      // A step cannot be stopped from outside; on cancel the run stops waiting for it (whatever
      // it was writing stays in the cache's temporary area and never becomes an entry).
      const value = await this.#unlessInterrupted(
        node,
        runStepFunction(step, args, { cache: this.run.cache, key, forced, context }),
      );
      this.runner?.ranInMainProcess?.(node, performance.now() - started);
      context.state.status = "completed";
      let digest: Promise<string> | undefined;
      return {
        ...(node.shouldBeCached ? { stored: key } : {}),
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

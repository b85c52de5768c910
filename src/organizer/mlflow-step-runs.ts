/**
 * The runs of one execution's steps on MLflow: one nested run per step (tag `mlflow.parentRunId`)
 * with the step's config as params, its fingerprint, type, version, status and cache state as
 * tags, the source tags MLflow's clients set, `step.json`, its log and `result.json` as
 * artifacts, and a description saying where its result is (or its error's first lines). Steps
 * the execution never reached get a run too, marked skipped.
 */
import { existsSync } from "node:fs";
import { inParallel } from "../cache/manifest.js";
import { DATA, type MlflowCache } from "../cache/mlflow-cache.js";
import type { StepNode } from "../graph/step-node.js";
import type { LogSink } from "../logging/logger.js";
import { type MlflowClient, NOTE_TAG } from "../mlflow/client.js";
import { configParams, resultMetrics } from "../mlflow/flatten.js";
import { MAX_TAG_VALUE_LENGTH, truncate } from "../mlflow/limits.js";
import { linkedNames, type ResultLocation, stepNote } from "../mlflow/notes.js";
import { RESULT_ARTIFACT, resultLocation, resultPointer } from "../mlflow/result-pointer.js";
import { CACHE_STATE, KIND, SKIPPED, TAG } from "../mlflow/tags.js";
import { keyValues, type MlflowRun, type MlflowRunStatus } from "../mlflow/types.js";
import type { ExecutionState, ExecutionStatus, StepState, StepStatus } from "../step/context.js";
import type { ArchivedGraph } from "./archive.js";
import { stateTags } from "./mlflow-summary.js";

export const RUN_STATUS: Partial<Record<StepStatus | ExecutionStatus, MlflowRunStatus>> = {
  completed: "FINISHED",
  cached: "FINISHED",
  failure: "FAILED",
  canceled: "KILLED",
};

const STEP_ARTIFACT = "step.json";
const LOG_ARTIFACT = "out.log";
const MANIFEST_ARTIFACT = "manifest.json";

export interface MlflowStepRunsOptions {
  readonly client: MlflowClient;
  readonly cache: MlflowCache;
  readonly experimentId: string;
  readonly executionId: string;
  readonly executionRun: MlflowRun;
  readonly graph: ArchivedGraph;
  /** `mlflow.user` and `mlflow.source.*`, the execution run's. */
  readonly sourceTags: Readonly<Record<string, string>>;
  readonly executionLog: LogSink;
  /** The local file a step's log is written to, uploaded when the step ends. */
  stepLogFile(name: string): string;
}

/** What a step's description says, gathered as its states and result come. */
interface Facts {
  status: string;
  fingerprint: string;
  result?: ResultLocation;
  noResult?: string;
  error?: string;
  skipped?: string;
}

export class MlflowStepRuns {
  /** What the notes link to; `statuses` has every step with a run. */
  readonly links: { experimentId: string; stepRuns: Map<string, string>; statuses: Map<string, string> };
  readonly #options: MlflowStepRunsOptions;
  readonly #runs = new Map<string, MlflowRun>();
  readonly #facts = new Map<string, Facts>();

  constructor(options: MlflowStepRunsOptions) {
    this.#options = options;
    this.links = { experimentId: options.experimentId, stepRuns: new Map(), statuses: new Map() };
  }

  /** Records a step's new state; the first one creates its run. True when it did. */
  async update(node: StepNode, state: StepState): Promise<boolean> {
    const { client, cache } = this.#options;
    const started = this.#runs.get(node.name);
    const facts = this.#factsOf(node.name, state);
    facts.status = state.status;
    facts.fingerprint = state.fingerprint;
    if (state.status === "failure" && state.error !== undefined) facts.error = state.error;
    this.links.statuses.set(node.name, state.status);
    const stepRun = started ?? (await this.#start(node, state));
    const status = RUN_STATUS[state.status];
    if (status === undefined) {
      // A new run got these tags when it was created.
      if (started !== undefined)
        await client.logBatch(stepRun.info.run_id, { tags: keyValues(stateTags(state)) });
      return started === undefined;
    }
    const tags = stateTags(state);
    tags[TAG.cache] = cacheState(node, state.status);
    if (tags[TAG.cache] === CACHE_STATE.notCached) facts.noResult = "not stored: the step is not cacheable";
    else if (tags[TAG.cache] === CACHE_STATE.noResult)
      facts.noResult = `none: the step ended with ${state.status}`;
    tags[NOTE_TAG] = this.#note(node.name);
    await client.logBatch(stepRun.info.run_id, { tags: keyValues(tags) });
    cache.detach(state.fingerprint);
    const logFile = this.#options.stepLogFile(node.name);
    if (existsSync(logFile)) await client.uploadArtifact(stepRun, LOG_ARTIFACT, { file: logFile });
    await client.updateRun(stepRun.info.run_id, { status, endTime: timeOf(state.finishedAt) ?? Date.now() });
    return started === undefined;
  }

  /**
   * Where the step's result is: the cache run (tags `formed.cache.run_id`, `formed.result.uri`)
   * and `result.json`, a pointer, not a copy, so an execution that reuses a large result uploads
   * a few hundred bytes. A `metrics: true` step's result as metrics, of the execution run too.
   */
  async recordResult(node: StepNode, fingerprint: string, load: () => Promise<unknown>): Promise<void> {
    const { client, cache, executionRun, executionLog } = this.#options;
    const stepRun = this.#runs.get(node.name);
    if (stepRun === undefined) return;
    if (node.shouldBeCached) {
      const cacheRun = await cache.publish({ fingerprint, format: node.format });
      if (cacheRun !== undefined) {
        const location = resultLocation(cacheRun, DATA);
        this.#factsOf(node.name).result = location;
        await Promise.all([
          client.logBatch(stepRun.info.run_id, {
            tags: keyValues({ [TAG.cacheRunId]: location.runId, [TAG.resultUri]: location.uri }),
          }),
          client.uploadArtifact(stepRun, RESULT_ARTIFACT, {
            text: `${JSON.stringify(
              resultPointer(location, {
                fingerprint,
                format: node.format.identifier,
                manifestPath: MANIFEST_ARTIFACT,
              }),
              null,
              2,
            )}\n`,
          }),
        ]);
      }
    }
    if (node.registered.step.options.metrics !== true) return;
    // Non-cacheable steps too: the value comes from the run itself, not from the cache.
    const { metrics, skipped } = resultMetrics(await load(), node.name);
    await client.logBatch(stepRun.info.run_id, { metrics });
    // On the execution run too, prefixed by step, so executions compare side by side in the UI.
    const prefixed = metrics.map((metric) => ({
      ...metric,
      key: metric.key === node.name ? metric.key : `${node.name}.${metric.key}`,
    }));
    await client.logBatch(executionRun.info.run_id, { metrics: prefixed });
    if (skipped.length > 0) {
      executionLog({
        level: "warn",
        time: new Date(),
        step: node.name,
        message: `step ${node.name}: not numbers, so not logged as metrics: ${skipped.join(", ")}`,
      });
    }
  }

  /**
   * A run for each step of `selection` the ended execution never reached (status KILLED, tag
   * `formed.status=skipped`), saying why, so the run tree shows every step. Made in graph
   * order, a level at a time, so each one's description links the runs of the steps it reads.
   */
  async skipUnreached(selection: readonly string[], execution: ExecutionState): Promise<void> {
    const { graph } = this.#options;
    const unreached = new Set(selection.filter((name) => !this.#runs.has(name)));
    const level = new Map<string, number>();
    for (const name of graph.order) {
      if (!unreached.has(name)) continue;
      const deps = graph.steps[name]?.dependencies ?? [];
      level.set(name, 1 + Math.max(0, ...deps.map((dep) => level.get(dep) ?? 0)));
    }
    const time = timeOf(execution.finishedAt) ?? Date.now();
    for (let depth = 1; ; depth++) {
      const names = [...level].filter(([, value]) => value === depth).map(([name]) => name);
      if (names.length === 0) break;
      await inParallel(names, (name) => this.#skip(name, execution, time));
    }
  }

  async #skip(name: string, execution: ExecutionState, time: number): Promise<void> {
    const { client, graph } = this.#options;
    const step = graph.steps[name];
    if (step === undefined) return;
    const blocked = step.dependencies.filter((dep) => {
      const status = this.links.statuses.get(dep);
      return status !== undefined && status !== "completed" && status !== "cached";
    });
    const failed = [...this.links.statuses].filter(([, status]) => status === "failure").map(([n]) => n);
    const why =
      blocked.length > 0
        ? `never reached: it reads ${blocked.map((dep) => `${linkedNames([dep], this.links)} (${this.links.statuses.get(dep)})`).join(", ")}.`
        : execution.status === "canceled"
          ? "never reached: the execution was canceled."
          : failed.length > 0
            ? `never reached: the execution stopped when ${linkedNames(failed, this.links)} failed.`
            : `never reached: the execution ended with ${execution.status}.`;
    const facts = this.#factsOf(name);
    facts.status = SKIPPED;
    facts.skipped = why;
    facts.noResult = "none: the step never ran";
    this.links.statuses.set(name, SKIPPED);
    const run = await client.createRun({
      experimentId: this.#options.experimentId,
      runName: name,
      parentRunId: this.#options.executionRun.info.run_id,
      startTime: time,
      tags: {
        ...this.#options.sourceTags,
        [TAG.kind]: KIND.step,
        [TAG.executionId]: this.#options.executionId,
        [TAG.stepName]: truncate(name, MAX_TAG_VALUE_LENGTH),
        [TAG.stepType]: step.type,
        [TAG.version]: step.version,
        [TAG.format]: step.format,
        [TAG.status]: SKIPPED,
        [TAG.cache]: CACHE_STATE.noResult,
        [NOTE_TAG]: this.#note(name),
      },
    });
    this.#runs.set(name, run);
    this.links.stepRuns.set(name, run.info.run_id);
    await client.updateRun(run.info.run_id, { status: "KILLED", endTime: time });
  }

  async #start(node: StepNode, state: StepState): Promise<MlflowRun> {
    const { client, cache, executionRun } = this.#options;
    const stepRun = await client.createRun({
      experimentId: this.#options.experimentId,
      runName: node.name,
      parentRunId: executionRun.info.run_id,
      startTime: timeOf(state.startedAt) ?? Date.now(),
      tags: {
        ...this.#options.sourceTags,
        [TAG.kind]: KIND.step,
        [TAG.executionId]: this.#options.executionId,
        [TAG.stepName]: truncate(node.name, MAX_TAG_VALUE_LENGTH),
        [TAG.stepType]: node.type,
        [TAG.fingerprint]: state.fingerprint,
        [TAG.version]: node.version,
        [TAG.format]: node.format.identifier,
        ...stateTags(state),
        [NOTE_TAG]: this.#note(node.name),
      },
    });
    this.#runs.set(node.name, stepRun);
    this.links.stepRuns.set(node.name, stepRun.info.run_id);
    cache.attachStep(state.fingerprint, {
      runId: stepRun.info.run_id,
      experimentId: this.#options.experimentId,
      stepName: node.name,
      stepType: node.type,
      executionId: this.#options.executionId,
    });
    await client.logBatch(stepRun.info.run_id, { params: configParams(node.config) });
    await client.uploadArtifact(stepRun, STEP_ARTIFACT, {
      text: `${JSON.stringify(
        {
          name: node.name,
          type: node.type,
          fingerprint: state.fingerprint,
          version: node.version,
          format: node.format.identifier,
          config: node.config,
          dependencies: node.dependencies,
        },
        null,
        2,
      )}\n`,
    });
    return stepRun;
  }

  #factsOf(name: string, state?: StepState): Facts {
    let facts = this.#facts.get(name);
    if (facts === undefined) {
      facts = { status: state?.status ?? "pending", fingerprint: state?.fingerprint ?? "" };
      this.#facts.set(name, facts);
    }
    return facts;
  }

  #note(name: string): string {
    const { executionId, executionRun, graph } = this.#options;
    return stepNote(
      { name, executionId, executionRunId: executionRun.info.run_id, ...this.#factsOf(name) },
      graph,
      this.links,
    );
  }
}

/** A step run's `formed.cache` (one of CACHE_STATE, documented in the README). */
function cacheState(node: StepNode, status: StepStatus): string {
  if (status === "cached") return CACHE_STATE.cached;
  if (status !== "completed") return CACHE_STATE.noResult;
  return node.shouldBeCached ? CACHE_STATE.ran : CACHE_STATE.notCached;
}

function timeOf(iso: string | undefined): number | undefined {
  const time = iso === undefined ? Number.NaN : Date.parse(iso);
  return Number.isFinite(time) ? time : undefined;
}

import { existsSync } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import { userInfo } from "node:os";
import { join, resolve } from "node:path";
import { LiveUses } from "../cache/live-uses.js";
import { MlflowCache } from "../cache/mlflow-cache.js";
import { formedVersion } from "../common/package-info.js";
import { FormedError } from "../errors.js";
import type { ExecutionKeys } from "../fingerprint/step-key.js";
import type { ClassRegistry } from "../format/class-registry.js";
import type { StepNode } from "../graph/step-node.js";
import { fileSink, type LogSink } from "../logging/logger.js";
import { MlflowClient, NOTE_TAG } from "../mlflow/client.js";
import { MlflowExperimentHandle } from "../mlflow/experiment.js";
import { configParams, resultMetrics } from "../mlflow/flatten.js";
import { MAX_TAG_VALUE_LENGTH, truncate } from "../mlflow/limits.js";
import { MlflowError } from "../mlflow/mlflow-error.js";
import { executionNote, stepNote } from "../mlflow/notes.js";
import { KIND, TAG, tagEquals } from "../mlflow/tags.js";
import type { RetryOptions } from "../mlflow/transport.js";
import { keyValues, type MlflowRun, type MlflowRunStatus, runTags } from "../mlflow/types.js";
import type { ExecutionState, ExecutionStatus, StepState, StepStatus } from "../step/context.js";
import type { ArchivedExecution, ArchivedGraph } from "./archive.js";
import { validateExecutionId } from "./execution-id.js";
import { countSteps, type ExecutionSummary, isUnfinished, withInterruption } from "./execution-summary.js";
import { keysInFolder, readKeysFile, writeKeysFile } from "./keys-file.js";
import type { ExecutionMetadata } from "./metadata.js";
import { MlflowInventory } from "./mlflow-inventory.js";
import {
  OWNER_TAG,
  ownerOf,
  ownerTagValue,
  STEP_COUNTS_TAG,
  stateFromTags,
  stateTags,
  summariesOfRuns,
} from "./mlflow-summary.js";
import { type ExecutionRecord, RecordingOrganizer } from "./recording-organizer.js";
import { encodeStepName } from "./step-folder-name.js";

export interface MlflowOrganizerOptions {
  /** `http(s)://host:port` of the tracking server; default: the MLFLOW_TRACKING_URI environment variable. */
  trackingUri?: string;
  /** Default: MLFLOW_EXPERIMENT_NAME, else "formed". Created when missing. */
  experimentName?: string;
  /** Local state (cache copies, step workdirs, logs being written); default `.formed/mlflow`. */
  directory?: string;
  cwd?: string;
  classes?: ClassRegistry;
  /** Retries of transient server errors (default 5, with backoff from 250 ms). */
  retry?: RetryOptions;
}

const GRAPH_ARTIFACT = "graph.json";
const METADATA_ARTIFACT = "metadata.json";
const STEP_ARTIFACT = "step.json";
const LOG_ARTIFACT = "out.log";

const RUN_STATUS: Partial<Record<StepStatus | ExecutionStatus, MlflowRunStatus>> = {
  completed: "FINISHED",
  cached: "FINISHED",
  failure: "FAILED",
  canceled: "KILLED",
};

/**
 * Records executions on an MLflow tracking server: one run per execution (named by its id), a
 * nested run per step (tag `mlflow.parentRunId`) with the step's config as params, its
 * fingerprint, type, version, status and cache state as tags, `step.json` and its log as
 * artifacts, and a markdown note; the execution run holds the graph, the metadata and the log.
 * Steps declared with `metrics: true` also log their result as metrics. Results go to an
 * MlflowCache on the same server.
 *
 * Logs are written to local files first (under `<directory>/executions/<id>/`) and uploaded
 * when the step or execution ends, so a server that dies mid-run loses no line.
 */
export class MlflowOrganizer extends RecordingOrganizer {
  readonly kind = "mlflow";
  readonly cache: MlflowCache;
  readonly client: MlflowClient;
  readonly experiment: MlflowExperimentHandle;
  readonly directory: string;

  constructor(options: MlflowOrganizerOptions = {}) {
    super();
    const trackingUri = options.trackingUri ?? process.env.MLFLOW_TRACKING_URI;
    if (trackingUri === undefined || trackingUri === "") {
      throw new FormedError("E_SETTINGS", "the mlflow organizer needs a tracking server", {
        hint: "set workflow.organizer.tracking_uri in formed.yml, or the MLFLOW_TRACKING_URI environment variable",
      });
    }
    if (!/^https?:\/\//.test(trackingUri)) {
      throw new FormedError(
        "E_SETTINGS",
        `the mlflow organizer talks to a tracking server over HTTP; ${JSON.stringify(trackingUri)} is not an http(s) URI`,
        { hint: "start `mlflow server --serve-artifacts` and give its address, e.g. http://127.0.0.1:5000" },
      );
    }
    this.client = new MlflowClient({ trackingUri, ...options.retry });
    this.experiment = new MlflowExperimentHandle(
      this.client,
      options.experimentName ?? (process.env.MLFLOW_EXPERIMENT_NAME || "formed"),
    );
    this.directory = resolve(options.cwd ?? process.cwd(), options.directory ?? join(".formed", "mlflow"));
    this.cache = new MlflowCache({
      experiment: this.experiment,
      directory: join(this.directory, "cache"),
      ...(options.classes === undefined ? {} : { classes: options.classes }),
    });
  }

  protected async createRecord(id: string): Promise<ExecutionRecord> {
    const client = this.client;
    const experimentId = await this.experiment.id();
    if ((await this.#executionRuns(id)).length > 0) throw this.#taken(id);
    const run = await client.createRun({
      experimentId,
      runName: id,
      tags: {
        [TAG.kind]: KIND.execution,
        [TAG.executionId]: id,
        [TAG.status]: "pending",
        [TAG.formedVersion]: formedVersion(),
        [OWNER_TAG]: ownerTagValue(),
        "mlflow.user": currentUser(),
        "mlflow.source.type": "LOCAL",
      },
    });
    // MLflow has no unique run names: after creating, the oldest run with this id wins, a later one backs off.
    const rivals = await this.#executionRuns(id);
    if (rivals[0] !== undefined && rivals[0].info.run_id !== run.info.run_id) {
      await client.deleteRun(run.info.run_id);
      throw this.#taken(id);
    }

    const local = join(this.directory, "executions", id);
    await rm(local, { recursive: true, force: true });
    await mkdir(join(local, "steps"), { recursive: true });
    const executionLogFile = join(local, LOG_ARTIFACT);
    const stepLogFile = (node: StepNode) => join(local, "steps", encodeStepName(node.name), LOG_ARTIFACT);
    const executionLog = fileSink(executionLogFile);
    // Entries this run uses, for `formed cache gc` on this machine (see live-uses.ts).
    const uses = LiveUses.open(this.cache.directory);
    const stepStates = new Map<string, StepState>();

    const stepRuns = new Map<string, MlflowRun>();
    const links = { experimentId, stepRuns: new Map<string, string>() };
    let graph: ArchivedGraph = { order: [], steps: {} };
    const updateExecutionNote = () =>
      client.setTag(run.info.run_id, NOTE_TAG, executionNote(id, graph, links));

    const startStep = async (node: StepNode, state: StepState): Promise<MlflowRun> => {
      const stepRun = await client.createRun({
        experimentId,
        runName: node.name,
        parentRunId: run.info.run_id,
        tags: {
          [TAG.kind]: KIND.step,
          [TAG.executionId]: id,
          [TAG.stepName]: truncate(node.name, MAX_TAG_VALUE_LENGTH),
          [TAG.stepType]: node.type,
          [TAG.fingerprint]: state.fingerprint,
          [TAG.version]: node.version,
          [TAG.format]: node.format.identifier,
          ...stateTags(state),
          [NOTE_TAG]: stepNote(node.name, id, run.info.run_id, graph, links, state.fingerprint),
          "mlflow.user": currentUser(),
        },
      });
      stepRuns.set(node.name, stepRun);
      links.stepRuns.set(node.name, stepRun.info.run_id);
      this.cache.attach(state.fingerprint, stepRun.info.run_id);
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
      await updateExecutionNote();
      return stepRun;
    };

    return {
      writeGraph: async (archived) => {
        graph = archived;
        await client.uploadArtifact(run, GRAPH_ARTIFACT, { text: `${JSON.stringify(archived, null, 2)}\n` });
        await updateExecutionNote();
      },
      writeMetadata: async (metadata) => {
        await client.uploadArtifact(run, METADATA_ARTIFACT, {
          text: `${JSON.stringify(metadata, null, 2)}\n`,
        });
        const tags: Record<string, string> = {};
        if (metadata.git !== null) tags["mlflow.source.git.commit"] = metadata.git.commit;
        if (metadata.config !== undefined)
          tags["mlflow.source.name"] = truncate(metadata.config, MAX_TAG_VALUE_LENGTH);
        await client.logBatch(run.info.run_id, { tags: keyValues(tags) });
      },
      writeState: async (state) => {
        const tags = stateTags(state);
        if (!isUnfinished(state.status))
          tags[STEP_COUNTS_TAG] = JSON.stringify(countSteps(stepStates.values()));
        await client.logBatch(run.info.run_id, { tags: keyValues(tags) });
        if (!isUnfinished(state.status)) uses.close();
        const status = RUN_STATUS[state.status];
        if (status === undefined) return;
        if (existsSync(executionLogFile)) {
          await client.uploadArtifact(run, LOG_ARTIFACT, { file: executionLogFile });
        }
        await client.updateRun(run.info.run_id, { status, endTime: endTime(state) });
      },
      // Kept locally: `--dry-run` and `explain` read it on the machine that runs the workflow.
      writeKeys: async (keys) => writeKeysFile(local, keys),
      stepKeyed: (_node, fingerprint) => uses.add(fingerprint),
      writeStepState: async (node, state) => {
        stepStates.set(node.name, { ...state });
        const started = stepRuns.get(node.name);
        const stepRun = started ?? (await startStep(node, state));
        const runId = stepRun.info.run_id;
        const tags = stateTags(state);
        const status = RUN_STATUS[state.status];
        if (status !== undefined) {
          tags[TAG.cache] =
            state.status === "cached"
              ? "cached"
              : !node.shouldBeCached
                ? "not cached"
                : state.status === "completed"
                  ? "ran"
                  : "none";
        }
        // A new run got these tags when it was created.
        if (started !== undefined || status !== undefined)
          await client.logBatch(runId, { tags: keyValues(tags) });
        if (status === undefined) return;
        this.cache.detach(state.fingerprint);
        const logFile = stepLogFile(node);
        if (existsSync(logFile)) await client.uploadArtifact(stepRun, LOG_ARTIFACT, { file: logFile });
        await client.updateRun(runId, { status, endTime: endTime(state) });
      },
      recordResult: async (node, fingerprint, load) => {
        const stepRun = stepRuns.get(node.name);
        if (stepRun === undefined) return;
        if (node.shouldBeCached) {
          const cacheRun = await this.cache.publish({ fingerprint, format: node.format });
          if (cacheRun !== undefined)
            await client.setTag(stepRun.info.run_id, TAG.cacheRunId, cacheRun.info.run_id);
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
        await client.logBatch(run.info.run_id, { metrics: prefixed });
        if (skipped.length > 0) {
          executionLog({
            level: "warn",
            time: new Date(),
            step: node.name,
            message: `step ${node.name}: not numbers, so not logged as metrics: ${skipped.join(", ")}`,
          });
        }
      },
      executionLog,
      stepLog: (node: StepNode): LogSink => fileSink(stepLogFile(node), { createFolder: true }),
    };
  }

  async get(id: string): Promise<ArchivedExecution | undefined> {
    const [run] = await this.#executionRuns(id);
    if (run === undefined) return undefined;
    const read = async <T>(artifact: string): Promise<T | undefined> => {
      try {
        return JSON.parse(await this.client.readArtifactText(run, artifact)) as T;
      } catch (error) {
        if (error instanceof MlflowError && error.notFound) return undefined;
        if (error instanceof SyntaxError) {
          throw new FormedError(
            "E_EXECUTION",
            `the record of execution ${id} is unreadable: ${artifact} of run ${run.info.run_id}`,
            {
              cause: error,
            },
          );
        }
        throw error;
      }
    };
    const graph = await read<ArchivedGraph>(GRAPH_ARTIFACT);
    const metadata = await read<ExecutionMetadata>(METADATA_ARTIFACT);
    if (graph === undefined || metadata === undefined) return undefined;
    const runTagValues = runTags(run);
    const state = stateFromTags(runTagValues) as ExecutionState;
    const steps: Record<string, StepState> = {};
    const stepRuns = await this.#stepRuns(id);
    for (const stepRun of stepRuns) {
      const tags = runTags(stepRun);
      const name = tags[TAG.stepName];
      if (name === undefined || graph.steps[name] === undefined) continue;
      steps[name] = { ...stateFromTags(tags), fingerprint: tags[TAG.fingerprint] ?? "" } as StepState;
    }
    return { id, graph, metadata, ...withInterruption(state, steps, ownerOf(runTagValues)) };
  }

  /** Every execution, newest first, from the execution runs' tags (one search). */
  async summaries(): Promise<ExecutionSummary[]> {
    return summariesOfRuns(
      await this.client.searchRuns({
        experimentIds: [await this.experiment.id()],
        filter: tagEquals(TAG.kind, KIND.execution),
      }),
    );
  }

  inventory(): MlflowInventory {
    return new MlflowInventory(this.cache, this.client, this.experiment);
  }

  async list(): Promise<string[]> {
    const runs = await this.client.searchRuns({
      experimentIds: [await this.experiment.id()],
      filter: tagEquals(TAG.kind, KIND.execution),
      orderBy: ["attributes.start_time ASC"],
    });
    return [...new Set(runs.map((run) => runTags(run)[TAG.executionId]).filter((id) => id !== undefined))];
  }

  /** Deletes the execution's run and its step runs; cache runs stay, as cached results do. */
  async remove(id: string): Promise<void> {
    validateExecutionId(id);
    const runs = await this.#executionRuns(id);
    if (runs.length === 0) {
      throw new FormedError(
        "E_EXECUTION",
        `no execution ${id} in experiment "${this.experiment.name}" on ${this.client.trackingUri}`,
      );
    }
    const stepRuns = await this.#stepRuns(id);
    for (const run of [...stepRuns, ...runs]) await this.client.deleteRun(run.info.run_id);
    await rm(join(this.directory, "executions", id), { recursive: true, force: true });
  }

  keys(): AsyncIterable<{ id: string; keys: ExecutionKeys }> {
    return keysInFolder(join(this.directory, "executions"));
  }

  async keysOf(id: string): Promise<ExecutionKeys | undefined> {
    return readKeysFile(join(this.directory, "executions", validateExecutionId(id)));
  }

  /** The local copy of an execution's log, or of one of its steps' (also uploaded as the runs' out.log). */
  logPath(id: string, step?: string): string {
    const local = join(this.directory, "executions", validateExecutionId(id));
    return step === undefined
      ? join(local, LOG_ARTIFACT)
      : join(local, "steps", encodeStepName(step), LOG_ARTIFACT);
  }

  workdir(fingerprint: string): string {
    return join(this.directory, "workdir", fingerprint);
  }

  /** The runs recorded for execution `id`, oldest first (normally one). */
  async #stepRuns(id: string): Promise<MlflowRun[]> {
    return this.client.searchRuns({
      experimentIds: [await this.experiment.id()],
      filter: `${tagEquals(TAG.kind, KIND.step)} AND ${tagEquals(TAG.executionId, id)}`,
    });
  }

  async #executionRuns(id: string): Promise<MlflowRun[]> {
    const runs = await this.client.searchRuns({
      experimentIds: [await this.experiment.id()],
      filter: `${tagEquals(TAG.kind, KIND.execution)} AND ${tagEquals(TAG.executionId, id)}`,
    });
    return runs.sort(
      (a, b) =>
        (a.info.start_time ?? 0) - (b.info.start_time ?? 0) || a.info.run_id.localeCompare(b.info.run_id),
    );
  }

  #taken(id: string): FormedError {
    return new FormedError(
      "E_EXECUTION",
      `execution ${id} already exists in experiment "${this.experiment.name}" on ${this.client.trackingUri}`,
      { hint: "choose another --execution-id, or remove the old one with `formed workflow remove`" },
    );
  }
}

function endTime(state: ExecutionState | StepState): number {
  const finished = state.finishedAt === undefined ? Number.NaN : Date.parse(state.finishedAt);
  return Number.isFinite(finished) ? finished : Date.now();
}

function currentUser(): string {
  try {
    return userInfo().username;
  } catch {
    return "unknown";
  }
}

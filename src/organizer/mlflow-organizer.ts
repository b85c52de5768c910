import { existsSync } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import { join, resolve } from "node:path";
import { LiveUses } from "../cache/live-uses.js";
import { MlflowCache } from "../cache/mlflow-cache.js";
import { formedVersion } from "../common/package-info.js";
import { FormedError } from "../errors.js";
import type { ExecutionKeys } from "../fingerprint/step-key.js";
import type { ClassRegistry } from "../format/class-registry.js";
import type { WorkflowGraph } from "../graph/graph.js";
import type { StepNode } from "../graph/step-node.js";
import { fileSink, type LogSink } from "../logging/logger.js";
import { MlflowClient, NOTE_TAG } from "../mlflow/client.js";
import { MlflowExperimentHandle } from "../mlflow/experiment.js";
import { executionParams } from "../mlflow/flatten.js";
import { MlflowError } from "../mlflow/mlflow-error.js";
import { executionNote } from "../mlflow/notes.js";
import { sourceTags } from "../mlflow/source-tags.js";
import { KIND, SKIPPED, TAG, tagEquals } from "../mlflow/tags.js";
import type { RetryOptions } from "../mlflow/transport.js";
import { keyValues, type MlflowRun, runTags } from "../mlflow/types.js";
import type { ExecutionState, StepState } from "../step/context.js";
import type { ArchivedExecution, ArchivedGraph } from "./archive.js";
import { validateExecutionId } from "./execution-id.js";
import { countSteps, type ExecutionSummary, isUnfinished, withInterruption } from "./execution-summary.js";
import { keysInFolder, readKeysFile, writeKeysFile } from "./keys-file.js";
import type { ExecutionMetadata } from "./metadata.js";
import { MlflowInventory } from "./mlflow-inventory.js";
import { MlflowStepRuns, RUN_STATUS } from "./mlflow-step-runs.js";
import {
  OWNER_TAG,
  ownerOf,
  ownerTagValue,
  STEP_COUNTS_TAG,
  stateFromTags,
  stateTags,
  summariesOfRuns,
} from "./mlflow-summary.js";
import type { OrganizerRunOptions, OrganizerRunResult } from "./organizer.js";
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
  /** Where cached results go; default: the experiment's name + `-cache`. */
  cacheExperimentName?: string;
  /** Retries of transient server errors (default 5, with backoff from 250 ms). */
  retry?: RetryOptions;
}

const GRAPH_ARTIFACT = "graph.json";
const METADATA_ARTIFACT = "metadata.json";
const LOG_ARTIFACT = "out.log";

/**
 * Records executions on an MLflow tracking server: one run per execution (named by its id), a
 * nested run per step (see `MlflowStepRuns`); the execution run holds every step's config as
 * params (`model.lr`, for MLflow's compare view), the graph, the metadata and the log, and a
 * description of its steps with their status. Results go to an MlflowCache on the same server,
 * in an experiment of their own.
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
  /** The targets of the run being started, read by `createRecord` (steps outside them are not skipped, just not run). */
  #targets: readonly string[] | undefined;

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
      ...(options.cacheExperimentName === undefined
        ? {}
        : { cacheExperimentName: options.cacheExperimentName }),
      ...(options.classes === undefined ? {} : { classes: options.classes }),
    });
  }

  override run(graph: WorkflowGraph, options: OrganizerRunOptions): Promise<OrganizerRunResult> {
    // `super.run` calls `createRecord` before its first await: nothing else runs in between.
    this.#targets = options.targets;
    return super.run(graph, options);
  }

  protected async createRecord(id: string): Promise<ExecutionRecord> {
    const targets = this.#targets;
    this.#targets = undefined;
    const client = this.client;
    const experimentId = await this.experiment.id();
    if ((await this.#executionRuns(id)).length > 0) throw this.#taken(id);

    const local = join(this.directory, "executions", id);
    await rm(local, { recursive: true, force: true });
    await mkdir(join(local, "steps"), { recursive: true });
    const executionLogFile = join(local, LOG_ARTIFACT);
    const stepLogFile = (name: string) => join(local, "steps", encodeStepName(name), LOG_ARTIFACT);
    const executionLog = fileSink(executionLogFile);
    // Entries this run uses, for `formed cache gc` on this machine (see live-uses.ts).
    const uses = LiveUses.open(this.cache.directory);
    const stepStates = new Map<string, StepState>();
    let graph: ArchivedGraph = { order: [], steps: {} };
    let metadata: ExecutionMetadata | undefined;

    // MLflow cannot move a run's start time: the run is made when the execution starts, so the
    // UI's duration is the execution's. Graph and metadata, written before, are uploaded then.
    let started: Promise<{ run: MlflowRun; steps: MlflowStepRuns }> | undefined;
    const execution = (state?: ExecutionState) => {
      started ??= (async () => {
        const startState = state ?? { status: "running", startedAt: new Date().toISOString() };
        const run = await this.#createExecutionRun(id, experimentId, startState, graph, metadata);
        const steps = new MlflowStepRuns({
          client,
          cache: this.cache,
          experimentId,
          executionId: id,
          executionRun: run,
          graph,
          sourceTags: sourceTags(metadata),
          executionLog,
          stepLogFile,
        });
        return { run, steps };
      })();
      return started;
    };
    const updateExecutionNote = async () => {
      const { run, steps } = await execution();
      await client.setTag(run.info.run_id, NOTE_TAG, executionNote(id, graph, steps.links));
    };

    return {
      writeGraph: async (archived) => {
        graph = archived;
      },
      writeMetadata: async (written) => {
        metadata = written;
      },
      writeState: async (state) => {
        const first = started === undefined;
        const { run, steps } = await execution(state);
        const tags = stateTags(state);
        const ended = !isUnfinished(state.status);
        if (ended) {
          await steps.skipUnreached(selection(graph, targets), state);
          tags[STEP_COUNTS_TAG] = JSON.stringify(countSteps(stepStates.values()));
          tags[NOTE_TAG] = executionNote(id, graph, steps.links, state);
        }
        // The first state went with the new run.
        if (!first || ended) await client.logBatch(run.info.run_id, { tags: keyValues(tags) });
        if (ended) uses.close();
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
        const { steps } = await execution();
        if (await steps.update(node, state)) await updateExecutionNote();
      },
      recordResult: async (node, fingerprint, load) => {
        const { steps } = await execution();
        await steps.recordResult(node, fingerprint, load);
      },
      executionLog,
      stepLog: (node: StepNode): LogSink => fileSink(stepLogFile(node.name), { createFolder: true }),
    };
  }

  /** The execution's run, started at `state.startedAt`; a rival run of the same id made first wins. */
  async #createExecutionRun(
    id: string,
    experimentId: string,
    state: ExecutionState,
    graph: ArchivedGraph,
    metadata: ExecutionMetadata | undefined,
  ): Promise<MlflowRun> {
    const client = this.client;
    const startedAt = state.startedAt === undefined ? Number.NaN : Date.parse(state.startedAt);
    const run = await client.createRun({
      experimentId,
      runName: id,
      startTime: Number.isFinite(startedAt) ? startedAt : Date.now(),
      tags: {
        ...sourceTags(metadata),
        [TAG.kind]: KIND.execution,
        [TAG.executionId]: id,
        [TAG.formedVersion]: formedVersion(),
        [OWNER_TAG]: ownerTagValue(),
        ...stateTags(state),
        [NOTE_TAG]: executionNote(id, graph, { experimentId, stepRuns: new Map(), statuses: new Map() }),
      },
    });
    // MLflow has no unique run names: after creating, the oldest run with this id wins, a later one backs off.
    const rivals = await this.#executionRuns(id);
    if (rivals[0] !== undefined && rivals[0].info.run_id !== run.info.run_id) {
      await client.deleteRun(run.info.run_id);
      throw this.#taken(id);
    }
    const configs = Object.fromEntries(graph.order.map((name) => [name, graph.steps[name]?.config ?? {}]));
    await Promise.all([
      client.uploadArtifact(run, GRAPH_ARTIFACT, { text: `${JSON.stringify(graph, null, 2)}\n` }),
      metadata === undefined
        ? undefined
        : client.uploadArtifact(run, METADATA_ARTIFACT, { text: `${JSON.stringify(metadata, null, 2)}\n` }),
      client.logBatch(run.info.run_id, { params: executionParams(configs) }),
    ]);
    return run;
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
      // A skipped step's run shows that it never ran; the record has no state for it, as other organizers'.
      if (name === undefined || graph.steps[name] === undefined || tags[TAG.status] === SKIPPED) continue;
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

/** The steps an execution runs: all of them, or its targets and what they read. */
function selection(graph: ArchivedGraph, targets: readonly string[] | undefined): string[] {
  if (targets === undefined) return [...graph.order];
  const selected = new Set<string>();
  const pending = [...targets];
  for (let name = pending.pop(); name !== undefined; name = pending.pop()) {
    if (selected.has(name)) continue;
    selected.add(name);
    pending.push(...(graph.steps[name]?.dependencies ?? []));
  }
  return graph.order.filter((name) => selected.has(name));
}

import { createWriteStream, openAsBlob } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import { dirname } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { type BatchEntities, chunkBatch } from "./batch.js";
import { MlflowError } from "./mlflow-error.js";
import { type HttpRequest, MlflowTransport, type TransportOptions } from "./transport.js";
import {
  keyValues,
  type MlflowArtifactFile,
  type MlflowExperiment,
  type MlflowRun,
  type MlflowRunStatus,
} from "./types.js";

export type MlflowClientOptions = TransportOptions;

export interface CreateRunOptions {
  experimentId: string;
  runName?: string;
  tags?: Record<string, string>;
  /** Makes it a nested run: the tag the MLflow UI groups child runs by. */
  parentRunId?: string;
  startTime?: number;
}

export interface SearchRunsOptions {
  experimentIds: readonly string[];
  /** MLflow's search syntax: ``tags.`formed.kind` = 'step' AND ...``. */
  filter?: string;
  orderBy?: readonly string[];
  /** Stop after this many runs (all pages are read otherwise). */
  limit?: number;
  /** Deleted runs are left out unless asked for. */
  viewType?: "ACTIVE_ONLY" | "DELETED_ONLY" | "ALL";
}

export const PARENT_RUN_TAG = "mlflow.parentRunId";
export const NOTE_TAG = "mlflow.note.content";

// The server refuses larger pages.
const SEARCH_PAGE_SIZE = 1000;

/**
 * The few calls of MLflow's REST API (2.0) a workflow needs: experiments, runs, batched
 * logging, tags, and artifacts through the server's artifact proxy (`mlflow server
 * --serve-artifacts`, the default since MLflow 2.0), so no cloud storage client is needed here.
 */
export class MlflowClient {
  readonly #http: MlflowTransport;

  constructor(options: MlflowClientOptions) {
    this.#http = new MlflowTransport(options);
  }

  get trackingUri(): string {
    return this.#http.trackingUri;
  }

  async getExperimentByName(name: string): Promise<MlflowExperiment | undefined> {
    const answer = await this.#find<{ experiment: MlflowExperiment }>({
      method: "GET",
      path: "experiments/get-by-name",
      query: { experiment_name: name },
      what: `looking up experiment "${name}"`,
    });
    return answer?.experiment;
  }

  async createExperiment(name: string): Promise<string> {
    const answer = await this.#api<{ experiment_id: string }>({
      method: "POST",
      path: "experiments/create",
      json: { name },
      what: `creating experiment "${name}"`,
    });
    return answer.experiment_id;
  }

  /** The id of the experiment called `name`, created when missing (another client creating it first is fine). */
  async ensureExperiment(name: string): Promise<string> {
    const existing = await this.getExperimentByName(name);
    if (existing !== undefined) {
      if (existing.lifecycle_stage === "deleted") {
        throw new MlflowError(
          `experiment "${name}" is deleted on the MLflow tracking server at ${this.trackingUri}`,
          {
            trackingUri: this.trackingUri,
            hint: "restore it in the MLflow UI (or `mlflow experiments restore`), or choose another experiment_name",
          },
        );
      }
      return existing.experiment_id;
    }
    try {
      return await this.createExperiment(name);
    } catch (error) {
      if (error instanceof MlflowError && error.errorCode === "RESOURCE_ALREADY_EXISTS") {
        const raced = await this.getExperimentByName(name);
        if (raced !== undefined) return raced.experiment_id;
      }
      throw error;
    }
  }

  async createRun(options: CreateRunOptions): Promise<MlflowRun> {
    const tags = { ...options.tags };
    if (options.parentRunId !== undefined) tags[PARENT_RUN_TAG] = options.parentRunId;
    const answer = await this.#api<{ run: MlflowRun }>({
      method: "POST",
      path: "runs/create",
      json: {
        experiment_id: options.experimentId,
        start_time: options.startTime ?? Date.now(),
        ...(options.runName === undefined ? {} : { run_name: options.runName }),
        tags: keyValues(tags),
      },
      what: `creating run "${options.runName ?? ""}"`,
    });
    return answer.run;
  }

  async updateRun(runId: string, update: { status?: MlflowRunStatus; endTime?: number }): Promise<void> {
    await this.#api({
      method: "POST",
      path: "runs/update",
      json: {
        run_id: runId,
        ...(update.status === undefined ? {} : { status: update.status }),
        ...(update.endTime === undefined ? {} : { end_time: update.endTime }),
      },
      what: `updating run ${runId}`,
    });
  }

  async getRun(runId: string): Promise<MlflowRun | undefined> {
    const answer = await this.#find<{ run: MlflowRun }>({
      method: "GET",
      path: "runs/get",
      query: { run_id: runId },
      what: `reading run ${runId}`,
    });
    return answer?.run;
  }

  /** Every matching run, page after page (up to `limit`). */
  async searchRuns(options: SearchRunsOptions): Promise<MlflowRun[]> {
    const runs: MlflowRun[] = [];
    const limit = options.limit ?? Number.POSITIVE_INFINITY;
    let pageToken: string | undefined;
    do {
      const answer = await this.#api<{ runs?: MlflowRun[]; next_page_token?: string }>({
        method: "POST",
        path: "runs/search",
        json: {
          experiment_ids: options.experimentIds,
          ...(options.filter === undefined ? {} : { filter: options.filter }),
          ...(options.orderBy === undefined ? {} : { order_by: options.orderBy }),
          run_view_type: options.viewType ?? "ACTIVE_ONLY",
          max_results: Math.min(SEARCH_PAGE_SIZE, limit - runs.length),
          ...(pageToken === undefined ? {} : { page_token: pageToken }),
        },
        what: "searching runs",
      });
      runs.push(...(answer.runs ?? []));
      pageToken = answer.next_page_token || undefined;
    } while (pageToken !== undefined && runs.length < limit);
    return runs;
  }

  /** Logs everything, in as many requests as MLflow's per-batch limits require. */
  async logBatch(runId: string, entities: BatchEntities): Promise<void> {
    for (const batch of chunkBatch(entities)) {
      await this.#api({
        method: "POST",
        path: "runs/log-batch",
        json: { run_id: runId, ...batch },
        what: `logging ${describeBatch(batch)} to run ${runId}`,
      });
    }
  }

  async setTag(runId: string, key: string, value: string): Promise<void> {
    await this.#api({
      method: "POST",
      path: "runs/set-tag",
      json: { run_id: runId, key, value },
      what: `setting tag ${key} of run ${runId}`,
    });
  }

  /** Marks the run deleted (MLflow keeps it, restorable, until `mlflow gc`). */
  async deleteRun(runId: string): Promise<void> {
    await this.#api({
      method: "POST",
      path: "runs/delete",
      json: { run_id: runId },
      what: `deleting run ${runId}`,
    });
  }

  /** Uploads a local file (streamed from disk, read again on a retry) or some text as `artifactPath` of the run. */
  async uploadArtifact(
    run: MlflowRun,
    artifactPath: string,
    source: { file: string } | { text: string },
  ): Promise<void> {
    await this.#http.send({
      method: "PUT",
      path: this.#artifactPath(run, artifactPath),
      body: "file" in source ? () => openAsBlob(source.file) : async () => new Blob([source.text]),
      what: `uploading artifact ${artifactPath} of run ${run.info.run_id}`,
    });
  }

  /** Downloads `artifactPath` of the run to `destination`, whole or not at all. */
  async downloadArtifact(run: MlflowRun, artifactPath: string, destination: string): Promise<void> {
    const response = await this.#http.send({
      method: "GET",
      path: this.#artifactPath(run, artifactPath),
      what: `downloading artifact ${artifactPath} of run ${run.info.run_id}`,
    });
    await mkdir(dirname(destination), { recursive: true });
    const partial = `${destination}.partial`;
    try {
      if (response.body === null) throw new Error("empty response");
      await pipeline(Readable.fromWeb(response.body as never), createWriteStream(partial));
      await rename(partial, destination);
    } catch (error) {
      await rm(partial, { force: true });
      throw new MlflowError(
        `downloading artifact ${artifactPath} of run ${run.info.run_id} from the MLflow tracking server at ${this.trackingUri} broke off: ${(error as Error).message}`,
        { trackingUri: this.trackingUri, cause: error },
      );
    }
  }

  async readArtifactText(run: MlflowRun, artifactPath: string): Promise<string> {
    const response = await this.#http.send({
      method: "GET",
      path: this.#artifactPath(run, artifactPath),
      what: `reading artifact ${artifactPath} of run ${run.info.run_id}`,
    });
    return response.text();
  }

  /** The files and folders directly inside `folder` (the run's root when absent), with paths relative to the run's root. */
  async listArtifacts(run: MlflowRun, folder?: string): Promise<MlflowArtifactFile[]> {
    const answer = await this.#api<{ files?: MlflowArtifactFile[] }>({
      method: "GET",
      path: "artifacts/list",
      query: { run_id: run.info.run_id, path: folder },
      what: `listing artifacts of run ${run.info.run_id}`,
    });
    return answer.files ?? [];
  }

  #api<T = unknown>(request: HttpRequest): Promise<T> {
    return this.#http.json<T>({ ...request, path: `/api/2.0/mlflow/${request.path}` });
  }

  /** `#api`, with "not found" as undefined. */
  async #find<T>(request: HttpRequest): Promise<T | undefined> {
    try {
      return await this.#api<T>(request);
    } catch (error) {
      if (error instanceof MlflowError && error.notFound) return undefined;
      throw error;
    }
  }

  /** The proxy URL path of an artifact: `mlflow-artifacts:/<exp>/<run>/artifacts` + `/<path>`. */
  #artifactPath(run: MlflowRun, artifactPath: string): string {
    const uri = run.info.artifact_uri;
    const match = /^mlflow-artifacts:(?:\/\/[^/]*)?\/*(.*)$/.exec(uri);
    if (match === null) {
      throw new MlflowError(
        `run ${run.info.run_id} keeps its artifacts at ${uri}, which the MLflow tracking server at ${this.trackingUri} does not serve`,
        {
          trackingUri: this.trackingUri,
          hint: "start `mlflow server` with --serve-artifacts (and no --default-artifact-root pointing elsewhere), so artifacts go through its proxy",
        },
      );
    }
    const segments = [...(match[1] ?? "").split("/"), ...artifactPath.split("/")].filter((s) => s !== "");
    return `/api/2.0/mlflow-artifacts/artifacts/${segments.map(encodeURIComponent).join("/")}`;
  }
}

function describeBatch(batch: BatchEntities): string {
  const parts: string[] = [];
  if (batch.metrics?.length) parts.push(`${batch.metrics.length} metrics`);
  if (batch.params?.length) parts.push(`${batch.params.length} params`);
  if (batch.tags?.length) parts.push(`${batch.tags.length} tags`);
  return parts.join(", ") || "nothing";
}

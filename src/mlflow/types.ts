/** The parts of MLflow's REST entities this project reads (MLflow 2.x and 3.x agree on them). */

export type MlflowRunStatus = "RUNNING" | "SCHEDULED" | "FINISHED" | "FAILED" | "KILLED";

export interface MlflowKeyValue {
  readonly key: string;
  readonly value: string;
}

export interface MlflowMetric {
  readonly key: string;
  readonly value: number;
  readonly timestamp: number;
  readonly step: number;
}

export interface MlflowRunInfo {
  readonly run_id: string;
  readonly run_name?: string;
  readonly experiment_id: string;
  readonly status: MlflowRunStatus;
  readonly start_time?: number;
  readonly end_time?: number;
  readonly artifact_uri: string;
  readonly lifecycle_stage: "active" | "deleted";
}

export interface MlflowRun {
  readonly info: MlflowRunInfo;
  readonly data: {
    readonly tags?: readonly MlflowKeyValue[];
    readonly params?: readonly MlflowKeyValue[];
    readonly metrics?: readonly MlflowMetric[];
  };
}

export interface MlflowExperiment {
  readonly experiment_id: string;
  readonly name: string;
  readonly artifact_location?: string;
  readonly lifecycle_stage: "active" | "deleted";
}

export interface MlflowArtifactFile {
  /** Relative to the listed folder's run root (tracking API) or to the listed folder (proxy API). */
  readonly path: string;
  readonly is_dir: boolean;
  readonly file_size?: number;
}

/** A map as the REST API's list of key/value pairs (runTags is the inverse). */
export function keyValues(record: Record<string, string>): MlflowKeyValue[] {
  return Object.entries(record).map(([key, value]) => ({ key, value }));
}

/** A run's tags as a map (the REST API sends a list). */
export function runTags(run: MlflowRun): Record<string, string> {
  return Object.fromEntries((run.data.tags ?? []).map((tag) => [tag.key, tag.value]));
}

export function runParams(run: MlflowRun): Record<string, string> {
  return Object.fromEntries((run.data.params ?? []).map((param) => [param.key, param.value]));
}

/** The latest value of each metric of a run. */
export function runMetrics(run: MlflowRun): Record<string, number> {
  return Object.fromEntries((run.data.metrics ?? []).map((metric) => [metric.key, metric.value]));
}

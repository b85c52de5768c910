import type { ResultLocation } from "./notes.js";
import type { MlflowRun } from "./types.js";

/** The artifact of a step run that says where its result is (a copy per execution would cost the result's size each time). */
export const RESULT_ARTIFACT = "result.json";

/**
 * The content of `result.json`: the cache run and the artifact path of the step's result, as
 * MLflow's clients take them (`mlflow.artifacts.download_artifacts(artifact_uri)`, or
 * `run_id` and `artifact_path`), and what decodes it (formed's format).
 */
export interface ResultPointer {
  readonly fingerprint: string;
  readonly format: string;
  readonly run_id: string;
  readonly experiment_id: string;
  readonly artifact_path: string;
  readonly artifact_uri: string;
  /** Size and sha256 of every file of `artifact_path`, relative to the cache run's root. */
  readonly manifest_path: string;
}

export function resultLocation(cacheRun: MlflowRun, artifactPath: string): ResultLocation {
  const runId = cacheRun.info.run_id;
  return {
    runId,
    experimentId: cacheRun.info.experiment_id,
    uri: `runs:/${runId}/${artifactPath}`,
    artifactPath,
  };
}

export function resultPointer(
  location: ResultLocation,
  entry: { readonly fingerprint: string; readonly format: string; readonly manifestPath: string },
): ResultPointer {
  return {
    fingerprint: entry.fingerprint,
    format: entry.format,
    run_id: location.runId,
    experiment_id: location.experimentId,
    artifact_path: location.artifactPath,
    artifact_uri: location.uri,
    manifest_path: entry.manifestPath,
  };
}

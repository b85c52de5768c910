/**
 * The tags formed puts on MLflow runs. They are how runs are found again (search filters), so
 * their names are part of the stored layout: renaming one loses every recorded execution.
 */
export const TAG = {
  /** `execution`, `step` or `cache`. */
  kind: "formed.kind",
  executionId: "formed.execution_id",
  /**
   * The execution's or step's status as formed names it (completed, cached, failure, canceled,
   * ...); `skipped` on the run of a step the execution never reached.
   */
  status: "formed.status",
  startedAt: "formed.started_at",
  finishedAt: "formed.finished_at",
  error: "formed.error",
  stepName: "formed.step.name",
  stepType: "formed.step.type",
  fingerprint: "formed.fingerprint",
  version: "formed.version",
  format: "formed.format",
  /** On a step run: what the cache did for it, one of `CACHE_STATE`. */
  cache: "formed.cache",
  /** On a step run: the cache run holding its result. */
  cacheRunId: "formed.cache.run_id",
  /** On a step run: its result as an artifact URI MLflow's clients download (`runs:/<cache run>/data`). */
  resultUri: "formed.result.uri",
  /** On a cache run: `writing`, then `ready` once every file is uploaded, or `deleted`. */
  cacheStatus: "formed.cache.status",
  /** On a cache run: the step run that computed it (in the executions' experiment). */
  stepRunId: "formed.step.run_id",
  formedVersion: "formed.formed_version",
} as const;

export const KIND = { execution: "execution", step: "step", cache: "cache" } as const;

/** The values of a step run's `formed.cache` tag (documented in the README's MLflow section). */
export const CACHE_STATE = {
  /** Computed, and its result stored in the cache. */
  ran: "ran",
  /** Its result was found in the cache: not computed. */
  cached: "cached",
  /** Computed, not stored: the step is not cacheable. */
  notCached: "not cached",
  /** No result: the step failed, was canceled, or was never reached (skipped). */
  noResult: "no result",
} as const;

/** `formed.status` of the run of a step the execution never reached (not a status a step ever has). */
export const SKIPPED = "skipped";

/** A search filter clause `tags.`KEY` = 'VALUE'`. */
export function tagEquals(key: string, value: string): string {
  return `tags.\`${key}\` = '${value.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}

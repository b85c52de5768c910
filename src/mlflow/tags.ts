/**
 * The tags formed puts on MLflow runs. They are how runs are found again (search filters), so
 * their names are part of the stored layout: renaming one loses every recorded execution.
 */
export const TAG = {
  /** `execution`, `step` or `cache`. */
  kind: "formed.kind",
  executionId: "formed.execution_id",
  /** The execution's or step's status as formed names it (completed, cached, failure, ...). */
  status: "formed.status",
  startedAt: "formed.started_at",
  finishedAt: "formed.finished_at",
  error: "formed.error",
  stepName: "formed.step.name",
  stepType: "formed.step.type",
  fingerprint: "formed.fingerprint",
  version: "formed.version",
  format: "formed.format",
  /** On a step run: `cached` (found in the cache), `ran` (computed and stored), `not cached` (not cacheable). */
  cache: "formed.cache",
  /** On a step run: the cache run holding its result. */
  cacheRunId: "formed.cache.run_id",
  /** On a cache run: `writing`, then `ready` once every file is uploaded, or `deleted`. */
  cacheStatus: "formed.cache.status",
  formedVersion: "formed.formed_version",
} as const;

export const KIND = { execution: "execution", step: "step", cache: "cache" } as const;

/** A search filter clause `tags.`KEY` = 'VALUE'`. */
export function tagEquals(key: string, value: string): string {
  return `tags.\`${key}\` = '${value.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}

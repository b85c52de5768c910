/**
 * MLflow's limits on what one run may log (mlflow/utils/validation.py of MLflow 3.x; 2.x has
 * the same values since 2.9 raised the param value limit from 500 to 6000). A server with
 * lower limits rejects the batch with INVALID_PARAMETER_VALUE, reported with its message.
 */
export const MAX_KEY_LENGTH = 250;
export const MAX_PARAM_VALUE_LENGTH = 6000;
export const MAX_TAG_VALUE_LENGTH = 8000;
export const MAX_METRICS_PER_BATCH = 1000;
export const MAX_PARAMS_PER_BATCH = 100;
export const MAX_TAGS_PER_BATCH = 100;
/** Metrics, params and tags together, per log-batch request. */
export const MAX_ENTITIES_PER_BATCH = 1000;

const ELLIPSIS = "...";

/** `value` cut to `limit` characters, marked as cut, so a long config never fails a run. */
export function truncate(value: string, limit: number): string {
  return value.length <= limit ? value : `${value.slice(0, limit - ELLIPSIS.length)}${ELLIPSIS}`;
}

/**
 * A key MLflow accepts: only (Unicode) letters, digits, `_ - . / : space`, no empty, `.` or `..` segment,
 * no leading or trailing `/`, at most 250 characters. Step names and config keys are free text,
 * so anything else becomes `_`.
 */
export function sanitizeKey(key: string): string {
  const segments = key
    .replace(/[^/\p{L}\p{N}_.\- :]/gu, "_")
    .split("/")
    .filter((segment) => segment !== "")
    .map((segment) => (segment === "." || segment === ".." ? segment.replace(/\./g, "_") : segment));
  const joined = segments.join("/") || "_";
  return joined.length <= MAX_KEY_LENGTH ? joined : joined.slice(0, MAX_KEY_LENGTH);
}

import { isPlainObject } from "../construct/config-value.js";
import { isRefObject } from "../graph/ref.js";
import { MAX_PARAM_VALUE_LENGTH, sanitizeKey, truncate } from "./limits.js";
import type { MlflowKeyValue, MlflowMetric } from "./types.js";

/**
 * A step's config as MLflow params: nested objects become dotted keys (`model.hidden_size`), a
 * ref becomes `ref:NAME`, arrays and other values their JSON text, everything within MLflow's
 * key and value limits. `type` is left out: it is a tag of the run.
 */
export function configParams(config: Record<string, unknown>): MlflowKeyValue[] {
  const params = new Map<string, string>();
  addConfigParams(params, config, "");
  return [...params].map(([key, value]) => ({ key, value }));
}

/**
 * Every step's config as params of the execution run, each key prefixed by its step name
 * (`model.hidden_size`, `model.type`), so MLflow's compare view sets executions side by side.
 */
export function executionParams(steps: Readonly<Record<string, Record<string, unknown>>>): MlflowKeyValue[] {
  const params = new Map<string, string>();
  for (const [name, config] of Object.entries(steps)) {
    const type = config.type;
    if (typeof type === "string") add(params, `${name}.type`, type);
    addConfigParams(params, config, name);
  }
  return [...params].map(([key, value]) => ({ key, value }));
}

function add(params: Map<string, string>, key: string, value: string): void {
  const safe = sanitizeKey(key);
  // Two keys that sanitize alike: the first keeps the name, MLflow refuses a param logged twice.
  if (!params.has(safe)) params.set(safe, truncate(value, MAX_PARAM_VALUE_LENGTH));
}

function addConfigParams(params: Map<string, string>, config: Record<string, unknown>, prefix: string): void {
  const visit = (value: unknown, key: string): void => {
    if (isRefObject(value) && typeof value.ref === "string") {
      add(params, key, `ref:${value.ref}`);
    } else if (isPlainObject(value) && Object.keys(value).length === 0) {
      add(params, key, "{}");
    } else if (isPlainObject(value)) {
      for (const [child, item] of Object.entries(value)) visit(item, key === "" ? child : `${key}.${child}`);
    } else {
      add(params, key, typeof value === "string" ? value : (JSON.stringify(value) ?? String(value)));
    }
  };
  for (const [key, value] of Object.entries(config)) {
    if (key !== "type") visit(value, prefix === "" ? key : `${prefix}.${key}`);
  }
}

/**
 * A step's numeric result as MLflow metrics: a number is one metric named `name`; an object's
 * numbers are metrics named by their dotted paths; an array of numbers is a series (MLflow's
 * `step` is the index), as a loss curve is. Anything else is skipped and its path returned.
 */
export function resultMetrics(
  value: unknown,
  name: string,
  timestamp = Date.now(),
): { metrics: MlflowMetric[]; skipped: string[] } {
  const metrics: MlflowMetric[] = [];
  const skipped: string[] = [];
  const push = (key: string, number: number, step = 0) => {
    if (Number.isFinite(number)) metrics.push({ key: sanitizeKey(key), value: number, timestamp, step });
    else skipped.push(key);
  };
  const visit = (item: unknown, key: string): void => {
    if (typeof item === "number" || typeof item === "bigint") {
      push(key, Number(item));
    } else if (Array.isArray(item) && item.every((entry) => typeof entry === "number")) {
      for (const [index, entry] of item.entries()) push(key, entry as number, index);
    } else if (isPlainObject(item)) {
      for (const [child, entry] of Object.entries(item)) visit(entry, key === "" ? child : `${key}.${child}`);
    } else {
      skipped.push(key === "" ? name : key);
    }
  };
  if (isPlainObject(value)) visit(value, "");
  else visit(value, name);
  return { metrics, skipped };
}

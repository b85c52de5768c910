import { type ConfigIssue, ConfigurationError, describeValue } from "../errors.js";
import { configDepthIssue } from "./config-depth.js";

/** One step of a workflow config: its registered `type` and the arguments of that step. */
export type StepConfig = { type: string; [key: string]: unknown };

/** A workflow config as written in Jsonnet or JSON: `{ steps: { NAME: { type: STEP, ...args } } }`. */
export type WorkflowConfig = { steps: Record<string, StepConfig> };

/** Keys allowed at the top level; `$schema` lets editors validate config files against `formed workflow schema`. */
const TOP_LEVEL_KEYS = new Set(["steps", "$schema"]);

/**
 * Checks only the outer shape (steps is an object of objects with a string `type`); whether each
 * step's arguments fit its type is the graph builder's job. Every problem is reported at once.
 */
export function validateWorkflowConfigShape(value: unknown, file?: string): WorkflowConfig {
  const issues: ConfigIssue[] = [];
  const fail = (): never => {
    throw new ConfigurationError(issues, file === undefined ? {} : { file });
  };

  if (!isPlainObject(value)) {
    issues.push({
      path: "",
      message: `expected an object with "steps", got ${describeValue(value)}`,
    });
    return fail();
  }
  // First: everything after this walks the config, some of it by recursion.
  issues.push(...configDepthIssues(value));
  if (issues.length > 0) fail();

  for (const key of Object.keys(value)) {
    if (!TOP_LEVEL_KEYS.has(key)) {
      issues.push({ path: key, message: 'unknown key; a workflow config has only "steps" (and "$schema")' });
    }
  }

  if (!("steps" in value)) {
    issues.push({ path: "steps", message: "missing; expected an object mapping step names to step configs" });
  } else if (!isPlainObject(value.steps)) {
    issues.push({
      path: "steps",
      message: `expected an object mapping step names to step configs, got ${describeValue(value.steps)}`,
    });
  } else {
    for (const [name, step] of Object.entries(value.steps)) {
      const path = `steps.${name}`;
      if (!isPlainObject(step)) {
        issues.push({ path, message: `expected an object with a "type", got ${describeValue(step)}` });
      } else if (!("type" in step)) {
        issues.push({ path: `${path}.type`, message: "missing; expected a string naming the step type" });
      } else if (typeof step.type !== "string") {
        issues.push({
          path: `${path}.type`,
          message: `expected a string naming the step type, got ${describeValue(step.type)}`,
        });
      }
    }
  }

  if (issues.length > 0) fail();
  return value as WorkflowConfig;
}

/**
 * Each step config (or, in a config of another shape, the whole value) nested deeper than
 * MAX_CONFIG_DEPTH, with its path. Depth counts from the step config, so the limit is the same
 * for every step whatever the config around it.
 */
export function configDepthIssues(value: unknown): ConfigIssue[] {
  if (isPlainObject(value) && isPlainObject(value.steps)) {
    const { steps, ...rest } = value;
    const found = Object.entries(steps).map(([name, step]) => configDepthIssue(step, ["steps", name]));
    found.push(configDepthIssue(rest));
    return found.filter((issue) => issue !== undefined);
  }
  return [configDepthIssue(value)].filter((issue) => issue !== undefined);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

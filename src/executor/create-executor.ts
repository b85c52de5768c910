import { ConfigurationError } from "../errors.js";
import { DefaultExecutor } from "./default-executor.js";
import type { WorkflowExecutor } from "./executor.js";

const EXECUTORS: Record<string, () => WorkflowExecutor> = {
  default: () => new DefaultExecutor(),
  // The seed's name for the same thing.
  sequential: () => new DefaultExecutor(),
};

/** Builds the executor `workflow.executor` of formed.yml names. */
export function createExecutor(
  spec: { type: string; [option: string]: unknown },
  settingsFile?: string,
): WorkflowExecutor {
  const factory = EXECUTORS[spec.type];
  const issues = [];
  if (factory === undefined) {
    issues.push({
      path: "workflow.executor.type",
      message: `unknown executor "${spec.type}"; expected one of ${Object.keys(EXECUTORS).join(", ")}`,
    });
  }
  for (const key of Object.keys(spec)) {
    if (key !== "type")
      issues.push({
        path: `workflow.executor.${key}`,
        message: "unknown option (the default executor takes none)",
      });
  }
  if (issues.length > 0 || factory === undefined) {
    throw new ConfigurationError(issues, {
      code: "E_SETTINGS",
      ...(settingsFile === undefined ? {} : { file: settingsFile }),
    });
  }
  return factory();
}

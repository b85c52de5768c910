import { userInfo } from "node:os";
import type { ExecutionMetadata } from "../organizer/metadata.js";
import { MAX_TAG_VALUE_LENGTH, truncate } from "./limits.js";

/**
 * The tags MLflow's own clients put on every run they start, nested ones too (mlflow/tracking/
 * context/default_context.py and git_context.py): who, what was run, and at which commit. The UI
 * shows them as the run's User and Source. What was run is the config file (the Python client
 * names its script); `formed workflow list` reads it back as the execution's config.
 */
export function sourceTags(metadata: ExecutionMetadata | undefined): Record<string, string> {
  const tags: Record<string, string> = { "mlflow.user": currentUser(), "mlflow.source.type": "LOCAL" };
  if (metadata?.config !== undefined) {
    tags["mlflow.source.name"] = truncate(metadata.config, MAX_TAG_VALUE_LENGTH);
  }
  if (metadata?.git != null) {
    tags["mlflow.source.git.commit"] = metadata.git.commit;
    // As MLflow's git versioning (mlflow.genai) sets it: uncommitted changes were part of the run.
    tags["mlflow.source.git.dirty"] = String(metadata.git.dirty);
  }
  return tags;
}

function currentUser(): string {
  try {
    return userInfo().username;
  } catch {
    return "unknown";
  }
}

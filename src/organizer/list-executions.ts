/** The executions of any organizer, summarized, and the cache inventory of one that has it. */
import type { CacheInventory } from "../cache/inventory.js";
import { FormedError } from "../errors.js";
import type { ArchivedExecution } from "./archive.js";
import { type ExecutionSummary, newestFirst, summarizeExecution } from "./execution-summary.js";
import type { WorkflowOrganizer } from "./organizer.js";

/** Every execution, newest first: from the organizer's summaries, or from each record. */
export async function listExecutions(organizer: WorkflowOrganizer): Promise<ExecutionSummary[]> {
  if (organizer.summaries !== undefined) return organizer.summaries();
  const summaries: ExecutionSummary[] = [];
  for (const id of await organizer.list()) {
    const execution = await organizer.get(id);
    if (execution !== undefined) summaries.push(summarizeExecution(execution));
  }
  return newestFirst(summaries);
}

/** A recorded execution; an unknown id is an error that says which ids there are. */
export async function requireExecution(organizer: WorkflowOrganizer, id: string): Promise<ArchivedExecution> {
  const execution = await organizer.get(id);
  if (execution !== undefined) return execution;
  const ids = await organizer.list();
  throw new FormedError("E_EXECUTION", `no execution ${id} in the ${organizer.kind} organizer`, {
    hint:
      ids.length === 0
        ? "no execution is recorded yet: run one with `formed workflow run CONFIG`"
        : "`formed workflow list` shows the recorded executions",
  });
}

/** The organizer's cache inventory; an organizer whose cache cannot be listed is an error. */
export function requireInventory(organizer: WorkflowOrganizer): CacheInventory {
  const inventory = organizer.inventory?.();
  if (inventory !== undefined) return inventory;
  throw new FormedError(
    "E_CACHE",
    `the ${organizer.kind} organizer's cache (${organizer.cache.kind}) cannot be listed from the command line`,
    {
      hint:
        organizer.kind === "memory"
          ? "the memory organizer keeps results in one process only; use the filesystem or mlflow organizer in formed.yml"
          : "use the filesystem or mlflow organizer in formed.yml",
    },
  );
}

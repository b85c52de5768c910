import { FormedError } from "../../errors.js";
import { ExecutionRecords } from "../../workflow/execution-records.js";
import { formatBytes } from "../records-display.js";
import type { Terminal } from "../terminal.js";
import { type ConfigCommandOptions, loadProjectAndGraph } from "./load-graph.js";

export interface CacheRemoveCommandOptions extends ConfigCommandOptions {
  config: string;
}

/**
 * `formed cache remove STEP --config CONFIG`: removes the entry of STEP's key for that config, so
 * the next run computes it again (and runs what reads it again if its result changes).
 */
export async function cacheRemoveCommand(
  terminal: Terminal,
  step: string,
  options: CacheRemoveCommandOptions,
): Promise<number> {
  const { project, graph } = await loadProjectAndGraph(options.config, options);
  // An unknown STEP is refused here, with the names there are.
  const plan = await project.plan(graph, { steps: [step], stepsOption: "STEP" });
  const planned = plan.find((entry) => entry.name === step)!;
  const node = graph.get(step)!;
  if (!node.shouldBeCached) {
    terminal.out(
      `step "${step}" is not cached (deterministic: false or cacheable: false): nothing to remove\n`,
    );
    return 0;
  }
  if (planned.key === undefined) {
    const waits = planned.reasons.flatMap((reason) => (reason.kind === "waits" ? [reason.step] : []));
    terminal.out(
      `step "${step}" has no cached result for this config: it reads ${waits.join(", ")}, which ${waits.length === 1 ? "is" : "are"} not cached; nothing removed\n`,
    );
    return 0;
  }
  const fingerprint = planned.key.fingerprint;
  const outcome = await ExecutionRecords.of(project.organizer).removeEntry(fingerprint);
  if (outcome.removed) {
    terminal.out(
      `removed the cached result of step "${step}" (${fingerprint}, ${formatBytes(outcome.bytes)})\n`,
    );
    return 0;
  }
  if (outcome.reason === "gone") {
    terminal.out(`step "${step}" has no cached result for this config (${fingerprint}): nothing removed\n`);
    return 0;
  }
  throw new FormedError(
    "E_CACHE",
    outcome.reason === "in-use"
      ? `the cached result of step "${step}" (${fingerprint}) is in use by a running execution: not removed`
      : `the cached result of step "${step}" (${fingerprint}) is being computed or written by another process: not removed`,
    { hint: "run the command again once that run has ended" },
  );
}

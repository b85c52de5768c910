import { ProgressReporter } from "../progress-reporter.js";
import { reportError } from "../report-error.js";
import type { Terminal } from "../terminal.js";
import { type ConfigCommandOptions, loadProjectAndGraph } from "./load-graph.js";

export interface RunCommandOptions extends ConfigCommandOptions {
  executionId?: string;
  step?: string[];
}

export async function runCommand(
  terminal: Terminal,
  config: string,
  options: RunCommandOptions,
): Promise<number> {
  const { project, graph } = await loadProjectAndGraph(config, options);
  const reporter = new ProgressReporter(terminal);
  const result = await project.run(graph, {
    ...(options.executionId === undefined ? {} : { executionId: options.executionId }),
    ...(options.step === undefined ? {} : { steps: options.step }),
    callbacks: [reporter],
    logSinks: [reporter.logSink],
  });
  if (result.error !== undefined) {
    reportError(terminal, result.error);
    return 1;
  }
  return 0;
}

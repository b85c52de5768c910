import type { WorkflowGraph } from "../../graph/graph.js";
import { WorkflowProject } from "../../workflow/project.js";

/** The options every command that reads a config shares. */
export interface ConfigCommandOptions {
  overrides?: string;
  extVar?: Record<string, string>;
  tlaStr?: Record<string, string>;
  tlaCode?: Record<string, string>;
  settings?: string;
}

/**
 * Loads the project of the working directory and the graph of `config`, as every config
 * command does; `runNext` when the command runs the graph.
 */
export function loadProjectAndGraph(
  config: string,
  options: ConfigCommandOptions,
  runNext = false,
): Promise<{ project: WorkflowProject; graph: WorkflowGraph }> {
  return WorkflowProject.loadWithGraph(config, {
    runNext,
    ...(options.settings === undefined ? {} : { settingsFile: options.settings }),
    ...(options.extVar === undefined ? {} : { extVars: options.extVar }),
    ...(options.tlaStr === undefined ? {} : { tlaVars: options.tlaStr }),
    ...(options.tlaCode === undefined ? {} : { tlaCodes: options.tlaCode }),
    ...(options.overrides === undefined ? {} : { overrides: options.overrides }),
  });
}

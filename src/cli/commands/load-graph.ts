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

/** Loads the project of the working directory and the graph of `config`, as every config command does. */
export async function loadProjectAndGraph(
  config: string,
  options: ConfigCommandOptions,
): Promise<{ project: WorkflowProject; graph: WorkflowGraph }> {
  const project = await WorkflowProject.load(
    options.settings === undefined ? {} : { settingsFile: options.settings },
  );
  const graph = await project.loadGraph(config, {
    ...(options.extVar === undefined ? {} : { extVars: options.extVar }),
    ...(options.tlaStr === undefined ? {} : { tlaVars: options.tlaStr }),
    ...(options.tlaCode === undefined ? {} : { tlaCodes: options.tlaCode }),
    ...(options.overrides === undefined ? {} : { overrides: options.overrides }),
  });
  return { project, graph };
}

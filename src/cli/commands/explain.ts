import { FormedError } from "../../errors.js";
import { planJson, printExplanation } from "../plan-report.js";
import type { Terminal } from "../terminal.js";
import { type ConfigCommandOptions, loadProjectAndGraph } from "./load-graph.js";

export interface ExplainCommandOptions extends ConfigCommandOptions {
  against?: string;
  json?: boolean;
}

/** Why STEP would run or be reused: every part of its key that differs from an earlier execution's. */
export async function explainCommand(
  terminal: Terminal,
  config: string,
  step: string,
  options: ExplainCommandOptions,
): Promise<number> {
  const { project, graph } = await loadProjectAndGraph(config, options);
  if (options.against !== undefined) await project.getExecution(options.against);
  const plan = await project.plan(graph, {
    steps: [step],
    ...(options.against === undefined ? {} : { against: options.against }),
  });
  const planned = plan.find((entry) => entry.name === step);
  if (planned === undefined) throw new FormedError("E_NOT_FOUND", `no step "${step}" in ${config}`);
  if (options.json === true) terminal.out(`${JSON.stringify(planJson([planned])[0], null, 2)}\n`);
  else printExplanation(terminal, planned);
  return 0;
}

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
    stepsOption: "STEP",
    ...(options.against === undefined ? {} : { against: options.against }),
  });
  // planRun refused an unknown STEP: it is in the plan.
  const planned = plan.find((entry) => entry.name === step)!;
  if (options.json === true) terminal.out(`${JSON.stringify(planJson([planned])[0], null, 2)}\n`);
  else printExplanation(terminal, planned);
  return 0;
}

import { planJson, printPlan } from "../plan-report.js";
import { ProgressReporter } from "../progress-reporter.js";
import { reportError } from "../report-error.js";
import { EXIT_CANCELED, guardRun } from "../run-guard.js";
import type { Terminal } from "../terminal.js";
import { type ConfigCommandOptions, loadProjectAndGraph } from "./load-graph.js";

export interface RunCommandOptions extends ConfigCommandOptions {
  executionId?: string;
  step?: string[];
  force?: string[];
  dryRun?: boolean;
  json?: boolean;
  jobs?: number;
  keepGoing?: boolean;
}

export async function runCommand(
  terminal: Terminal,
  config: string,
  options: RunCommandOptions,
): Promise<number> {
  if (options.dryRun === true) return dryRun(terminal, config, options);
  const { project, graph } = await loadProjectAndGraph(config, options, true);
  const reporter = new ProgressReporter(terminal);
  const cancel = new AbortController();
  const unguard = guardRun(cancel, terminal);
  try {
    const result = await project.run(graph, {
      ...(options.executionId === undefined ? {} : { executionId: options.executionId }),
      ...(options.step === undefined ? {} : { steps: options.step }),
      ...(options.force === undefined ? {} : { force: options.force }),
      ...(options.jobs === undefined ? {} : { jobs: options.jobs }),
      ...(options.keepGoing === undefined ? {} : { keepGoing: options.keepGoing }),
      callbacks: [reporter],
      logSinks: [reporter.logSink],
      signal: cancel.signal,
    });
    if (result.error === undefined) return 0;
    reportError(terminal, result.error);
    return result.execution.state.status === "canceled" ? EXIT_CANCELED : 1;
  } finally {
    unguard();
  }
}

/** `--dry-run`: runs nothing, records nothing; prints what a run would do and why. */
async function dryRun(terminal: Terminal, config: string, options: RunCommandOptions): Promise<number> {
  const { project, graph } = await loadProjectAndGraph(config, options);
  const plan = await project.plan(graph, {
    ...(options.step === undefined ? {} : { steps: options.step }),
    ...(options.force === undefined ? {} : { force: options.force }),
  });
  if (options.json === true)
    terminal.out(`${JSON.stringify({ steps: planJson(plan) }, null, 2)}
`);
  else printPlan(terminal, plan);
  return 0;
}

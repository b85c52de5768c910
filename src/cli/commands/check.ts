import { resolve } from "node:path";
import { type CheckReport, checkProblems } from "../check-report.js";
import { GREEN, paint, type Terminal } from "../terminal.js";
import { type ConfigCommandOptions, loadProjectAndGraph } from "./load-graph.js";

export interface CheckOptions extends ConfigCommandOptions {
  /** `json`: one JSON object on stdout, every problem with its file, line and column. */
  format?: "human" | "json";
}

/**
 * Everything `run` would refuse, found without running a step: unknown steps, missing refs,
 * cycles, arguments that do not fit their types (refs included). Errors surface as the thrown
 * ConfigurationError, listing every problem at once (exit 1); with `--format json`, as a
 * report on stdout (still exit 1).
 */
export async function checkCommand(
  terminal: Terminal,
  config: string,
  options: CheckOptions,
): Promise<number> {
  if (options.format === "json") return checkAsJson(terminal, config, options);
  const { graph } = await loadProjectAndGraph(config, options);
  terminal.out(`${paint(terminal, GREEN, "ok")} ${config}: ${graph.size} steps, no problems found\n`);
  return 0;
}

async function checkAsJson(terminal: Terminal, config: string, options: CheckOptions): Promise<number> {
  const file = resolve(config);
  let report: CheckReport;
  try {
    const { graph } = await loadProjectAndGraph(config, options);
    report = { config: file, ok: true, steps: graph.size, errors: [] };
  } catch (error) {
    report = { config: file, ok: false, errors: await checkProblems(error, file) };
  }
  terminal.out(`${JSON.stringify(report, null, 2)}\n`);
  return report.ok ? 0 : 1;
}

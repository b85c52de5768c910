import { GREEN, paint, type Terminal } from "../terminal.js";
import { type ConfigCommandOptions, loadProjectAndGraph } from "./load-graph.js";

/**
 * Everything `run` would refuse, found without running a step: unknown steps, missing refs,
 * cycles, arguments that do not fit their types (refs included). Errors surface as the thrown
 * ConfigurationError, listing every problem at once (exit 1).
 */
export async function checkCommand(
  terminal: Terminal,
  config: string,
  options: ConfigCommandOptions,
): Promise<number> {
  const { graph } = await loadProjectAndGraph(config, options);
  terminal.out(`${paint(terminal, GREEN, "ok")} ${config}: ${graph.size} steps, no problems found\n`);
  return 0;
}

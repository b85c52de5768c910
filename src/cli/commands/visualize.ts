import { visualizeGraph } from "../../graph/visualize.js";
import { DIM, GREEN, paint, type Terminal } from "../terminal.js";
import { type ConfigCommandOptions, loadProjectAndGraph } from "./load-graph.js";

export async function visualizeCommand(
  terminal: Terminal,
  config: string,
  options: ConfigCommandOptions,
): Promise<number> {
  const { project, graph } = await loadProjectAndGraph(config, options);
  const labels = new Map<string, string>();
  for (const planned of await project.plan(graph)) {
    const node = graph.get(planned.name)!;
    const waits = planned.reasons.find((reason) => reason.kind === "waits");
    let label: string;
    if (!node.shouldBeCached) {
      label = paint(terminal, DIM, `[not cacheable] ${node.type}`);
    } else if (planned.decision === "reuse") {
      label = `${paint(terminal, GREEN, "[cached]")} ${paint(terminal, DIM, node.type)}`;
    } else if (waits?.kind === "waits") {
      label = `[waits for ${waits.step}] ${paint(terminal, DIM, node.type)}`;
    } else {
      label = `[not cached] ${paint(terminal, DIM, node.type)}`;
    }
    labels.set(node.name, label);
  }
  terminal.out(visualizeGraph(graph, (name) => labels.get(name) ?? ""));
  return 0;
}

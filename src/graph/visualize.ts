import type { WorkflowGraph } from "./graph.js";

/**
 * Draws the DAG as a tree in text: each final step (one nothing else reads) is a root, with the
 * steps it reads below it. A step read by several others is drawn in full once and then
 * referred to as "(see above)", so the drawing stays linear in the size of the graph.
 */
export function visualizeGraph(graph: WorkflowGraph, label: (name: string) => string = () => ""): string {
  const readers = new Map<string, number>();
  for (const node of graph.nodes()) {
    for (const dependency of node.dependencies) readers.set(dependency, (readers.get(dependency) ?? 0) + 1);
  }
  const roots = graph.order.filter((name) => !readers.has(name));
  const drawn = new Set<string>();
  const lines: string[] = [];

  const draw = (name: string, prefix: string, connector: string, childPrefix: string): void => {
    const extra = label(name);
    const suffix = extra === "" ? "" : `  ${extra}`;
    if (drawn.has(name)) {
      lines.push(`${prefix}${connector}${name} (see above)`);
      return;
    }
    drawn.add(name);
    lines.push(`${prefix}${connector}${name}${suffix}`);
    const dependencies = graph.get(name)!.dependencies;
    dependencies.forEach((dependency, index) => {
      const last = index === dependencies.length - 1;
      draw(dependency, prefix + childPrefix, last ? "└─ " : "├─ ", last ? "   " : "│  ");
    });
  };
  for (const root of roots) draw(root, "", "• ", "  ");
  return `${lines.join("\n")}\n`;
}

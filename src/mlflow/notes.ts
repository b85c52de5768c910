import type { ArchivedGraph } from "../organizer/archive.js";
import { MAX_TAG_VALUE_LENGTH, truncate } from "./limits.js";

/** What the notes link to: the experiment and the runs made so far, by step name. */
export interface NoteLinks {
  readonly experimentId: string;
  readonly stepRuns: ReadonlyMap<string, string>;
}

/**
 * The markdown shown on an execution run's page (the `mlflow.note.content` tag, the run's
 * "Description" in the UI): each step with what it reads and what reads it, linked to its run.
 */
export function executionNote(id: string, graph: ArchivedGraph, links: NoteLinks): string {
  const lines = [
    `# Workflow execution ${id}`,
    "",
    "| Step | Type | Dependencies | Dependents |",
    "|------|------|--------------|------------|",
  ];
  const dependents = dependentsOf(graph);
  for (const name of graph.order) {
    const step = graph.steps[name];
    if (step === undefined) continue;
    lines.push(
      `| ${link(name, links)} | ${escapeCell(step.type)} | ${list(step.dependencies, links)} | ${list(dependents.get(name) ?? [], links)} |`,
    );
  }
  return truncate(`${lines.join("\n")}\n`, MAX_TAG_VALUE_LENGTH);
}

/** The markdown of a step run: its place in the execution, and where its result is kept. */
export function stepNote(
  name: string,
  executionId: string,
  executionRunId: string,
  graph: ArchivedGraph,
  links: NoteLinks,
  fingerprint: string,
): string {
  const step = graph.steps[name];
  const dependents = dependentsOf(graph).get(name) ?? [];
  const lines = [
    `# Step ${escapeCell(name)}`,
    "",
    `Part of execution [${executionId}](${runUrl(links.experimentId, executionRunId)}).`,
    "",
    "| | |",
    "|---|---|",
    `| Type | ${escapeCell(step?.type ?? "?")} |`,
    `| Fingerprint | \`${fingerprint}\` |`,
    `| Version | \`${step?.version ?? "?"}\` |`,
    `| Format | ${escapeCell(step?.format ?? "?")} |`,
    `| Dependencies | ${list(step?.dependencies ?? [], links)} |`,
    `| Dependents | ${list(dependents, links)} |`,
  ];
  return truncate(`${lines.join("\n")}\n`, MAX_TAG_VALUE_LENGTH);
}

function dependentsOf(graph: ArchivedGraph): Map<string, string[]> {
  const dependents = new Map<string, string[]>();
  for (const name of graph.order) {
    for (const dependency of graph.steps[name]?.dependencies ?? []) {
      dependents.set(dependency, [...(dependents.get(dependency) ?? []), name]);
    }
  }
  return dependents;
}

function runUrl(experimentId: string, runId: string): string {
  return `#/experiments/${experimentId}/runs/${runId}`;
}

function link(name: string, links: NoteLinks): string {
  const runId = links.stepRuns.get(name);
  return runId === undefined
    ? escapeCell(name)
    : `[${escapeCell(name)}](${runUrl(links.experimentId, runId)})`;
}

function list(names: readonly string[], links: NoteLinks): string {
  return names.length === 0 ? "-" : names.map((name) => link(name, links)).join(", ");
}

function escapeCell(text: string): string {
  return text.replace(/[|\\[\]]/g, (char) => `\\${char}`);
}

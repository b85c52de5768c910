import type { ArchivedGraph } from "../organizer/archive.js";
import { MAX_TAG_VALUE_LENGTH, truncate } from "./limits.js";

/** What the notes link to: the experiment and the runs made so far, by step name, with their status. */
export interface NoteLinks {
  readonly experimentId: string;
  readonly stepRuns: ReadonlyMap<string, string>;
  /** `formed.status` of each step run (`skipped` for a step never reached). */
  readonly statuses: ReadonlyMap<string, string>;
}

/** Where a step's result is kept: a cache run, its `data/` folder. */
export interface ResultLocation {
  readonly runId: string;
  readonly experimentId: string;
  /** `runs:/<run>/data`, what `mlflow.artifacts.download_artifacts` takes. */
  readonly uri: string;
  readonly artifactPath: string;
}

/** What a step run's note says besides its place in the graph. */
export interface StepNoteFacts {
  readonly name: string;
  readonly executionId: string;
  readonly executionRunId: string;
  readonly fingerprint: string;
  readonly status: string;
  readonly result?: ResultLocation;
  /** Why there is no result to link (e.g. "not stored: the step is not cacheable"). */
  readonly noResult?: string;
  readonly error?: string;
  /** Markdown saying why a skipped step was never reached. */
  readonly skipped?: string;
}

/** How much of an error a description shows: its first lines, as a terminal would. */
const ERROR_LINES = 20;
const ERROR_CHARACTERS = 3000;

/**
 * The markdown shown on an execution run's page (the `mlflow.note.content` tag, the run's
 * "Description" in the UI): each step with what it reads and what reads it, linked to its run,
 * and its status; the error's first lines when the execution failed.
 */
export function executionNote(
  id: string,
  graph: ArchivedGraph,
  links: NoteLinks,
  state: { readonly status: string; readonly error?: string } | undefined = undefined,
): string {
  const lines = [`# Workflow execution ${id}`, ""];
  if (state?.error !== undefined)
    lines.push(`**${headline(state.status)}**:`, "", ...errorBlock(state.error), "");
  lines.push(
    "| Step | Type | Dependencies | Dependents | Status |",
    "|------|------|--------------|------------|--------|",
  );
  const dependents = dependentsOf(graph);
  for (const name of graph.order) {
    const step = graph.steps[name];
    if (step === undefined) continue;
    lines.push(
      `| ${link(name, links)} | ${escapeCell(step.type)} | ${list(step.dependencies, links)} | ${list(dependents.get(name) ?? [], links)} | ${links.statuses.get(name) ?? "-"} |`,
    );
  }
  return truncate(`${lines.join("\n")}\n`, MAX_TAG_VALUE_LENGTH);
}

/** The markdown of a step run: its error or why it was skipped, where its result is kept, its place in the execution. */
export function stepNote(facts: StepNoteFacts, graph: ArchivedGraph, links: NoteLinks): string {
  const { name, result } = facts;
  const step = graph.steps[name];
  const dependents = dependentsOf(graph).get(name) ?? [];
  const lines = [
    `# Step ${escapeCell(name)}`,
    "",
    `Part of execution [${facts.executionId}](${runUrl(links.experimentId, facts.executionRunId)}).`,
    "",
  ];
  if (facts.error !== undefined)
    lines.push(`**${headline(facts.status)}**:`, "", ...errorBlock(facts.error), "");
  if (facts.skipped !== undefined) lines.push(`**Skipped**: ${facts.skipped}`, "");
  lines.push("| | |", "|---|---|", `| Status | ${escapeCell(facts.status)} |`);
  if (result !== undefined) {
    const cacheRun = runUrl(result.experimentId, result.runId);
    lines.push(
      `| Result | [\`${result.artifactPath}/\`](${cacheRun}/artifacts/${result.artifactPath}) of cache run [${result.runId.slice(0, 12)}](${cacheRun}) |`,
    );
  } else if (facts.noResult !== undefined) {
    lines.push(`| Result | ${escapeCell(facts.noResult)} |`);
  }
  lines.push(
    `| Type | ${escapeCell(step?.type ?? "?")} |`,
    `| Fingerprint | \`${facts.fingerprint || "-"}\` |`,
    `| Version | \`${step?.version ?? "?"}\` |`,
    `| Format | ${escapeCell(step?.format ?? "?")} |`,
    `| Dependencies | ${list(step?.dependencies ?? [], links)} |`,
    `| Dependents | ${list(dependents, links)} |`,
  );
  if (result !== undefined) {
    lines.push(
      "",
      `Download the result: \`mlflow.artifacts.download_artifacts("${result.uri}")\` (also in this run's \`result.json\` and its tag \`formed.result.uri\`).`,
    );
  }
  return truncate(`${lines.join("\n")}\n`, MAX_TAG_VALUE_LENGTH);
}

/** Names as links to their runs, e.g. for a skipped step's reason. */
export function linkedNames(names: readonly string[], links: NoteLinks): string {
  return list(names, links);
}

function headline(status: string): string {
  return status === "failure" ? "Failed" : status === "canceled" ? "Canceled" : status;
}

/** The first lines of an error, fenced so markdown leaves them as they are. */
function errorBlock(error: string): string[] {
  const all = error.split(/\r?\n/);
  let shown = all.slice(0, ERROR_LINES).join("\n");
  if (shown.length > ERROR_CHARACTERS) shown = `${shown.slice(0, ERROR_CHARACTERS)}...`;
  else if (all.length > ERROR_LINES) shown += `\n... (${all.length - ERROR_LINES} more lines)`;
  const longestRun = Math.max(0, ...(shown.match(/`+/g) ?? []).map((run) => run.length));
  const fence = "`".repeat(Math.max(3, longestRun + 1));
  return [`${fence}text`, shown, fence];
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

/** A link within the MLflow UI (its routes are hash routes). */
export function runUrl(experimentId: string, runId: string): string {
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

/** Where a cache entry was computed, when the cache knows it (see `MlflowCache.attachStep`). */
export interface ComputedBy {
  readonly runId: string;
  readonly experimentId?: string;
  readonly stepName?: string;
  readonly stepType?: string;
  readonly executionId?: string;
}

/** The markdown of a cache run: what it holds, what computed it, how to download it. */
export function cacheRunNote(
  runId: string,
  entry: { readonly fingerprint: string; readonly format: string; readonly dataPath: string },
  computedBy: ComputedBy | undefined,
): string {
  const lines = [`# Cached result ${entry.fingerprint.slice(0, 12)}`, ""];
  if (computedBy !== undefined) {
    const step = escapeCell(computedBy.stepName ?? "a step");
    const stepLink =
      computedBy.experimentId === undefined
        ? step
        : `[${step}](${runUrl(computedBy.experimentId, computedBy.runId)})`;
    const type = computedBy.stepType === undefined ? "" : ` (type ${escapeCell(computedBy.stepType)})`;
    const execution = computedBy.executionId === undefined ? "" : ` of execution ${computedBy.executionId}`;
    lines.push(
      `Computed by step ${stepLink}${type}${execution}; every step with this fingerprint reuses it.`,
      "",
    );
  }
  lines.push(
    "| | |",
    "|---|---|",
    `| Fingerprint | \`${entry.fingerprint}\` |`,
    `| Format | ${escapeCell(entry.format)} |`,
    `| Artifacts | \`${entry.dataPath}/\` (what the format wrote), \`manifest.json\` (size and sha256 of each file) |`,
    "",
    `Download: \`mlflow.artifacts.download_artifacts("runs:/${runId}/${entry.dataPath}")\``,
  );
  return truncate(`${lines.join("\n")}\n`, MAX_TAG_VALUE_LENGTH);
}

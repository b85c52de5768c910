/**
 * A `formed worker` runs a step only if its own checkout gives the step the code version the
 * scheduler keyed it with: the same computation as the graph's (`src/graph/step-version.ts`),
 * from this worker's files. Versions are taken once per step type and config: the worker's
 * step processes run the code it loaded when it started, so after changing code a worker must
 * be restarted (its refusals say so).
 */
import { join } from "node:path";
import type { StepConfig } from "../config/workflow-config.js";
import type { DistributedJobData } from "../executor/distributed/job-protocol.js";
import { CodeGraph } from "../fingerprint/code-graph/code-graph.js";
import { CodeVersionMemo } from "../fingerprint/code-version-memo.js";
import { canonicalJson } from "../fingerprint/fingerprint.js";
import { type StepVersion, StepVersions } from "../graph/step-version.js";
import type { WorkflowProject } from "./project.js";

/** At most this many differing code units are named. */
const NAMED_UNITS = 5;
/** Versions remembered by step type and config. */
const MAX_KNOWN = 10_000;

export class WorkerCodeCheck {
  readonly #project: WorkflowProject;
  readonly #versions: StepVersions;
  readonly #memo: CodeVersionMemo;
  readonly #codeGraph: CodeGraph;
  readonly #known = new Map<string, StepVersion>();

  private constructor(
    project: WorkflowProject,
    versions: StepVersions,
    memo: CodeVersionMemo,
    graph: CodeGraph,
  ) {
    this.#project = project;
    this.#versions = versions;
    this.#memo = memo;
    this.#codeGraph = graph;
  }

  /** The checker of `project`'s code (its types read first: the classes a config builds are part of a step's code). */
  static async open(project: WorkflowProject): Promise<WorkerCodeCheck> {
    const types = await project.types();
    const memo = CodeVersionMemo.open(join(project.cwd, ".formed", "code-versions.json"));
    const codeGraph = new CodeGraph({
      root: project.cwd,
      memoFile: join(project.cwd, ".formed", "code-graph.json"),
    });
    const versions = new StepVersions({ codeVersions: memo, codeGraph, types, cwd: project.cwd });
    return new WorkerCodeCheck(project, versions, memo, codeGraph);
  }

  /** Why this worker refuses the job, or undefined when it runs the scheduler's code. `where`: this worker, for the message. */
  refusal(data: DistributedJobData, where: string): string | undefined {
    const { step, type, config, version } = data.job;
    const registered = this.#project.steps.get(type);
    if (registered === undefined) {
      return `step "${step}": its type "${type}" is not registered in the worker ${where} (are its modules the scheduler's?)`;
    }
    const mine = this.#versionOf(type, config);
    if (mine === undefined || mine.version === version) return undefined;
    const differing = differingUnits(data.units, mine);
    const units =
      differing.length === 0
        ? ""
        : `; the code that differs: ${differing.slice(0, NAMED_UNITS).join(", ")}${differing.length > NAMED_UNITS ? `, and ${differing.length - NAMED_UNITS} more` : ""}`;
    return (
      `step "${step}" refused by the worker ${where}: its code version there is ${mine.version}, ` +
      `the scheduler's is ${version}${units}. Run the same code on both (and restart workers after changing it)`
    );
  }

  /** Writes the memos, so a restarted worker parses nothing it parsed before. */
  save(): void {
    this.#memo.save();
    this.#codeGraph.save();
  }

  #versionOf(type: string, config: StepConfig): StepVersion | undefined {
    const key = `${type}\0${canonicalJson(config)}`;
    let known = this.#known.get(key);
    if (known === undefined) {
      const registered = this.#project.steps.get(type);
      if (registered === undefined) return undefined;
      known = this.#versions.of(registered, config);
      if (this.#known.size >= MAX_KNOWN) this.#known.clear(); // a long-lived worker sees many configs
      this.#known.set(key, known);
    }
    return known;
  }
}

/** Code unit ids whose hash differs between the scheduler's (`theirs`) and this worker's version. */
function differingUnits(theirs: Readonly<Record<string, string>> | undefined, mine: StepVersion): string[] {
  if (theirs === undefined || mine.stepCode === undefined) return [];
  const ours = new Map(mine.stepCode.units.map((unit) => [unit.id, unit.hash]));
  const ids = new Set([...ours.keys(), ...Object.keys(theirs)]);
  return [...ids].filter((id) => ours.get(id) !== theirs[id]).sort();
}

/**
 * What a run would do, without running anything (`--dry-run`, `visualize`, `explain`): for each
 * step in order, whether its result would be reused or it would run, and why. A step whose
 * input must first be computed cannot know its key (its key is made of that input's content):
 * it "waits for" that step, rather than guessing.
 */
import type { WorkflowCache } from "../cache/cache.js";
import { storedDigest } from "../cache/result-digest.js";
import { diffKeys, type KeyDifference, type RecordedKey } from "../fingerprint/key-diff.js";
import {
  type ExecutionKeys,
  isKeyed,
  makeStepKey,
  refPathKey,
  type StepKeyRecord,
} from "../fingerprint/step-key.js";
import type { ClassRegistry } from "../format/class-registry.js";
import type { WorkflowGraph } from "../graph/graph.js";
import type { StepNode } from "../graph/step-node.js";
import { type FieldDigestMemo, inputDigest } from "./input-digests.js";

export interface PlannedStep {
  readonly name: string;
  readonly decision: "reuse" | "run" | "waits";
  /** Why it runs or waits, most telling first; empty when reused. */
  readonly reasons: readonly KeyDifference[];
  /** The key, when every input is known. */
  readonly key?: { readonly fingerprint: string; readonly record: StepKeyRecord };
  /** The execution the reasons compare against. */
  readonly against?: string;
  /** Dynamic imports of computed paths in the step's code: their targets are not part of its version. */
  readonly notFollowed: readonly { readonly unit: string; readonly text: string }[];
}

/** Where earlier keys come from: the organizer's executions, newest first. */
export type KeyHistory = AsyncIterable<{ readonly id: string; readonly keys: ExecutionKeys }>;

export interface PlanRunOptions {
  readonly cache: WorkflowCache;
  readonly history?: KeyHistory;
  /** Compare with this execution only (`explain --against`). */
  readonly against?: string;
  readonly targets?: readonly string[];
  /** How `targets` was given, for the error naming an unknown one (default `--step`). */
  readonly targetsOption?: string;
  readonly force?: readonly string[];
  readonly fieldDigests: FieldDigestMemo;
  readonly classes: ClassRegistry;
}

/** The plan of every step the run would visit, in execution order. */
export async function planRun(graph: WorkflowGraph, options: PlanRunOptions): Promise<PlannedStep[]> {
  if (options.force !== undefined) graph.closure(options.force, "--force");
  const nodes =
    options.targets === undefined ? graph.nodes() : graph.closure(options.targets, options.targetsOption);
  const earlier = new EarlierKeys(options.history, options.against);
  const planned = new Map<string, PlannedStep>();
  const force = new Set(options.force ?? []);
  for (const node of nodes) {
    const step = await planStep(graph, node, planned, earlier, force, options);
    planned.set(node.name, { ...step, notFollowed: node.key.code?.notFollowed ?? [] });
  }
  return [...planned.values()];
}

async function planStep(
  graph: WorkflowGraph,
  node: StepNode,
  planned: ReadonlyMap<string, PlannedStep>,
  earlier: EarlierKeys,
  force: ReadonlySet<string>,
  options: PlanRunOptions,
): Promise<Omit<PlannedStep, "notFollowed">> {
  const digests = new Map<string, string>();
  const waitsFor: string[] = [];
  for (const ref of node.refs) {
    // An ignored argument's ref does not enter the key (as the executor makes it).
    if (!isKeyed(node.key, ref)) continue;
    const upstream = planned.get(ref.step)!;
    if (upstream.decision !== "reuse" || upstream.key === undefined) {
      if (!waitsFor.includes(ref.step)) waitsFor.push(ref.step);
      continue;
    }
    const cacheKey = { fingerprint: upstream.key.fingerprint, format: graph.get(ref.step)!.format };
    const digest = await inputDigest(
      {
        digest: () => storedDigest(options.cache, cacheKey),
        load: () => options.cache.get(cacheKey),
      },
      ref.field,
      options.fieldDigests,
      options.classes,
    );
    digests.set(refPathKey(ref.path), digest);
  }
  const previous = await earlier.find(node.name);
  const against = previous === undefined ? {} : { against: previous.id };
  if (waitsFor.length > 0) {
    const reasons: KeyDifference[] = waitsFor.map((step) => ({ kind: "waits", step }));
    // The rest of the key is known: what else changed is worth saying too.
    if (previous !== undefined) reasons.push(...staticDifferences(node, previous.recorded));
    return { name: node.name, decision: "waits" as const, reasons, ...against };
  }
  const key = makeStepKey(node.key, digests);
  const run = (reasons: KeyDifference[]): Omit<PlannedStep, "notFollowed"> => ({
    name: node.name,
    decision: "run",
    reasons,
    key,
    ...against,
  });
  if (force.has(node.name)) return run([{ kind: "forced" }]);
  if (!node.deterministic && node.cacheable !== true) return run([{ kind: "not-deterministic" }]);
  if (!node.shouldBeCached) return run([{ kind: "not-cacheable" }]);
  if (await options.cache.has({ fingerprint: key.fingerprint, format: node.format })) {
    return { name: node.name, decision: "reuse" as const, reasons: [], key, ...against };
  }
  if (previous === undefined) return run([{ kind: "no-earlier" }]);
  const reasons = diffKeys(previous.recorded, { record: key.record, units: unitsOf(node) }, node.name);
  return run(reasons.length > 0 ? reasons : [{ kind: "entry-missing", fingerprint: key.fingerprint }]);
}

/** Differences that do not depend on upstream results, for a step that waits. */
function staticDifferences(node: StepNode, previous: RecordedKey): KeyDifference[] {
  const digests = new Map(node.refs.map((ref) => [refPathKey(ref.path), "unknown"]));
  const record = { ...makeStepKey(node.key, digests).record, upstream: [] };
  return diffKeys(
    { ...previous, record: { ...previous.record, upstream: [] } },
    { record, units: unitsOf(node) },
    node.name,
  );
}

function unitsOf(node: StepNode): ExecutionKeys["units"] {
  const units: Record<string, { hash: string; text?: string }> = {};
  for (const unit of node.key.code?.units ?? []) {
    units[unit.id] = { hash: unit.hash, ...(unit.text === undefined ? {} : { text: unit.text }) };
  }
  return units;
}

/** The latest recorded key of each step, reading executions newest first, each once. */
class EarlierKeys {
  readonly #iterator: AsyncIterator<{ readonly id: string; readonly keys: ExecutionKeys }> | undefined;
  readonly #read: { readonly id: string; readonly keys: ExecutionKeys }[] = [];
  readonly #against: string | undefined;
  #done = false;

  constructor(history: KeyHistory | undefined, against: string | undefined) {
    this.#iterator = history?.[Symbol.asyncIterator]();
    this.#against = against;
  }

  async find(step: string): Promise<{ id: string; recorded: RecordedKey } | undefined> {
    const match = (entry: { readonly id: string; readonly keys: ExecutionKeys }) => {
      const record = entry.keys.steps[step];
      if (record === undefined || (this.#against !== undefined && entry.id !== this.#against))
        return undefined;
      return { id: entry.id, recorded: { record, units: entry.keys.units } };
    };
    for (const entry of this.#read) {
      const found = match(entry);
      if (found !== undefined) return found;
    }
    while (!this.#done && this.#iterator !== undefined) {
      const next = await this.#iterator.next();
      if (next.done === true) {
        this.#done = true;
        break;
      }
      this.#read.push(next.value);
      const found = match(next.value);
      if (found !== undefined) return found;
    }
    return undefined;
  }
}

/**
 * What differs between two executions (`formed workflow diff`): their circumstances (git, Node,
 * formed, the project's package versions), and per step its key (config by path, code, the
 * packages its code imports, upstream results: the same differences `explain` gives, from the
 * keys both recorded) and its result: the same, different (by content digest), or only in one.
 */
import { diffKeys, type KeyDifference } from "../fingerprint/key-diff.js";
import type { ExecutionKeys, StepKeyRecord } from "../fingerprint/step-key.js";
import type { ArchivedExecution, ArchivedStep } from "./archive.js";

export interface ValueChange {
  readonly name: string;
  readonly old?: unknown;
  readonly new?: unknown;
}

export type StepComparison =
  /** Both results are stored with the same content (the same entry, or entries of equal digests). */
  | "same-result"
  | "different-result"
  /** A result is not known on one side: the step did not finish, is not cacheable, or its entry is gone. */
  | "unknown"
  | "only-in-first"
  | "only-in-second";

export interface StepDiff {
  readonly name: string;
  readonly result: StepComparison;
  /** Why the result is unknown. */
  readonly note?: string;
  readonly fingerprints: { readonly first?: string; readonly second?: string };
  readonly digests: { readonly first?: string; readonly second?: string };
  /** How the second's key differs from the first's. */
  readonly differences: readonly KeyDifference[];
}

export interface ExecutionDiff {
  readonly first: string;
  readonly second: string;
  /** Git, Node, formed, platform, config file, environment. */
  readonly circumstances: readonly ValueChange[];
  /** The project's installed package versions (metadata). */
  readonly packages: readonly ValueChange[];
  readonly steps: readonly StepDiff[];
}

export interface DiffSources {
  readonly keys: { readonly first?: ExecutionKeys; readonly second?: ExecutionKeys };
  /** The content digest of a stored result (undefined when not in the cache). */
  digestOf(fingerprint: string, format: string): Promise<string | undefined>;
}

export async function diffExecutions(
  first: ArchivedExecution,
  second: ArchivedExecution,
  sources: DiffSources,
): Promise<ExecutionDiff> {
  const names = [...first.graph.order];
  for (const name of second.graph.order) if (!first.graph.steps[name]) names.push(name);
  const steps: StepDiff[] = [];
  for (const name of names) steps.push(await diffStep(name, first, second, sources));
  return {
    first: first.id,
    second: second.id,
    circumstances: changes(circumstancesOf(first), circumstancesOf(second)),
    packages: changes(first.metadata.packages, second.metadata.packages),
    steps,
  };
}

async function diffStep(
  name: string,
  first: ArchivedExecution,
  second: ArchivedExecution,
  sources: DiffSources,
): Promise<StepDiff> {
  const a = first.graph.steps[name];
  const b = second.graph.steps[name];
  const fa = first.steps[name]?.fingerprint || undefined;
  const fb = second.steps[name]?.fingerprint || undefined;
  const fingerprints = {
    ...(fa === undefined ? {} : { first: fa }),
    ...(fb === undefined ? {} : { second: fb }),
  };
  if (a === undefined || b === undefined) {
    const result = a === undefined ? "only-in-second" : "only-in-first";
    return { name, result, fingerprints, digests: {}, differences: [] };
  }
  const differences = diffKeys(
    { record: keyRecord(a, fa, sources.keys.first), units: sources.keys.first?.units ?? {} },
    { record: keyRecord(b, fb, sources.keys.second), units: sources.keys.second?.units ?? {} },
    name,
  );
  const da = fa === undefined || !a.shouldBeCached ? undefined : await sources.digestOf(fa, a.format);
  const db = fb === undefined || !b.shouldBeCached ? undefined : await sources.digestOf(fb, b.format);
  const digests = { ...(da === undefined ? {} : { first: da }), ...(db === undefined ? {} : { second: db }) };
  if (da !== undefined && db !== undefined) {
    return {
      name,
      result: da === db ? "same-result" : "different-result",
      fingerprints,
      digests,
      differences,
    };
  }
  const note = unknownNote([first, a, fa, da], [second, b, fb, db]);
  return { name, result: "unknown", note, fingerprints, digests, differences };
}

/** Why one side's result is not known. */
function unknownNote(
  ...sides: [ArchivedExecution, ArchivedStep, string | undefined, string | undefined][]
): string {
  for (const [execution, step, fingerprint, digest] of sides) {
    if (digest !== undefined) continue;
    const status = execution.steps[step.name]?.status;
    if (fingerprint === undefined || (status !== "completed" && status !== "cached")) {
      return `it did not finish in ${execution.id} (${status ?? "not run"})`;
    }
    if (!step.shouldBeCached) return `it is not stored (deterministic: false or cacheable: false)`;
    return `its result in ${execution.id} is no longer in the cache`;
  }
  return "";
}

/** The step's recorded key, or one made from its graph record (no code units, no upstream digests). */
function keyRecord(
  step: ArchivedStep,
  fingerprint: string | undefined,
  keys: ExecutionKeys | undefined,
): StepKeyRecord {
  const recorded = keys?.steps[step.name];
  if (recorded !== undefined && (fingerprint === undefined || recorded.fingerprint === fingerprint)) {
    return recorded;
  }
  const { type: _type, ...args } = step.config;
  return {
    fingerprint: fingerprint ?? "",
    type: step.type,
    version: step.version,
    // Without the code units, a version change is all that can be said of the code.
    explicitVersion: true,
    deterministic: step.deterministic,
    cacheable: step.cacheable,
    format: step.format,
    arguments: Object.fromEntries(
      Object.entries(args).filter(([key]) => !step.ignoredArguments.includes(key)),
    ),
    upstream: [],
  };
}

function circumstancesOf(execution: ArchivedExecution): Record<string, unknown> {
  const { metadata } = execution;
  const environment = Object.entries(metadata.environment).map(([key, value]) => [
    `environment.${key}`,
    value,
  ]);
  return {
    config: metadata.config,
    "git.commit": metadata.git?.commit,
    "git.dirty": metadata.git?.dirty,
    node: metadata.node,
    formed: metadata.formedVersion,
    platform: metadata.platform,
    requiredModules: metadata.requiredModules.join(", "),
    ...Object.fromEntries(environment),
  };
}

function changes(
  before: Readonly<Record<string, unknown>>,
  after: Readonly<Record<string, unknown>>,
): ValueChange[] {
  const out: ValueChange[] = [];
  for (const name of [...new Set([...Object.keys(before), ...Object.keys(after)])]) {
    const old = before[name];
    const now = after[name];
    if (JSON.stringify(old) === JSON.stringify(now)) continue;
    out.push({ name, ...(old === undefined ? {} : { old }), ...(now === undefined ? {} : { new: now }) });
  }
  return out;
}

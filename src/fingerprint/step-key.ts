/**
 * How a step's key (its fingerprint) is made, and the record of what it was made from.
 *
 * The graph gives each step the parts known before anything runs (`StaticKeyParts`): its type,
 * its version (explicit, or the version of all the code it reaches), its flags, its format and
 * its arguments. The parts that name other steps' results are known only once those results
 * exist: each ref enters the key as the content digest of the result it reads (early cutoff:
 * an upstream step that runs again and produces the same bytes leaves its readers' keys as
 * they were). The record of the parts (`StepKeyRecord`) is kept with every execution, so that
 * `--dry-run` and `explain` can say which part changed.
 */
import { formatPath, mapRefs, type StepRef } from "../graph/ref.js";
import type { StepCode } from "./code-graph/code-graph.js";
import { stepFingerprint } from "./fingerprint.js";

/** What a step's key is made of before any result exists. */
export interface StaticKeyParts {
  /** The registered step name. */
  readonly type: string;
  /** The explicit `version`, or the version of the code the step reaches. */
  readonly version: string;
  readonly explicitVersion: boolean;
  readonly deterministic: boolean;
  /** As declared: undefined when left to the default. */
  readonly cacheable: boolean | undefined;
  /** The format's identifier. */
  readonly format: string;
  /** The config without `type` and without ignored arguments; refs as written. */
  readonly arguments: Readonly<Record<string, unknown>>;
  /** The refs inside `arguments`, with their paths. */
  readonly refs: readonly StepRef[];
  /** The code the step reaches; absent when its version is explicit. */
  readonly code?: StepCode;
}

/** The digest a ref contributes: of the whole result, or of the field it reads. */
export interface UpstreamDigest {
  /** The ref's path inside the step's config, dotted (`data.items.0`). */
  readonly path: string;
  /** The ref as written: the step name and field path (`prepare.texts`). */
  readonly ref: string;
  readonly step: string;
  readonly digest: string;
}

/** The parts a step's key was made from, as recorded with an execution. */
export interface StepKeyRecord {
  readonly fingerprint: string;
  readonly type: string;
  readonly version: string;
  readonly explicitVersion: boolean;
  readonly deterministic: boolean;
  readonly cacheable: boolean | null;
  readonly format: string;
  readonly arguments: Readonly<Record<string, unknown>>;
  readonly upstream: readonly UpstreamDigest[];
  /** Ids of the code units reached (see `ExecutionKeys.units` for their hashes). */
  readonly units?: readonly string[];
  readonly packages?: Readonly<Record<string, string>>;
  readonly notFollowed?: readonly { readonly unit: string; readonly text: string }[];
}

/** The keys of one execution: every step's record, and the code units they name, once each. */
export interface ExecutionKeys {
  readonly keys: typeof EXECUTION_KEYS_VERSION;
  readonly units: Readonly<Record<string, { readonly hash: string; readonly text?: string }>>;
  readonly steps: Readonly<Record<string, StepKeyRecord>>;
}

export const EXECUTION_KEYS_VERSION = 1;

/** Whether `ref`'s input enters the key (a ref inside an `Ignore<T>` argument does not). */
export function isKeyed(parts: StaticKeyParts, ref: StepRef): boolean {
  return parts.arguments[String(ref.path[0])] !== undefined;
}

/** The key of the ref at `path` among `digests`. */
export function refPathKey(path: readonly (string | number)[]): string {
  return JSON.stringify(path);
}

/**
 * The step's fingerprint and the record of its parts, given the digest of every ref's input
 * (by `refPathKey` of the ref's path). Every ref must have its digest.
 */
export function makeStepKey(
  parts: StaticKeyParts,
  digests: ReadonlyMap<string, string>,
): { fingerprint: string; record: StepKeyRecord } {
  const digestAt = (path: readonly (string | number)[]): string => {
    const digest = digests.get(refPathKey(path));
    if (digest === undefined) throw new Error(`no digest for the ref at ${formatPath(path)}`);
    return digest;
  };
  const args: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(parts.arguments)) {
    // Only the content read enters the key: the upstream step's name does not, so renaming it keeps the cache.
    args[key] = mapRefs(value, (_ref, path) => ({ $digest: digestAt(path) }), [key]);
  }
  const fingerprint = stepFingerprint({
    type: parts.type,
    version: parts.version,
    deterministic: parts.deterministic,
    cacheable: parts.cacheable,
    format: parts.format,
    arguments: args,
  });
  const upstream = parts.refs
    .filter((ref) => isKeyed(parts, ref))
    .map((ref) => ({
      path: formatPath(ref.path),
      ref: [ref.step, ...ref.field].join("."),
      step: ref.step,
      digest: digestAt(ref.path),
    }));
  const code = parts.code;
  const record: StepKeyRecord = {
    fingerprint,
    type: parts.type,
    version: parts.version,
    explicitVersion: parts.explicitVersion,
    deterministic: parts.deterministic,
    cacheable: parts.cacheable ?? null,
    format: parts.format,
    arguments: parts.arguments,
    upstream,
    ...(code === undefined
      ? {}
      : {
          units: code.units.map((unit) => unit.id),
          packages: code.packages,
          ...(code.notFollowed.length === 0 ? {} : { notFollowed: code.notFollowed }),
        }),
  };
  return { fingerprint, record };
}

/** Collects step key records and the code units they reach into one `ExecutionKeys`. */
export class ExecutionKeysBuilder {
  readonly #units: Record<string, { hash: string; text?: string }> = {};
  readonly #steps: Record<string, StepKeyRecord> = {};

  add(step: string, record: StepKeyRecord, code: StepCode | undefined): void {
    this.#steps[step] = record;
    for (const unit of code?.units ?? []) {
      this.#units[unit.id] ??= { hash: unit.hash, ...(unit.text === undefined ? {} : { text: unit.text }) };
    }
  }

  get size(): number {
    return Object.keys(this.#steps).length;
  }

  build(): ExecutionKeys {
    return { keys: EXECUTION_KEYS_VERSION, units: this.#units, steps: this.#steps };
  }
}

/** Whether `value` is an ExecutionKeys record of this version (a damaged or older file is not). */
export function isExecutionKeys(value: unknown): value is ExecutionKeys {
  if (typeof value !== "object" || value === null) return false;
  const keys = value as Partial<ExecutionKeys>;
  return (
    keys.keys === EXECUTION_KEYS_VERSION &&
    typeof keys.units === "object" &&
    keys.units !== null &&
    typeof keys.steps === "object" &&
    keys.steps !== null
  );
}

/**
 * The digests a step's refs contribute to its key: the content digest of the result a ref
 * reads, or, for a field ref (`prepare.texts`), of the field itself, so a reader of one field
 * is not run again when only another field changed.
 *
 * A field's digest needs the value, so it is remembered by the result's digest and the field
 * path (`.formed/field-digests.json`): a cached re-run reads no result to make its keys.
 */
import { createHash } from "node:crypto";
import { serialize } from "node:v8";
import { FileMemo } from "../common/file-memo.js";
import { canonicalJson } from "../fingerprint/fingerprint.js";
import type { ClassRegistry } from "../format/class-registry.js";
import { toTaggedJson } from "../format/tagged-json.js";
import { readField } from "../graph/ref.js";

/** Field digests by `<result digest> <field path>`: a pure function of its key, so never stale. */
export class FieldDigestMemo extends FileMemo<string> {
  constructor(file?: string) {
    super(file, { version: 1, isValue: (value): value is string => typeof value === "string" });
  }
}

/** What a ref reads: the upstream result's digest, and a way to load the result when a field's digest is unknown. */
export interface UpstreamResult {
  digest(): Promise<string>;
  load(): Promise<unknown>;
}

/** The digest of `field` of `result` (the result's own digest for an empty field path). */
export async function inputDigest(
  result: UpstreamResult,
  field: readonly string[],
  memo: FieldDigestMemo,
  classes: ClassRegistry,
): Promise<string> {
  const whole = await result.digest();
  if (field.length === 0) return whole;
  const key = `${whole} ${JSON.stringify(field)}`;
  const known = memo.get(key);
  if (known !== undefined) return known;
  let digest: string;
  try {
    digest = valueDigest(readField(await result.load(), field), classes) ?? sha(`field ${key}`);
  } catch {
    // The field is not there: the step fails when it reads it; its key only needs to be stable.
    digest = sha(`field ${key}`);
  }
  memo.set(key, digest);
  return digest;
}

/**
 * The digest of a value by its content: canonical tagged JSON (key order does not matter),
 * else V8's serialization (deterministic for the same value), else undefined (a function, a
 * live object): the caller falls back to a digest of where the value came from.
 */
function valueDigest(value: unknown, classes: ClassRegistry): string | undefined {
  if (isStreamed(value)) return undefined;
  try {
    return sha(`json ${canonicalJson(toTaggedJson(value, classes))}`);
  } catch {
    try {
      return createHash("sha256").update("v8 ").update(serialize(value)).digest("hex").slice(0, 32);
    } catch {
      return undefined;
    }
  }
}

/** An iterable read from disk (not an array): hashing it would read a whole stream for a key. */
function isStreamed(value: unknown): boolean {
  return (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    (Symbol.asyncIterator in value ||
      (Symbol.iterator in value && !(value instanceof Map) && !(value instanceof Set)))
  );
}

function sha(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 32);
}

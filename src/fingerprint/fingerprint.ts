import { createHash } from "node:crypto";

/**
 * JSON with object keys sorted at every level, so that two configs that differ only in key
 * order give the same text (and so the same fingerprint). `undefined` members are left out,
 * as JSON.stringify does. A work list rather than recursion: arguments and results may nest
 * deeper than the call stack allows.
 */
export function canonicalJson(value: unknown): string {
  const out: string[] = [];
  // Each item is text to write as is, or a value (boxed, since a value may itself be a string).
  const work: (string | { value: unknown })[] = [{ value }];
  while (work.length > 0) {
    const item = work.pop()!;
    if (typeof item === "string") {
      out.push(item);
      continue;
    }
    const current = item.value;
    if (current === null || typeof current !== "object") {
      if (typeof current === "bigint") out.push(JSON.stringify({ $bigint: current.toString() }));
      else out.push(JSON.stringify(current) ?? "null");
      continue;
    }
    // Pushed in reverse, so they are written in order.
    const parts: (string | { value: unknown })[] = [];
    if (Array.isArray(current)) {
      parts.push("[");
      for (let index = 0; index < current.length; index++) {
        if (index > 0) parts.push(",");
        // A hole writes nothing, as `[...].map(...).join(",")` did.
        if (index in current) parts.push({ value: current[index] });
      }
      parts.push("]");
    } else {
      parts.push("{");
      let first = true;
      for (const key of Object.keys(current).sort()) {
        const member = (current as Record<string, unknown>)[key];
        if (member === undefined) continue;
        parts.push(`${first ? "" : ","}${JSON.stringify(key)}:`, { value: member });
        first = false;
      }
      parts.push("}");
    }
    for (let index = parts.length - 1; index >= 0; index--) work.push(parts[index]!);
  }
  return out.join("");
}

export function sha256Hex(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** Everything a step fingerprint covers (PRODUCT.md, "Caching and fingerprints"). */
export interface FingerprintParts {
  /** The registered step name. */
  readonly type: string;
  /** The explicit version, or the hash of the step's code. */
  readonly version: string;
  readonly deterministic: boolean;
  /** As declared: undefined when left to the default. */
  readonly cacheable: boolean | undefined;
  readonly format: string;
  /**
   * The step's arguments without ignored ones, each ref replaced by the fingerprint of the step
   * it names (and the field path), so renaming an upstream step in the config keeps the cache.
   */
  readonly arguments: unknown;
}

export function stepFingerprint(parts: FingerprintParts): string {
  const text = canonicalJson({
    type: parts.type,
    version: parts.version,
    deterministic: parts.deterministic,
    cacheable: parts.cacheable ?? null,
    format: parts.format,
    arguments: parts.arguments,
  });
  // 128 bits is far beyond any collision risk for a cache and keeps paths short.
  return sha256Hex(text).slice(0, 32);
}

import { createHash } from "node:crypto";

/**
 * JSON with object keys sorted at every level, so that two configs that differ only in key
 * order give the same text (and so the same fingerprint). `undefined` members are left out,
 * as JSON.stringify does.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") {
    if (typeof value === "bigint") return JSON.stringify({ $bigint: value.toString() });
    return JSON.stringify(value) ?? "null";
  }
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item)).join(",")}]`;
  const keys = Object.keys(value).sort();
  const members: string[] = [];
  for (const key of keys) {
    const item = (value as Record<string, unknown>)[key];
    if (item === undefined) continue;
    members.push(`${JSON.stringify(key)}:${canonicalJson(item)}`);
  }
  return `{${members.join(",")}}`;
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

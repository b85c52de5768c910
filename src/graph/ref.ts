/** A `{ type: 'ref', ref: 'NAME.field.sub' }` found somewhere inside a step's config. */
export interface StepRef {
  /** The referenced step's config name. */
  readonly step: string;
  /** Field path into the referenced step's result; empty for the whole result. */
  readonly field: readonly string[];
  /** Where the ref stands inside the referencing step's config (keys and indices). */
  readonly path: readonly (string | number)[];
}

export interface RefObject {
  type: "ref";
  ref: string;
}

export function isRefObject(value: unknown): value is RefObject {
  return (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    (value as { type?: unknown }).type === "ref"
  );
}

/**
 * Splits `'data.count'` into the step `data` and the field path `['count']`. Step names may
 * themselves contain dots, so the longest prefix that names a step wins.
 */
export function parseRef(
  ref: string,
  stepNames: ReadonlySet<string>,
): { step: string; field: string[] } | undefined {
  if (stepNames.has(ref)) return { step: ref, field: [] };
  const parts = ref.split(".");
  for (let cut = parts.length - 1; cut >= 1; cut--) {
    const name = parts.slice(0, cut).join(".");
    if (stepNames.has(name)) return { step: name, field: parts.slice(cut) };
  }
  return undefined;
}

/** Calls `visit` for every ref object inside `value`, with its path, not descending into refs. */
export function forEachRef(
  value: unknown,
  visit: (ref: RefObject, path: (string | number)[]) => void,
  path: (string | number)[] = [],
): void {
  if (isRefObject(value)) {
    visit(value, path);
    return;
  }
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) forEachRef(item, visit, [...path, index]);
  } else if (typeof value === "object" && value !== null) {
    for (const [key, item] of Object.entries(value)) forEachRef(item, visit, [...path, key]);
  }
}

/** A copy of `value` with each ref object replaced by what `replace` gives for it. */
export function mapRefs(
  value: unknown,
  replace: (ref: RefObject, path: (string | number)[]) => unknown,
  path: (string | number)[] = [],
): unknown {
  if (isRefObject(value)) return replace(value, path);
  if (Array.isArray(value)) return value.map((item, index) => mapRefs(item, replace, [...path, index]));
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, mapRefs(item, replace, [...path, key])]),
    );
  }
  return value;
}

/** Reads `field` out of a step result: object properties, Map keys, array indices. */
export function readField(result: unknown, field: readonly string[]): unknown {
  let current = result;
  for (const [index, key] of field.entries()) {
    if (current instanceof Map) {
      current = current.get(key);
    } else if (typeof current === "object" && current !== null && key in current) {
      current = (current as Record<string, unknown>)[key];
    } else {
      const where = field.slice(0, index + 1).join(".");
      throw new Error(`the result has no field "${where}"`);
    }
  }
  return current;
}

export function formatPath(path: readonly (string | number)[]): string {
  return path.map(String).join(".");
}

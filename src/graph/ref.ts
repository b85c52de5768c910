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

/**
 * Field names a ref may never read: they name the prototype machinery of every object, not a
 * result's data (`obj.__proto__` would hand Object.prototype to a step).
 */
export const FORBIDDEN_FIELDS: ReadonlySet<string> = new Set(["__proto__", "constructor", "prototype"]);

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

/** A path as a linked list: a walk shares its parents' paths instead of copying them per value. */
interface PathLink {
  readonly key: string | number;
  readonly parent: PathLink | undefined;
}

function pathOf(base: readonly (string | number)[], link: PathLink | undefined): (string | number)[] {
  const tail: (string | number)[] = [];
  for (let at = link; at !== undefined; at = at.parent) tail.push(at.key);
  return [...base, ...tail.reverse()];
}

/**
 * Calls `visit` for every ref object inside `value`, with its path, not descending into refs.
 * In depth-first order, with a work list rather than recursion: configs may nest deeper than
 * the call stack allows.
 */
export function forEachRef(
  value: unknown,
  visit: (ref: RefObject, path: (string | number)[]) => void,
  path: (string | number)[] = [],
): void {
  const work: { value: unknown; link: PathLink | undefined }[] = [{ value, link: undefined }];
  while (work.length > 0) {
    const { value: current, link } = work.pop()!;
    if (isRefObject(current)) {
      visit(current, pathOf(path, link));
      continue;
    }
    if (typeof current !== "object" || current === null) continue;
    const entries: [string | number, unknown][] = Array.isArray(current)
      ? current.map((item, index) => [index, item])
      : Object.entries(current);
    // Pushed last first, so they are visited in order.
    for (let index = entries.length - 1; index >= 0; index--) {
      const [key, item] = entries[index]!;
      if (typeof item === "object" && item !== null) work.push({ value: item, link: { key, parent: link } });
    }
  }
}

/**
 * A copy of `value` with each ref object replaced by what `replace` gives for it. Iterative, as
 * forEachRef; `replace` is called in the same depth-first order.
 */
export function mapRefs(
  value: unknown,
  replace: (ref: RefObject, path: (string | number)[]) => unknown,
  path: (string | number)[] = [],
): unknown {
  const root: { value?: unknown } = {};
  const work: { value: unknown; link: PathLink | undefined; into: object; key: string | number }[] = [
    { value, link: undefined, into: root, key: "value" },
  ];
  while (work.length > 0) {
    const { value: current, link, into, key } = work.pop()!;
    let copy: unknown = current;
    const children: [string | number, unknown][] = [];
    if (isRefObject(current)) {
      copy = replace(current, pathOf(path, link));
    } else if (Array.isArray(current)) {
      copy = new Array(current.length);
      for (const [index, item] of current.entries()) children.push([index, item]);
    } else if (typeof current === "object" && current !== null) {
      copy = {};
      children.push(...Object.entries(current));
    }
    define(into, key, copy);
    for (let index = children.length - 1; index >= 0; index--) {
      const [childKey, item] = children[index]!;
      work.push({ value: item, link: { key: childKey, parent: link }, into: copy as object, key: childKey });
    }
  }
  return root.value;
}

/** Sets an own data property, as Object.fromEntries does: a `__proto__` key stays a plain key. */
function define(target: object, key: string | number, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * Reads `field` out of a step result: object properties (a class instance's getters too), Map
 * keys, array indices. Never what every object inherits (`constructor`, `__proto__`,
 * `toString`...): that would hand the step the prototype machinery.
 */
export function readField(result: unknown, field: readonly string[]): unknown {
  let current = result;
  for (const [index, key] of field.entries()) {
    if (current instanceof Map) {
      current = current.get(key);
    } else if (
      typeof current === "object" &&
      current !== null &&
      !FORBIDDEN_FIELDS.has(key) &&
      (Object.hasOwn(current, key) || (key in current && !(key in Object.prototype)))
    ) {
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

import { type ConfigIssue, ConfigurationError, describeValue } from "../errors.js";
import type { JsonnetEngine, JsonnetOptions } from "../jsonnet/engine.js";

/** The filename go-jsonnet shows in errors of the overrides snippet. */
export const OVERRIDES_FILENAME = "<overrides>";

/**
 * Applies `--overrides`: a Jsonnet object whose keys are dotted paths into the config
 * (`"steps.result.a": 3`, array elements by index, `steps.x.items.0`). Each value replaces what is
 * at its path; the parent must exist so a typo cannot silently add an unused branch, while the leaf
 * may be new. Keys apply in order, so a later key may reach into a value an earlier key added.
 * Returns a new config; the input is left untouched.
 */
export async function applyOverrides<T>(
  config: T,
  snippet: string,
  engine: JsonnetEngine,
  options: JsonnetOptions = {},
): Promise<T> {
  const overrides = await engine.evaluateSnippet(OVERRIDES_FILENAME, snippet, options);
  if (typeof overrides !== "object" || overrides === null || Array.isArray(overrides)) {
    throw new ConfigurationError([
      {
        path: "",
        message: `--overrides must be an object of dotted paths to values, e.g. {"steps.result.a": 3}; got ${describeValue(overrides)}`,
      },
    ]);
  }

  const result = structuredClone(config) as unknown;
  const root = { value: result };
  const issues: ConfigIssue[] = [];
  for (const [key, value] of Object.entries(overrides)) {
    const problem = setAtPath(root, key, value);
    if (problem !== undefined) {
      // An empty key has no path to show: the option names where the mistake is.
      issues.push({
        path: key,
        message: `${key === "" ? "--overrides: " : ""}override does not match the config: ${problem}`,
      });
    }
  }
  if (issues.length > 0) throw new ConfigurationError(issues);
  return root.value as T;
}

/** Sets `value` at the dotted `key` below `root.value`; returns why it cannot, or undefined. */
function setAtPath(root: { value: unknown }, key: string, value: unknown): string | undefined {
  const segments = key.split(".");
  if (segments.some((segment) => segment === "")) {
    return `"${key}" is not a dotted path (empty segment)`;
  }
  let parent: unknown = root.value;
  for (let index = 0; index < segments.length - 1; index++) {
    if (typeof parent !== "object" || parent === null) {
      const above = segments.slice(0, index).join(".");
      return `${above === "" ? "the config" : `"${above}"`} is ${describeValue(parent)}, not an object or array`;
    }
    const here = segments.slice(0, index + 1).join(".");
    const child = childOf(parent, segments[index]!);
    if (child === undefined) return `"${here}" does not exist`;
    parent = child;
  }

  const parentPath = segments.slice(0, -1).join(".");
  const where = parentPath === "" ? "the config" : `"${parentPath}"`;
  const leaf = segments[segments.length - 1]!;
  if (Array.isArray(parent)) {
    const position = arrayIndex(leaf);
    if (position === undefined) return `${where} is an array, so "${leaf}" must be an index`;
    // One past the end appends; anything further would leave holes.
    if (position > parent.length)
      return `${where} has ${parent.length} elements, so index ${position} is out of range`;
    parent[position] = value;
    return undefined;
  }
  if (typeof parent === "object" && parent !== null) {
    // defineProperty, not assignment, so a key like "__proto__" stays a plain key.
    Object.defineProperty(parent, leaf, { value, enumerable: true, writable: true, configurable: true });
    return undefined;
  }
  return `${where} is ${describeValue(parent)}, not an object or array`;
}

function childOf(parent: unknown, segment: string): unknown {
  if (Array.isArray(parent)) {
    const position = arrayIndex(segment);
    return position === undefined ? undefined : parent[position];
  }
  if (typeof parent === "object" && parent !== null && Object.hasOwn(parent, segment)) {
    return (parent as Record<string, unknown>)[segment];
  }
  return undefined;
}

function arrayIndex(segment: string): number | undefined {
  return /^(0|[1-9][0-9]*)$/.test(segment) ? Number(segment) : undefined;
}

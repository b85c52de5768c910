import type { ConfigIssue } from "../errors.js";

/**
 * How deep a config may nest objects and arrays. Far beyond any real config, and far enough from
 * the call stack's limit that validation, construction, fingerprints and JSON.stringify (all of
 * which recurse) never overflow it: a deeper config is refused once, with its path, up front.
 */
export const MAX_CONFIG_DEPTH = 1000;

/** Path segments shown before "..." in the message: the path of a too-deep value is itself huge. */
const SHOWN_SEGMENTS = 8;

interface PathLink {
  readonly key: string | number;
  readonly parent: PathLink | undefined;
}

/**
 * The issue of a value nested deeper than `limit` levels below `value` (a level is one key or
 * index of its path from `value`; `basePath`, where `value` stands, only names it), or undefined. A work list, not recursion: it must not overflow on the
 * very input it guards against. A cyclic object (given by code, never by JSON) counts as too deep.
 */
export function configDepthIssue(
  value: unknown,
  basePath: readonly (string | number)[] = [],
  limit = MAX_CONFIG_DEPTH,
): ConfigIssue | undefined {
  const work: { value: unknown; depth: number; link: PathLink | undefined }[] = [
    { value, depth: 0, link: undefined },
  ];
  while (work.length > 0) {
    const { value: current, depth, link } = work.pop()!;
    if (typeof current !== "object" || current === null) continue;
    // A built value (a Date, a class instance given by code) is not walked by config code.
    if (!Array.isArray(current) && !isPlain(current)) continue;
    const keys: (string | number)[] = Array.isArray(current)
      ? current.map((_, index) => index)
      : Object.keys(current);
    for (const key of keys) {
      const item = (current as Record<string | number, unknown>)[key];
      if (typeof item !== "object" || item === null) continue;
      const childLink = { key, parent: link };
      if (depth + 1 > limit) return tooDeep(basePath, childLink, limit);
      work.push({ value: item, depth: depth + 1, link: childLink });
    }
  }
  return undefined;
}

function tooDeep(basePath: readonly (string | number)[], link: PathLink, limit: number): ConfigIssue {
  const tail: (string | number)[] = [];
  for (let at: PathLink | undefined = link; at !== undefined; at = at.parent) tail.push(at.key);
  const path = [...basePath, ...tail.reverse()];
  const shown = path.slice(0, SHOWN_SEGMENTS).map(String).join(".");
  return {
    path: path.length > SHOWN_SEGMENTS ? `${shown}...` : shown,
    message: `nested deeper than ${limit.toLocaleString("en-US")} levels; a config may nest objects and arrays at most ${limit.toLocaleString("en-US")} deep`,
  };
}

function isPlain(value: object): boolean {
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

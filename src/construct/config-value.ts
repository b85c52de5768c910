/**
 * Config objects versus built values. Config is plain JSON; a value whose prototype is anything
 * but Object.prototype (a class instance, Map, Date, a step result restored by its format) is
 * already built and is passed through where config would be built.
 */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

// Step results fed in by refs: built values even when they are plain objects or arrays.
const BUILT = new WeakSet<object>();

/** Marks `value` (a step result) as built, so construction passes it through untouched. */
export function markAsBuilt(value: unknown): void {
  if (typeof value === "object" && value !== null) BUILT.add(value);
}

/** An object that is not config: built already. Arrays are config containers, not built values, unless marked. */
export function isBuiltObject(value: unknown): boolean {
  if (typeof value !== "object" || value === null) return false;
  if (BUILT.has(value)) return true;
  return !Array.isArray(value) && !isPlainObject(value);
}

/**
 * JSON with tags, so a value read back is the value written: `{ "$formed": kind, ... }` objects
 * stand for what JSON lacks (Date, Map, Set, bigint, undefined, NaN/±Infinity/-0, registered
 * class instances), and a plain object that itself has a `$formed` key is wrapped as
 * `{ "$formed": "object", "v": {...} }`. Anything else (typed arrays, RegExp, Error,
 * functions, cycles) is an E_FORMAT error; the binary format stores those.
 */
import { FormedError } from "../errors.js";
import {
  classNameOf,
  defineField,
  isCloneOnly,
  isPlainObject,
  notStorable,
  restoreInstance,
  TAG,
} from "./class-codec.js";
import type { ClassRegistry } from "./class-registry.js";

const USE_BINARY = 'Use the "binary" format (or "auto", which picks it) for values JSON cannot represent.';
const TAG_NEEDLE = `"${TAG}"`;

/** Turns `value` into plain JSON data, tagging what JSON cannot represent. */
export function toTaggedJson(value: unknown, classes: ClassRegistry): unknown {
  try {
    return encode(value, classes);
  } catch (error) {
    throw asFormatError(error);
  }
}

/** `JSON.stringify(toTaggedJson(value))`. */
export function stringifyTagged(value: unknown, classes: ClassRegistry): string {
  return JSON.stringify(toTaggedJson(value, classes));
}

/** Parses text written by `stringifyTagged`. */
export function parseTagged(text: string, classes: ClassRegistry): unknown {
  const parsed: unknown = JSON.parse(text);
  // Most data has no tags at all; skipping the walk then makes reading as fast as JSON.parse.
  return text.includes(TAG_NEEDLE) ? fromTaggedJson(parsed, classes) : parsed;
}

/**
 * Whether `toTaggedJson` would accept `value`, without building the encoded copy
 * (the auto format asks this before choosing json).
 */
export function isJsonRepresentable(value: unknown, classes: ClassRegistry): boolean {
  try {
    return representable(value, classes);
  } catch {
    return false; // a cycle overflows the stack; the binary format stores cycles
  }
}

function asFormatError(error: unknown): unknown {
  if (error instanceof RangeError && /call stack/i.test(error.message)) {
    return new FormedError("E_FORMAT", "the json format cannot store a cyclic (or extremely deep) value", {
      hint: USE_BINARY,
      cause: error,
    });
  }
  return error;
}

function tagged(kind: string, v?: unknown): Record<string, unknown> {
  return v === undefined ? { [TAG]: kind } : { [TAG]: kind, v };
}

function encode(value: unknown, classes: ClassRegistry): unknown {
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      if (Number.isFinite(value) && !Object.is(value, -0)) return value;
      return tagged("number", Object.is(value, -0) ? "-0" : String(value));
    case "bigint":
      return tagged("bigint", value.toString());
    case "undefined":
      return tagged("undefined");
    case "object":
      return value === null ? null : encodeObject(value, classes);
    default:
      throw notStorable(`a ${typeof value}`, "json", "Return data, not functions or symbols, from a step.");
  }
}

function encodeObject(value: object, classes: ClassRegistry): unknown {
  if (Array.isArray(value)) {
    // Copy on write: untagged data is passed to JSON.stringify as is, without a copy.
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      const encoded = encode(item, classes);
      if (encoded !== item && out === undefined) out = value.slice(0, i);
      if (out !== undefined) out.push(encoded);
    }
    return out ?? value;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto === Object.prototype || proto === null) {
    const fields = encodeFields(value as Record<string, unknown>, classes);
    return Object.hasOwn(value, TAG) ? tagged("object", fields) : fields;
  }
  if (proto === Date.prototype) {
    const time = (value as Date).getTime();
    return tagged("Date", Number.isNaN(time) ? null : (value as Date).toISOString());
  }
  if (proto === Map.prototype) {
    const entries: unknown[] = [];
    for (const [k, v] of value as Map<unknown, unknown>)
      entries.push([encode(k, classes), encode(v, classes)]);
    return tagged("Map", entries);
  }
  if (proto === Set.prototype) {
    const items: unknown[] = [];
    for (const item of value as Set<unknown>) items.push(encode(item, classes));
    return tagged("Set", items);
  }
  if (isCloneOnly(value)) throw notStorable(`a ${describeKind(value)}`, "json", USE_BINARY);
  const name = classNameOf(value, classes);
  const fields = { ...encodeFields(value as Record<string, unknown>, classes) };
  return { [TAG]: "class", name, v: fields };
}

function encodeFields(value: Record<string, unknown>, classes: ClassRegistry): Record<string, unknown> {
  let out: Record<string, unknown> | undefined;
  const keys = Object.keys(value);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    const field = value[key];
    const encoded = encode(field, classes);
    if (encoded !== field && out === undefined) {
      // A null-prototype copy, so a "__proto__" key stays a key.
      out = Object.create(null) as Record<string, unknown>;
      for (let j = 0; j < i; j++) out[keys[j] as string] = value[keys[j] as string];
    }
    if (out !== undefined) out[key] = encoded;
  }
  return out ?? value;
}

function describeKind(value: object): string {
  return (Object.getPrototypeOf(value)?.constructor as { name?: string } | undefined)?.name ?? "object";
}

function representable(value: unknown, classes: ClassRegistry): boolean {
  switch (typeof value) {
    case "function":
    case "symbol":
      return false;
    case "object": {
      if (value === null) return true;
      if (Array.isArray(value)) return value.every((item) => representable(item, classes));
      const proto = Object.getPrototypeOf(value);
      if (proto === Date.prototype) return true;
      if (proto === Map.prototype) {
        for (const [k, v] of value as Map<unknown, unknown>) {
          if (!representable(k, classes) || !representable(v, classes)) return false;
        }
        return true;
      }
      if (proto === Set.prototype)
        return [...(value as Set<unknown>)].every((v) => representable(v, classes));
      if (!isPlainObject(value)) {
        if (isCloneOnly(value)) return false;
        const cls = proto?.constructor;
        if (typeof cls !== "function" || classes.nameOf(cls) === undefined) return false;
      }
      return Object.values(value).every((v) => representable(v, classes));
    }
    default:
      return true;
  }
}

/** Restores what `toTaggedJson` tagged. Mutates freshly parsed data in place. */
export function fromTaggedJson(value: unknown, classes: ClassRegistry): unknown {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = fromTaggedJson(value[i], classes);
    return value;
  }
  const record = value as Record<string, unknown>;
  if (Object.hasOwn(record, TAG)) return decodeTagged(record, classes);
  decodeFieldsInPlace(record, classes);
  return record;
}

function decodeFieldsInPlace(record: Record<string, unknown>, classes: ClassRegistry): void {
  for (const key of Object.keys(record)) {
    const field = record[key];
    const decoded = fromTaggedJson(field, classes);
    // defineField: assigning to a "__proto__" key JSON.parse created would change the prototype.
    if (decoded !== field) defineField(record, key, decoded);
  }
}

function decodeTagged(record: Record<string, unknown>, classes: ClassRegistry): unknown {
  const v = record.v;
  switch (record[TAG]) {
    case "number":
      return Number(v);
    case "bigint":
      return BigInt(v as string);
    case "undefined":
      return undefined;
    case "Date":
      return new Date(v === null ? Number.NaN : (v as string));
    case "Map":
      return new Map(
        (v as [unknown, unknown][]).map(([k, item]) => [
          fromTaggedJson(k, classes),
          fromTaggedJson(item, classes),
        ]),
      );
    case "Set":
      return new Set((v as unknown[]).map((item) => fromTaggedJson(item, classes)));
    case "object":
      decodeFieldsInPlace(v as Record<string, unknown>, classes);
      return v;
    case "class": {
      const instance = restoreInstance(record.name as string, classes);
      const fields = v as Record<string, unknown>;
      for (const key of Object.keys(fields)) defineField(instance, key, fromTaggedJson(fields[key], classes));
      return instance;
    }
    default:
      throw new FormedError("E_FORMAT", `unknown ${TAG} tag ${JSON.stringify(record[TAG])} in stored JSON`, {
        hint: "The entry was written by another version of formed; delete it to recompute.",
      });
  }
}

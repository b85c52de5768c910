/**
 * Prepares values for node:v8 serialization (structured clone) and back. Structured clone
 * keeps typed arrays, Buffers, RegExp, Map, Set, Date, bigint, Errors, shared references and
 * cycles, but turns a class instance into a plain object. So instances of registered classes
 * are swapped for `{ $formed: "class", name, v: fields }` before, and rebuilt after; a plain
 * object with a `$formed` key is wrapped as `{ $formed: "object", v }`. Instances of
 * unregistered classes are refused with the same E_FORMAT error as in the json format.
 */
import v8 from "node:v8";
import { FormedError } from "../errors.js";
import { classNameOf, defineField, isCloneOnly, restoreInstance, TAG } from "./class-codec.js";
import type { ClassRegistry } from "./class-registry.js";

/** v8-serializes `value`, registered class instances included. */
export function serializeTagged(value: unknown, classes: ClassRegistry): Buffer {
  const prepared = new Preparer(classes).prepare(value);
  try {
    return v8.serialize(prepared);
  } catch (error) {
    throw new FormedError(
      "E_FORMAT",
      `the binary format cannot store this value: ${(error as Error).message}`,
      {
        hint: "Structured clone carries data, not functions, symbols, promises or native handles.",
        cause: error,
      },
    );
  }
}

/** Reads what `serializeTagged` wrote. */
export function deserializeTagged(bytes: Uint8Array, classes: ClassRegistry): unknown {
  return new Restorer(classes).restore(v8.deserialize(bytes));
}

/**
 * Builds the serializable copy of the containers (leaves such as typed arrays are shared, not
 * copied). `done` maps each visited object to its copy before its children are visited, so
 * shared references and cycles come out as shared references and cycles.
 */
class Preparer {
  readonly #classes: ClassRegistry;
  readonly #done = new Map<object, unknown>();

  constructor(classes: ClassRegistry) {
    this.#classes = classes;
  }

  prepare(value: unknown): unknown {
    if (value === null || typeof value !== "object") return value;
    const seen = this.#done.get(value);
    if (seen !== undefined) return seen;
    if (isCloneOnly(value)) return value;
    const proto = Object.getPrototypeOf(value);
    if (proto === Date.prototype) return value;
    if (Array.isArray(value)) {
      const out: unknown[] = new Array(value.length);
      this.#done.set(value, out);
      for (let i = 0; i < value.length; i++) out[i] = this.prepare(value[i]);
      return out;
    }
    if (proto === Map.prototype) {
      const out = new Map<unknown, unknown>();
      this.#done.set(value, out);
      for (const [k, v] of value as Map<unknown, unknown>) out.set(this.prepare(k), this.prepare(v));
      return out;
    }
    if (proto === Set.prototype) {
      const out = new Set<unknown>();
      this.#done.set(value, out);
      for (const item of value as Set<unknown>) out.add(this.prepare(item));
      return out;
    }
    if (proto === Object.prototype || proto === null) {
      const fields: Record<string, unknown> = {};
      const out = Object.hasOwn(value, TAG) ? { [TAG]: "object", v: fields } : fields;
      this.#done.set(value, out);
      this.#copyFields(value, fields);
      return out;
    }
    const fields: Record<string, unknown> = {};
    const out = { [TAG]: "class", name: classNameOf(value, this.#classes), v: fields };
    this.#done.set(value, out);
    this.#copyFields(value, fields);
    return out;
  }

  #copyFields(from: object, to: Record<string, unknown>): void {
    const record = from as Record<string, unknown>;
    for (const key of Object.keys(record)) defineField(to, key, this.prepare(record[key]));
  }
}

/** Rebuilds in place what `Preparer` replaced; the deserialized graph is ours to mutate. */
class Restorer {
  readonly #classes: ClassRegistry;
  readonly #done = new Map<object, unknown>();

  constructor(classes: ClassRegistry) {
    this.#classes = classes;
  }

  restore(value: unknown): unknown {
    if (value === null || typeof value !== "object") return value;
    if (this.#done.has(value)) return this.#done.get(value);
    if (isCloneOnly(value) || value instanceof Date) {
      this.#done.set(value, value);
      return value;
    }
    if (Array.isArray(value)) {
      this.#done.set(value, value);
      for (let i = 0; i < value.length; i++) value[i] = this.restore(value[i]);
      return value;
    }
    if (value instanceof Map) {
      this.#done.set(value, value);
      const entries = [...value].map(([k, v]) => [this.restore(k), this.restore(v)] as const);
      value.clear();
      for (const [k, v] of entries) value.set(k, v);
      return value;
    }
    if (value instanceof Set) {
      this.#done.set(value, value);
      const items = [...value].map((item) => this.restore(item));
      value.clear();
      for (const item of items) value.add(item);
      return value;
    }
    const record = value as Record<string, unknown>;
    if (!Object.hasOwn(record, TAG)) {
      this.#done.set(value, value);
      this.#restoreFields(record, record);
      return value;
    }
    const fields = record.v as Record<string, unknown>;
    if (record[TAG] === "object") {
      this.#done.set(value, fields);
      this.#restoreFields(fields, fields);
      return fields;
    }
    if (record[TAG] === "class") {
      const instance = restoreInstance(record.name as string, this.#classes);
      this.#done.set(value, instance);
      this.#restoreFields(fields, instance);
      return instance;
    }
    throw new FormedError("E_FORMAT", `unknown ${TAG} tag ${JSON.stringify(record[TAG])} in stored data`, {
      hint: "The entry was written by another version of formed; delete it to recompute.",
    });
  }

  #restoreFields(from: Record<string, unknown>, to: object): void {
    for (const key of Object.keys(from)) {
      const field = from[key];
      const restored = this.restore(field);
      if (restored !== field || from !== to) defineField(to, key, restored);
    }
  }
}

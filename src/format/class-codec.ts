/**
 * What the json and binary formats share about class instances: how an instance is named on
 * write (its constructor must be in the ClassRegistry), how it is brought back on read (a
 * prototype plus its own fields, no constructor call), and the tag key both use in the data.
 */
import { FormedError } from "../errors.js";
import type { AnyClass, ClassRegistry } from "./class-registry.js";

/**
 * Marks an object the codecs made (a Date, a class instance, an escaped plain object...).
 * A plain object of the user that has this key is itself wrapped, so data never lies.
 */
export const TAG = "$formed";

/** Whether `value` is a plain object: `{...}` or `Object.create(null)`. */
export function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Objects the binary format (structured clone) can carry but JSON cannot. */
export function isCloneOnly(value: object): boolean {
  return (
    ArrayBuffer.isView(value) ||
    value instanceof ArrayBuffer ||
    (typeof SharedArrayBuffer !== "undefined" && value instanceof SharedArrayBuffer) ||
    value instanceof RegExp ||
    value instanceof Error ||
    value instanceof Boolean ||
    value instanceof Number ||
    value instanceof String ||
    value instanceof BigInt
  );
}

/**
 * The registered name of the class of `instance`. Throws E_FORMAT for an unregistered class:
 * silently storing it as a plain object would hand the next step an object without methods.
 */
export function classNameOf(instance: object, classes: ClassRegistry): string {
  const cls = Object.getPrototypeOf(instance)?.constructor as AnyClass | undefined;
  const name = cls === undefined ? undefined : classes.nameOf(cls);
  if (name !== undefined) return name;
  const display = typeof cls === "function" && cls.name !== "" ? cls.name : "<anonymous>";
  throw new FormedError(
    "E_FORMAT",
    `cannot store an instance of class ${display}: the class is not registered`,
    {
      hint: `Export class ${display} from a module listed in "require" so formed registers it, or register it with ClassRegistry.register(name, ${display}).`,
    },
  );
}

/**
 * Recreates an instance of the class registered as `name` without calling its constructor
 * (which may have side effects or required arguments), then gives it `fields` as own
 * properties. defineProperty, not assignment, so setters on the prototype are not triggered.
 */
export function restoreInstance(name: string, classes: ClassRegistry): object {
  const cls = classes.get(name);
  if (cls === undefined) {
    throw new FormedError(
      "E_FORMAT",
      `cannot restore an instance of class "${name}": no class is registered under that name`,
      {
        hint: "Require the module that exports the class (or register it) before reading this result.",
      },
    );
  }
  return Object.create(cls.prototype as object) as object;
}

export function defineField(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
}

export function notStorable(what: string, formatName: string, hint: string): FormedError {
  return new FormedError("E_FORMAT", `the ${formatName} format cannot store ${what}`, { hint });
}

/**
 * Validation of a step's arguments against its parameter type, before anything runs. Every
 * problem at once, each with its config path and "expected X, got Y". Refs are accepted wherever
 * a value is; when the caller knows the type a ref gives (the referenced step's output, after
 * field access), it must be assignable to the position it feeds.
 *
 * `type: 'module:Export'` references are checked for syntax only: whether the module exists and
 * what its export accepts is known only by importing it, which validation must not do.
 */
import { closestName } from "../common/closest-name.js";
import { type ConfigIssue, describeValue } from "../errors.js";
import { isRefObject, parseRef, type RefObject } from "../graph/ref.js";
import type { ClassDescription, ProjectTypes, TypeDescription } from "../types/type-description.js";
import { isAssignable } from "./assignable.js";
import { isBuiltObject, isPlainObject } from "./config-value.js";
import {
  acceptsModuleReference,
  classOf,
  constructorKeys,
  isRequired,
  keyNames,
  mapKeyFromObjectKey,
  type ObjectType,
  ownRegisteredNames,
  positionalParameters,
  registeredNames,
  resolveNamed,
  selectsByType,
  takesTypeKey,
} from "./definitions.js";
import { isIsoDate } from "./iso-date.js";
import { exampleReference, isModuleReference } from "./module-reference.js";
import { rethrowStackOverflow } from "./stack-guard.js";
import { typeText } from "./type-text.js";

/** Kinds whose values are never objects (so have no fields a ref could read). */
export const PRIMITIVE_KINDS: ReadonlySet<string> = new Set([
  "string",
  "number",
  "boolean",
  "bigint",
  "null",
  "undefined",
  "literal",
  "enum",
]);

export interface ValidateOptions {
  /** The type a ref gives: the referenced step's output type after field access; undefined when unknown. */
  refType?: (ref: { step: string; field: string[] }) => TypeDescription | undefined;
  /**
   * The workflow's step names, to split `a.b.c` into step and field when step names contain
   * dots. Without it, the first dotted segment is the step.
   */
  stepNames?: ReadonlySet<string>;
}

/**
 * Checks `args` (a step config without its `type`) against the parameter type of the step
 * registered as `stepName`. `path` is where the step config stands, e.g. `steps.prepared`.
 */
export function validateStepArguments(
  types: ProjectTypes,
  stepName: string,
  args: Record<string, unknown>,
  path: string,
  options: ValidateOptions = {},
): ConfigIssue[] {
  const step = types.steps[stepName];
  if (step === undefined) {
    const suggestion = closestName(stepName, Object.keys(types.steps));
    return [
      {
        path: joinPath(path, "type"),
        message: `unknown step type "${stepName}"${suggestion === undefined ? "" : `; did you mean "${suggestion}"?`}`,
      },
    ];
  }
  // The step config's `type` names the step; it is never one of the step's arguments.
  const { type: _stepType, ...rest } = args;
  if (step.parameter === undefined) {
    return Object.keys(rest).map((key) => ({
      path: joinPath(path, key),
      message: `unknown key "${key}"; step "${stepName}" takes no arguments`,
    }));
  }
  return new Validator(types, options).check(step.parameter, rest, path, false);
}

/** Checks any value against a type: the same rules as for step arguments. */
export function validateValue(
  types: ProjectTypes,
  type: TypeDescription,
  value: unknown,
  path: string,
  options: ValidateOptions = {},
): ConfigIssue[] {
  return new Validator(types, options).check(type, value, path, false);
}

export function joinPath(path: string, key: string | number): string {
  return path === "" ? String(key) : `${path}.${key}`;
}

class Validator {
  constructor(
    private readonly types: ProjectTypes,
    private readonly options: ValidateOptions,
  ) {}

  /** `partial`: required keys may be missing (a Lazy's config, completed at construct time). */
  check(type: TypeDescription, value: unknown, path: string, partial: boolean): ConfigIssue[] {
    try {
      if (isRefObject(value)) return this.checkRef(value, type, path);
      const resolved = resolveNamed(this.types, type);
      // A built object (a step result put in place of its ref, a Lazy's extra argument) is not
      // config: what it is was settled when it was made. Config itself never holds one.
      if (isBuiltObject(value) && !PRIMITIVE_KINDS.has(resolved.kind)) return [];
      const expected = () => this.expected(type, value, path);
      switch (resolved.kind) {
        case "any":
          return [];
        case "string":
        case "number":
        case "boolean":
          return typeof value === resolved.kind && !(typeof value === "number" && !Number.isFinite(value))
            ? []
            : expected();
        case "bigint":
          return typeof value === "bigint" ||
            (typeof value === "number" && Number.isInteger(value)) ||
            (typeof value === "string" && /^-?\d+$/.test(value))
            ? []
            : this.issue(
                path,
                `expected bigint (an integer or a string of digits), got ${describeValue(value)}`,
              );
        case "null":
          return value === null ? [] : expected();
        case "undefined":
          return value === undefined ? [] : expected();
        case "literal":
          return value === resolved.value ? [] : expected();
        case "enum":
          return resolved.members.some((member) => member.value === value)
            ? []
            : this.issue(
                path,
                `expected one of ${resolved.members.map((member) => JSON.stringify(member.value)).join(" | ")} (${resolved.name}), got ${describeValue(value)}`,
              );
        case "union":
          return this.checkUnion(resolved.members, value, path, partial);
        case "array":
        case "set":
        case "iterable":
          if (!Array.isArray(value)) return expected();
          return value.flatMap((item, index) =>
            this.check(resolved.element, item, joinPath(path, index), false),
          );
        case "tuple":
          return this.checkTuple(resolved, value, path);
        case "record":
          if (!isPlainObject(value)) return expected();
          return Object.entries(value).flatMap(([key, item]) =>
            this.check(resolved.value, item, joinPath(path, key), false),
          );
        case "map":
          return this.checkMap(resolved, value, path);
        case "date":
          return isIsoDate(value)
            ? []
            : this.issue(path, `expected Date (an ISO 8601 string), got ${describeValue(value)}`);
        case "object":
          return this.checkObject(resolved, value, path, partial, () => typeText(type, this.types));
        case "class": {
          const cls = classOf(this.types, resolved.id);
          return cls === undefined ? [] : this.checkClass(cls, resolved.id, value, path, partial);
        }
        case "lazy":
          return this.check(resolved.target, value, path, true);
        case "function":
          if (isPlainObject(value) && isModuleReference(value.type))
            return this.checkModuleArguments(value, path);
          return this.issue(
            path,
            `expected a 'module:Export' reference to a function, got ${describeValue(value)}`,
          );
        case "builtin":
          if (isPlainObject(value) && isModuleReference(value.type))
            return this.checkModuleArguments(value, path);
          return this.issue(
            path,
            `expected ${resolved.name}, which formed does not build from plain config: give { type: '${exampleReference(resolved.name)}', "*": [...] } naming a class or function that makes one, or a ref; got ${describeValue(value)}`,
          );
        default:
          return [];
      }
    } catch (error) {
      return rethrowStackOverflow(error, path, "check");
    }
  }

  private issue(path: string, message: string): ConfigIssue[] {
    return [{ path, message }];
  }

  private expected(type: TypeDescription, value: unknown, path: string): ConfigIssue[] {
    return this.issue(path, `expected ${typeText(type, this.types)}, got ${describeValue(value)}`);
  }

  private checkRef(ref: RefObject, expected: TypeDescription, path: string): ConfigIssue[] {
    const refType = this.options.refType;
    if (refType === undefined || typeof ref.ref !== "string" || expected.kind === "any") return [];
    const stepNames = this.options.stepNames;
    const parsed =
      stepNames === undefined
        ? { step: ref.ref.split(".")[0]!, field: ref.ref.split(".").slice(1) }
        : parseRef(ref.ref, stepNames);
    // An unknown step is the graph's error to report, not a type mismatch.
    if (parsed === undefined) return [];
    const given = refType(parsed);
    if (given === undefined || isAssignable(given, expected, this.types)) return [];
    return this.issue(
      path,
      `ref "${ref.ref}" gives ${typeText(given, this.types)}, expected ${typeText(expected, this.types)}`,
    );
  }

  private checkUnion(
    rawMembers: readonly TypeDescription[],
    value: unknown,
    path: string,
    partial: boolean,
  ): ConfigIssue[] {
    // A present value is never `undefined`; that member only makes the key optional.
    const members = rawMembers.filter((member) => member.kind !== "undefined");
    const results = members.map((member) => this.check(member, value, path, partial));
    if (results.some((issues) => issues.length === 0)) return [];
    const union: TypeDescription = { kind: "union", members };
    const resolvedMembers = members.map((member) => resolveNamed(this.types, member));
    if (resolvedMembers.every((member) => member.kind === "literal" || member.kind === "null")) {
      return this.issue(path, `expected one of ${typeText(union, this.types)}, got ${describeValue(value)}`);
    }
    // Report inside the member the value is shaped like, which says more than "A | B".
    const candidates = results.filter((_, index) => this.shapeFits(resolvedMembers[index]!, value));
    const deeper = candidates.filter((issues) => issues.every((issue) => issue.path !== path));
    if (candidates.length === 1) return candidates[0]!;
    if (deeper.length > 0) {
      const fewest = Math.min(...deeper.map((issues) => issues.length));
      const best = deeper.filter((issues) => issues.length === fewest);
      if (best.length === 1) return best[0]!;
    }
    return this.expected(union, value, path);
  }

  /** Whether a value has the outer shape of a type (a string for string-like types, ...). */
  private shapeFits(type: TypeDescription, value: unknown): boolean {
    const resolved = resolveNamed(this.types, type);
    switch (resolved.kind) {
      case "any":
        return true;
      case "string":
      case "date":
        return typeof value === "string";
      case "number":
        return typeof value === "number";
      case "bigint":
        return typeof value === "number" || typeof value === "string";
      case "boolean":
        return typeof value === "boolean";
      case "literal":
        return typeof value === typeof resolved.value;
      case "enum":
        return resolved.members.some((member) => typeof member.value === typeof value);
      case "array":
      case "tuple":
      case "set":
      case "iterable":
        return Array.isArray(value);
      case "map":
        return Array.isArray(value) || isPlainObject(value);
      case "object":
      case "record":
      case "class":
      case "function":
      case "builtin":
        return isPlainObject(value);
      case "lazy":
        return this.shapeFits(resolved.target, value);
      case "union":
        return resolved.members.some((member) => this.shapeFits(member, value));
      default:
        return false;
    }
  }

  private checkTuple(
    tuple: Extract<TypeDescription, { kind: "tuple" }>,
    value: unknown,
    path: string,
  ): ConfigIssue[] {
    const count = tuple.elements.length;
    if (!Array.isArray(value)) return this.expected(tuple, value, path);
    if (value.length < count || (tuple.rest === undefined && value.length > count)) {
      const wanted = tuple.rest === undefined ? `${count}` : `at least ${count}`;
      return this.issue(
        path,
        `expected ${typeText(tuple, this.types)} (${wanted} elements), got ${describeValue(value)}`,
      );
    }
    return value.flatMap((item, index) => {
      const element = index < count ? tuple.elements[index]! : tuple.rest!;
      return this.check(element, item, joinPath(path, index), false);
    });
  }

  private checkMap(
    map: Extract<TypeDescription, { kind: "map" }>,
    value: unknown,
    path: string,
  ): ConfigIssue[] {
    if (isPlainObject(value)) {
      return Object.entries(value).flatMap(([key, item]) => {
        const keyIssues = this.check(
          map.key,
          mapKeyFromObjectKey(this.types, map.key, key),
          joinPath(path, key),
          false,
        );
        return [
          ...keyIssues.map((issue) => ({
            ...issue,
            message: `key ${JSON.stringify(key)}: ${issue.message}`,
          })),
          ...this.check(map.value, item, joinPath(path, key), false),
        ];
      });
    }
    if (!Array.isArray(value)) {
      return this.issue(
        path,
        `expected ${typeText(map, this.types)} (an object or an array of [key, value] pairs), got ${describeValue(value)}`,
      );
    }
    return value.flatMap((pair, index) => {
      const pairPath = joinPath(path, index);
      if (!Array.isArray(pair) || pair.length !== 2) {
        return this.issue(pairPath, `expected a [key, value] pair, got ${describeValue(pair)}`);
      }
      return [
        ...this.check(map.key, pair[0], joinPath(pairPath, 0), false),
        ...this.check(map.value, pair[1], joinPath(pairPath, 1), false),
      ];
    });
  }

  private checkObject(
    object: ObjectType,
    value: unknown,
    path: string,
    partial: boolean,
    // A function: the type's text is built only for a message (not per value checked).
    name: () => string,
  ): ConfigIssue[] {
    if (!isPlainObject(value)) return this.issue(path, `expected ${name()}, got ${describeValue(value)}`);
    const names = object.properties.map((property) => property.name);
    // An interface position takes any class or function that fits it, by module reference.
    if (acceptsModuleReference(object) && value.type !== undefined) {
      if (isModuleReference(value.type)) return this.checkModuleArguments(value, path);
    }
    const issues: ConfigIssue[] = [];
    for (const property of object.properties) {
      const item = value[property.name];
      if (item === undefined) {
        if (isRequired(property) && !partial) issues.push(this.missing(path, property.name, property.type));
        continue;
      }
      issues.push(...this.check(property.type, item, joinPath(path, property.name), false));
    }
    for (const [key, item] of Object.entries(value)) {
      if (names.includes(key)) continue;
      if (object.additional !== undefined)
        issues.push(...this.check(object.additional, item, joinPath(path, key), false));
      else issues.push(unknownKey(path, key, names));
    }
    return issues;
  }

  private missing(path: string, key: string, type: TypeDescription): ConfigIssue {
    return {
      path: joinPath(path, key),
      message: `missing required key "${key}", expected ${typeText(type, this.types)}`,
    };
  }

  private checkModuleArguments(value: Record<string, unknown>, path: string): ConfigIssue[] {
    const positional = value["*"];
    if (positional !== undefined && !Array.isArray(positional)) {
      return this.issue(
        joinPath(path, "*"),
        `expected an array of positional arguments, got ${describeValue(positional)}`,
      );
    }
    return [];
  }

  private checkClass(
    cls: ClassDescription,
    id: string,
    value: unknown,
    path: string,
    partial: boolean,
  ): ConfigIssue[] {
    if (!isPlainObject(value)) {
      return this.issue(
        path,
        `expected ${cls.name} (an object of its constructor arguments), got ${describeValue(value)}`,
      );
    }
    const chosen = value.type;
    const typePath = joinPath(path, "type");
    if (selectsByType(cls)) {
      const registered = cls.registered ?? {};
      const { type: _type, ...rest } = value;
      if (chosen === undefined) {
        if (!cls.abstract) return this.checkArguments(cls, rest, path, partial);
        return this.issue(
          typePath,
          `missing "type" to choose a ${cls.name}; registered: ${registeredList(cls)}`,
        );
      }
      if (typeof chosen !== "string") {
        return this.issue(
          typePath,
          `expected a registered name of ${cls.name} or a 'module:Export' reference, got ${describeValue(chosen)}`,
        );
      }
      const subclassId = registered[chosen];
      if (subclassId !== undefined) {
        const subclass = classOf(this.types, subclassId);
        return subclass === undefined ? [] : this.checkArguments(subclass, rest, path, partial);
      }
      if (ownRegisteredNames(this.types, id).includes(chosen))
        return this.checkArguments(cls, rest, path, partial);
      if (isModuleReference(chosen)) return this.checkModuleArguments(value, path);
      const suggestion = closestName(chosen, registeredNames(cls));
      return this.issue(
        typePath,
        `unknown type "${chosen}" for ${cls.name};${suggestion === undefined ? "" : ` did you mean "${suggestion}"?`} registered: ${registeredList(cls)}`,
      );
    }
    if (chosen !== undefined && !takesTypeKey(cls)) {
      if (isModuleReference(chosen)) return this.checkModuleArguments(value, path);
      return this.issue(
        typePath,
        `expected a 'module:Export' reference (${cls.name} is not a Registrable base), got ${describeValue(chosen)}`,
      );
    }
    if (cls.abstract) {
      return this.issue(
        path,
        `${cls.name} is abstract; give "type: 'module:Export'" naming a concrete class`,
      );
    }
    return this.checkArguments(cls, value, path, partial);
  }

  /** The constructor arguments of a class: by parameter name, by options object, or `"*"`. */
  private checkArguments(
    cls: ClassDescription,
    value: Record<string, unknown>,
    path: string,
    partial: boolean,
  ): ConfigIssue[] {
    const keys = constructorKeys(cls);
    const { "*": positional, ...named } = value;
    const starPath = joinPath(path, "*");
    if (positional !== undefined && !Array.isArray(positional)) {
      return this.issue(
        starPath,
        `expected an array of positional arguments, got ${describeValue(positional)}`,
      );
    }
    if (keys.mode === "options") {
      if (positional !== undefined) {
        const extra = Object.keys(named);
        if (extra.length > 0) {
          return this.issue(
            path,
            `${cls.name} takes one options object: give its keys or "*", not both (got "*" and ${extra.map((key) => `"${key}"`).join(", ")})`,
          );
        }
        return this.checkPositional(cls, positionalParameters(keys), positional, starPath);
      }
      if (
        Object.keys(named).length === 0 &&
        (keys.parameter.optional || keys.parameter.default !== undefined)
      )
        return [];
      return this.checkObject(keys.object, named, path, partial, () => cls.name);
    }
    const issues: ConfigIssue[] = [];
    const given = positional ?? [];
    issues.push(...this.checkPositional(cls, keys.parameters, given, starPath));
    const names = keyNames(keys);
    for (const [key, item] of Object.entries(named)) {
      const index = names.indexOf(key);
      if (index === -1) issues.push(unknownKey(path, key, names));
      else if (index < given.length) {
        issues.push({ path: joinPath(path, key), message: `"${key}" is also given positionally in "*"` });
      } else issues.push(...this.check(keys.parameters[index]!.type, item, joinPath(path, key), false));
    }
    if (!partial) {
      keys.parameters.forEach((parameter, index) => {
        if (index >= given.length && named[parameter.name] === undefined && isRequired(parameter)) {
          issues.push(this.missing(path, parameter.name, parameter.type));
        }
      });
    }
    return issues;
  }

  private checkPositional(
    cls: ClassDescription,
    parameters: ClassDescription["parameters"],
    given: readonly unknown[],
    path: string,
  ): ConfigIssue[] {
    if (given.length > parameters.length) {
      return this.issue(
        path,
        `too many positional arguments: ${cls.name} takes ${parameters.length}, got ${given.length}`,
      );
    }
    return given.flatMap((item, index) =>
      this.check(parameters[index]!.type, item, joinPath(path, index), false),
    );
  }
}

function registeredList(cls: ClassDescription): string {
  const names = registeredNames(cls);
  return names.length === 0 ? "none" : names.join(", ");
}

function unknownKey(path: string, key: string, known: readonly string[]): ConfigIssue {
  const suggestion = closestName(key, known);
  const hint =
    suggestion !== undefined
      ? `; did you mean "${suggestion}"?`
      : known.length === 0
        ? "; no keys are accepted here"
        : `; known keys: ${known.join(", ")}`;
  return { path: joinPath(path, key), message: `unknown key "${key}"${hint}` };
}

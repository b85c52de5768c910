/**
 * Building objects from validated config (refs already replaced by step results), by the
 * parameter types the analyzer read: classes through their constructors, Registrable bases by
 * `type`, `type: 'module:Export'` references, containers, Dates and `Lazy<T>`.
 *
 * Imports are asynchronous but `Lazy.construct` is not, so building runs in two passes over the
 * same code: a dry pass that only collects the modules the value needs (repeated until nothing
 * new is needed, as an imported base may reveal that its subclass's module is needed too), then
 * one real pass that constructs. No constructor runs more than once per object.
 */
import { isAbsolute, resolve } from "node:path";
import { ConfigurationError } from "../errors.js";
import type { ClassDescription, ProjectTypes, TypeDescription } from "../types/type-description.js";
import { isBuiltObject, isPlainObject } from "./config-value.js";
import {
  acceptsModuleReference,
  classOf,
  constructorKeys,
  mapKeyFromObjectKey,
  ownRegisteredNames,
  positionalParameters,
  resolveNamed,
  selectsByType,
  takesTypeKey,
} from "./definitions.js";
import { Lazy } from "./lazy.js";
import { isModuleReference, parseModuleReference } from "./module-reference.js";
import { rethrowStackOverflow } from "./stack-guard.js";
import { joinPath, validateValue } from "./validate.js";

export type ModuleImporter = (specifier: string, fromDir: string) => Promise<Record<string, unknown>>;

export interface BuildContext {
  readonly types: ProjectTypes;
  /** Imports a module: a package name, an absolute path, or a path relative to `fromDir`. */
  readonly importModule: ModuleImporter;
  /** The working directory: relative `module:Export` paths and class modules are imported from it. */
  readonly cwd: string;
  /** Where `value` stands in the config, for error messages, e.g. `steps.prepared`. */
  readonly path: string;
}

/** Builds the value a parameter of type `type` receives from its config `value`. */
export async function buildValue(type: TypeDescription, value: unknown, ctx: BuildContext): Promise<unknown> {
  const builder = new Builder(ctx.types, ctx.importModule, ctx.cwd);
  await builder.load(type, value, ctx.path);
  return builder.build(type, value, ctx.path);
}

type Module = Record<string, unknown>;
// biome-ignore lint/suspicious/noExplicitAny: user constructors take arguments of any type.
type Constructor = new (...args: any[]) => unknown;
type Registry = { byName?: (name: string) => unknown };

class Builder {
  /** Imported modules (or why the import failed), by specifier and directory. */
  private readonly modules = new Map<string, Module | Error>();
  private readonly needed = new Map<string, { specifier: string; fromDir: string }>();
  private dry = false;

  constructor(
    private readonly types: ProjectTypes,
    private readonly importModule: ModuleImporter,
    private readonly cwd: string,
  ) {}

  async load(type: TypeDescription, value: unknown, path: string): Promise<void> {
    for (;;) {
      this.needed.clear();
      this.dry = true;
      try {
        this.build(type, value, path);
      } finally {
        this.dry = false;
      }
      if (this.needed.size === 0) return;
      await Promise.all(
        [...this.needed].map(async ([key, { specifier, fromDir }]) => {
          try {
            this.modules.set(key, await this.importModule(specifier, fromDir));
          } catch (error) {
            this.modules.set(key, error instanceof Error ? error : new Error(String(error)));
          }
        }),
      );
    }
  }

  build(type: TypeDescription, value: unknown, path: string): unknown {
    try {
      // Already built (a step result, an extra argument of Lazy.construct): passed through.
      if (isBuiltObject(value)) return value;
      const resolved = resolveNamed(this.types, type);
      switch (resolved.kind) {
        case "bigint":
          return typeof value === "number" || typeof value === "string" ? BigInt(value) : value;
        case "union":
          return this.buildUnion(resolved.members, value, path);
        case "array":
        case "iterable":
          return Array.isArray(value)
            ? value.map((item, index) => this.build(resolved.element, item, joinPath(path, index)))
            : value;
        case "set":
          return Array.isArray(value)
            ? new Set(value.map((item, index) => this.build(resolved.element, item, joinPath(path, index))))
            : value;
        case "tuple":
          return Array.isArray(value)
            ? value.map((item, index) =>
                this.build(
                  resolved.elements[index] ?? resolved.rest ?? { kind: "any" },
                  item,
                  joinPath(path, index),
                ),
              )
            : value;
        case "record":
          return isPlainObject(value)
            ? Object.fromEntries(
                Object.entries(value).map(([key, item]) => [
                  key,
                  this.build(resolved.value, item, joinPath(path, key)),
                ]),
              )
            : value;
        case "map":
          return this.buildMap(resolved, value, path);
        case "date":
          return typeof value === "string" ? new Date(value) : value;
        case "object":
          return this.buildObject(resolved, value, path);
        case "class": {
          const cls = classOf(this.types, resolved.id);
          return cls === undefined ? value : this.buildClass(cls, resolved.id, value, path);
        }
        case "lazy":
          return this.buildLazy(resolved.target, value, path);
        case "function":
          return isPlainObject(value) && isModuleReference(value.type)
            ? this.buildReference(value.type, value, path, true)
            : value;
        case "builtin":
          // Validation let through only a module reference (or a built value, returned above).
          return isPlainObject(value) && isModuleReference(value.type)
            ? this.buildReference(value.type, value, path, false)
            : value;
        default:
          // any, primitives, literals, enums: config is the value.
          return value;
      }
    } catch (error) {
      return rethrowStackOverflow(error, path, "build");
    }
  }

  /** The first member the value validates against; members built without constructing come first. */
  private buildUnion(members: readonly TypeDescription[], value: unknown, path: string): unknown {
    const order = (type: TypeDescription) => (constructs(this.types, type) ? 1 : 0);
    const sorted = [...members].sort((a, b) => order(a) - order(b));
    for (const member of sorted) {
      if (validateValue(this.types, member, value, path).length === 0) return this.build(member, value, path);
    }
    throw new ConfigurationError(validateValue(this.types, { kind: "union", members }, value, path));
  }

  private buildMap(map: Extract<TypeDescription, { kind: "map" }>, value: unknown, path: string): unknown {
    if (isPlainObject(value)) {
      return new Map(
        Object.entries(value).map(([key, item]) => [
          mapKeyFromObjectKey(this.types, map.key, key),
          this.build(map.value, item, joinPath(path, key)),
        ]),
      );
    }
    if (!Array.isArray(value)) return value;
    return new Map(
      value.map((pair: unknown, index) => {
        const [key, item] = pair as [unknown, unknown];
        const pairPath = joinPath(path, index);
        return [
          this.build(map.key, key, joinPath(pairPath, 0)),
          this.build(map.value, item, joinPath(pairPath, 1)),
        ];
      }),
    );
  }

  private buildObject(
    object: Extract<TypeDescription, { kind: "object" }>,
    value: unknown,
    path: string,
  ): unknown {
    if (!isPlainObject(value)) return value;
    const known = new Map(object.properties.map((property) => [property.name, property.type]));
    if (acceptsModuleReference(object) && isModuleReference(value.type)) {
      return this.buildReference(value.type, value, path, false);
    }
    const result: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      const type = known.get(key) ?? object.additional ?? { kind: "any" };
      result[key] = this.build(type, item, joinPath(path, key));
    }
    return result;
  }

  private buildLazy(target: TypeDescription, value: unknown, path: string): unknown {
    if (value instanceof Lazy) return value;
    // The dry pass loads what the config itself needs, so construct() can run synchronously.
    if (this.dry) return this.build(target, value, path);
    return new Lazy(value, (config) => this.build(target, config, path));
  }

  private buildClass(cls: ClassDescription, id: string, value: unknown, path: string): unknown {
    if (!isPlainObject(value)) return value;
    const { type: chosen, ...rest } = value;
    if (selectsByType(cls) && chosen !== undefined) {
      const name = String(chosen);
      const subclassId = cls.registered?.[name];
      if (subclassId !== undefined) return this.buildRegistered(cls, name, subclassId, rest, path);
      if (ownRegisteredNames(this.types, id).includes(name)) return this.construct(cls, rest, path);
      if (isModuleReference(chosen)) return this.buildReference(chosen, value, path, false);
      throw this.error(joinPath(path, "type"), `unknown type "${name}" for ${cls.name}`);
    }
    if (chosen !== undefined && !takesTypeKey(cls) && isModuleReference(chosen)) {
      return this.buildReference(chosen, value, path, false);
    }
    return this.construct(cls, value, path);
  }

  /**
   * A registered subclass, from the base's runtime registry. Registration happens when the
   * subclass's module is evaluated, so that module is imported when the name is not there yet.
   */
  private buildRegistered(
    base: ClassDescription,
    name: string,
    subclassId: string,
    args: Record<string, unknown>,
    path: string,
  ): unknown {
    const subclass = classOf(this.types, subclassId);
    if (subclass === undefined) throw this.error(joinPath(path, "type"), `no description of "${name}"`);
    const baseModule = this.module(base.module, this.cwd, path);
    if (baseModule === undefined) return undefined;
    const registry = baseModule[base.exportName] as Registry | undefined;
    let ctor = registry?.byName?.(name);
    if (ctor === undefined) {
      const subclassModule = this.module(subclass.module, this.cwd, path);
      if (subclassModule === undefined) return undefined;
      ctor = registry?.byName?.(name) ?? subclassModule[subclass.exportName];
    }
    if (typeof ctor !== "function") {
      throw this.error(
        joinPath(path, "type"),
        `"${name}" is not registered on ${base.name} at run time, and ${subclass.module} exports no ${subclass.exportName}`,
      );
    }
    return this.construct(subclass, args, path, ctor as Constructor);
  }

  /** Calls the constructor with config keys mapped to parameters (defaults are the constructor's). */
  private construct(
    cls: ClassDescription,
    value: Record<string, unknown>,
    path: string,
    given?: Constructor,
  ): unknown {
    let ctor = given;
    if (ctor === undefined) {
      const module = this.module(cls.module, this.cwd, path);
      if (module === undefined) return undefined;
      const exported = module[cls.exportName];
      if (typeof exported !== "function") {
        throw this.error(path, `${cls.module} exports no class ${cls.exportName}`);
      }
      ctor = exported as Constructor;
    }
    const args = this.constructorArguments(cls, value, path);
    if (this.dry) return undefined;
    try {
      return new ctor(...args);
    } catch (error) {
      throw this.error(
        path,
        `new ${cls.name}(...) threw: ${(error as Error)?.message ?? String(error)}`,
        error,
      );
    }
  }

  private constructorArguments(
    cls: ClassDescription,
    value: Record<string, unknown>,
    path: string,
  ): unknown[] {
    const keys = constructorKeys(cls);
    const { "*": star, ...named } = value;
    const positional = Array.isArray(star) ? star : [];
    const parameters = positionalParameters(keys);
    const args = positional.map((item, index) =>
      this.build(parameters[index]?.type ?? { kind: "any" }, item, joinPath(joinPath(path, "*"), index)),
    );
    if (keys.mode === "options") {
      if (star !== undefined) return args;
      if (Object.keys(named).length === 0) return [];
      return [this.build(keys.parameter.type, named, path)];
    }
    for (const [key, item] of Object.entries(named)) {
      const index = keys.parameters.findIndex((parameter) => parameter.name === key);
      if (index === -1) throw this.error(joinPath(path, key), `unknown key "${key}"`);
      args[index] = this.build(keys.parameters[index]!.type, item, joinPath(path, key));
    }
    // Holes become undefined, which a parameter default replaces; trailing ones are dropped.
    const filled = Array.from({ length: args.length }, (_, index) => args[index]);
    while (filled.length > 0 && filled[filled.length - 1] === undefined) filled.pop();
    return filled;
  }

  /**
   * `type: 'module:Export'`. A class is constructed (with the keys of a matching class
   * description when the analyzer has one, else with `"*"` and/or the keys as one options object);
   * a function is called the same way; a function wanted as a function is returned as is.
   */
  private buildReference(
    reference: string,
    value: Record<string, unknown>,
    path: string,
    wantFunction: boolean,
  ): unknown {
    const { module: specifier, exportName } = parseModuleReference(reference)!;
    const { type: _type, "*": star, ...named } = value;
    const described = this.describedClass(specifier, exportName);
    const module = this.module(specifier, this.cwd, path);
    if (module === undefined) return undefined;
    if (!(exportName in module))
      throw this.error(joinPath(path, "type"), `${specifier} has no export "${exportName}"`);
    const exported = module[exportName];
    const hasArguments = star !== undefined || Object.keys(named).length > 0;
    if (typeof exported !== "function") {
      if (hasArguments) throw this.error(joinPath(path, "type"), `${reference} is not a class or function`);
      return exported;
    }
    if (wantFunction && !hasArguments) return exported;
    if (described !== undefined && isClass(exported)) {
      const { type: _ignored, ...args } = value;
      return this.construct(described, args, path, exported as Constructor);
    }
    const args: unknown[] = Array.isArray(star) ? [...star] : [];
    if (Object.keys(named).length > 0) args.push(named);
    if (this.dry) return undefined;
    try {
      return isClass(exported)
        ? new (exported as Constructor)(...args)
        : (exported as (...args: unknown[]) => unknown)(...args);
    } catch (error) {
      throw this.error(path, `${reference} threw: ${(error as Error)?.message ?? String(error)}`, error);
    }
  }

  /** The analyzer's description of a class named by module and export, when it has one. */
  private describedClass(specifier: string, exportName: string): ClassDescription | undefined {
    const absolute = specifier.startsWith(".") ? resolve(this.cwd, specifier) : specifier;
    for (const definition of Object.values(this.types.definitions)) {
      if (definition.kind !== "class" || definition.exportName !== exportName) continue;
      if (definition.module === specifier || (isAbsolute(absolute) && definition.module === absolute)) {
        return definition;
      }
    }
    return undefined;
  }

  /** A loaded module; in the dry pass a missing one is noted and undefined returned. */
  private module(specifier: string, fromDir: string, path: string): Module | undefined {
    const key = `${fromDir}\0${specifier}`;
    const loaded = this.modules.get(key);
    if (loaded instanceof Error) {
      throw this.error(path, `cannot import ${specifier}: ${loaded.message}`, loaded);
    }
    if (loaded !== undefined) return loaded;
    if (this.dry) {
      this.needed.set(key, { specifier, fromDir });
      return undefined;
    }
    // Only Lazy.construct with extra config can get here: its imports cannot wait.
    throw this.error(
      path,
      `${specifier} was not imported before building; pass built objects to Lazy.construct`,
    );
  }

  private error(path: string, message: string, cause?: unknown): ConfigurationError {
    return new ConfigurationError([{ path, message }], cause === undefined ? {} : { cause });
  }
}

/** Whether building a value of this type may construct something (used to order union members). */
function constructs(types: ProjectTypes, type: TypeDescription): boolean {
  const resolved = resolveNamed(types, type);
  return !["any", "string", "number", "boolean", "null", "undefined", "literal", "enum"].includes(
    resolved.kind,
  );
}

/**
 * Whether an export is called with `new`: class syntax, or a native ctor (`URL`), told by
 * its capitalized name and prototype since native code hides its syntax.
 */
function isClass(value: unknown): boolean {
  if (typeof value !== "function") return false;
  const source = Function.prototype.toString.call(value);
  if (/^class[\s{]/.test(source)) return true;
  return value.prototype !== undefined && /^[A-Z]/.test(value.name) && /\[native code\]/.test(source);
}

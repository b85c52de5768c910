/**
 * Reading a ProjectTypes: resolving ids, seeing through named aliases and `| undefined`, and
 * where a class's config keys go. Shared by validation, building and schema generation so the
 * three agree on what a config means.
 */
import {
  type ClassDescription,
  type ProjectTypes,
  type PropertyDescription,
  type TypeDescription,
  withoutUndefined,
} from "../types/type-description.js";

export type ObjectType = Extract<TypeDescription, { kind: "object" }>;

export function classOf(types: ProjectTypes, id: string): ClassDescription | undefined {
  const definition = types.definitions[id];
  return definition?.kind === "class" ? definition : undefined;
}

/** Follows `named` aliases (with a guard against alias cycles, which have no structure to check). */
export function resolveNamed(types: ProjectTypes, type: TypeDescription): TypeDescription {
  let current = type;
  const seen = new Set<string>();
  while (current.kind === "named" && !seen.has(current.id)) {
    seen.add(current.id);
    const definition = types.definitions[current.id];
    if (definition === undefined) return { kind: "any" };
    if (definition.kind === "class") return { kind: "class", id: current.id };
    current = definition.type;
  }
  return current;
}

/**
 * Whether an object position also takes a `module:Export` reference (any class or function
 * that fits): when the object has no index signature and no key named `type`.
 */
export function acceptsModuleReference(object: ObjectType): boolean {
  return object.additional === undefined && !object.properties.some((property) => property.name === "type");
}

export function isRequired(property: PropertyDescription): boolean {
  return !property.optional && property.default === undefined;
}

/**
 * Where a class's config keys go. `positional`: each key is a constructor parameter by name.
 * `options`: the constructor takes one options object; `parameters` are that object's properties
 * (as the analyzer describes it), the keys of the config, as `object`.
 */
export type ConstructorKeys =
  | { readonly mode: "positional"; readonly parameters: readonly PropertyDescription[] }
  | {
      readonly mode: "options";
      readonly parameter: PropertyDescription;
      readonly object: ObjectType;
    };

export function constructorKeys(cls: ClassDescription): ConstructorKeys {
  if (cls.optionsObject) {
    const object: ObjectType = { kind: "object", properties: cls.parameters };
    // The whole object may be left out when none of its keys is required (`opts = {}`).
    const optional = cls.parameters.every((property) => !isRequired(property));
    return {
      mode: "options",
      parameter: { name: "options", type: object, optional },
      object,
    };
  }
  return { mode: "positional", parameters: cls.parameters };
}

/** What `"*"` fills, in order: the constructor's parameters, or its one options object. */
export function positionalParameters(keys: ConstructorKeys): readonly PropertyDescription[] {
  return keys.mode === "options" ? [keys.parameter] : keys.parameters;
}

/** The names a config may use for a class's keys. */
export function keyNames(keys: ConstructorKeys): string[] {
  if (keys.mode === "positional") return keys.parameters.map((parameter) => parameter.name);
  return keys.object.properties.map((property) => property.name);
}

/** Whether the class takes a key literally named `type` (then `type` does not pick a class). */
export function takesTypeKey(cls: ClassDescription): boolean {
  return keyNames(constructorKeys(cls)).includes("type");
}

/** Names under which `id` is registered on any base; a subclass position accepts its own names. */
export function ownRegisteredNames(types: ProjectTypes, id: string): string[] {
  const names: string[] = [];
  for (const definition of Object.values(types.definitions)) {
    if (definition.kind !== "class" || definition.registered === undefined) continue;
    for (const [name, target] of Object.entries(definition.registered)) {
      if (target === id) names.push(name);
    }
  }
  return names;
}

/**
 * Whether `type` selects a subclass for this class: a Registrable class that does not itself
 * take a `type` key. Otherwise `type` can only be a `module:Export` reference.
 */
export function selectsByType(cls: ClassDescription): boolean {
  return cls.registrable && !takesTypeKey(cls);
}

/** Registered names of a base (an empty list for a class that has none). */
export function registeredNames(cls: ClassDescription): string[] {
  return Object.keys(cls.registered ?? {});
}

/**
 * Map keys from the object form of a Map config are strings; a Map whose key type is numeric
 * gets them as numbers. Anything else is kept as the string it is.
 */
export function mapKeyFromObjectKey(types: ProjectTypes, keyType: TypeDescription, key: string): unknown {
  if (!isNumericKeyType(types, keyType)) return key;
  const number = Number(key);
  return key.trim() !== "" && !Number.isNaN(number) ? number : key;
}

function isNumericKeyType(types: ProjectTypes, keyType: TypeDescription): boolean {
  const resolved = resolveNamed(types, withoutUndefined(keyType));
  switch (resolved.kind) {
    case "number":
      return true;
    case "literal":
      return typeof resolved.value === "number";
    case "enum":
      return resolved.members.every((member) => typeof member.value === "number");
    case "union":
      return resolved.members.every((member) => isNumericKeyType(types, member));
    default:
      return false;
  }
}

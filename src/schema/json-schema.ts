/**
 * One JSON Schema (draft 2020-12) for workflow configs of a project, generated from the
 * analyzer's type descriptions, for editor completion and `formed workflow schema`. It mirrors
 * `validateStepArguments` (same key mapping, same Registrable choices, same module references)
 * and is never stricter: a config the validator accepts validates against it. The validator
 * remains the judge (it checks what JSON Schema says awkwardly, like "*" versus named keys).
 */
import {
  acceptsModuleReference,
  classOf,
  constructorKeys,
  isRequired,
  type ObjectType,
  ownRegisteredNames,
  positionalParameters,
  resolveNamed,
  selectsByType,
  takesTypeKey,
} from "../construct/definitions.js";
import { ISO_DATE_PATTERN } from "../construct/iso-date.js";
import { MODULE_REFERENCE_PATTERN } from "../construct/module-reference.js";
import type {
  ClassDescription,
  ProjectTypes,
  PropertyDescription,
  StepTypeDescription,
  TypeDescription,
} from "../types/type-description.js";

type Schema = Record<string, unknown>;

export const JSON_SCHEMA_DRAFT = "https://json-schema.org/draft/2020-12/schema";

/** The `$defs` entry every value position accepts besides its own type. */
const REF_SCHEMA: Schema = {
  description: "A reference to another step's result, or a field of it: 'NAME' or 'NAME.field.sub'.",
  type: "object",
  properties: { type: { const: "ref" }, ref: { type: "string" } },
  required: ["type", "ref"],
  additionalProperties: false,
};

const MODULE_REFERENCE_SCHEMA: Schema = {
  description:
    "Any exported class or function: 'package:Export', './relative/path.ts:Export' or 'node:url:URL', with its arguments as keys or positional in \"*\". Checked when it is imported.",
  type: "object",
  properties: {
    type: { type: "string", pattern: MODULE_REFERENCE_PATTERN },
    "*": { type: "array" },
  },
  required: ["type"],
};

export function projectJsonSchema(types: ProjectTypes): object {
  const generator = new SchemaGenerator(types);
  const alternatives = Object.values(types.steps).map((step) => ({ $ref: generator.stepRef(step) }));
  return {
    $schema: JSON_SCHEMA_DRAFT,
    title: "formed workflow config",
    type: "object",
    properties: {
      $schema: { type: "string" },
      steps: {
        type: "object",
        description: "Step name -> { type: registered step, ...its arguments }.",
        additionalProperties: alternatives.length === 0 ? false : { oneOf: alternatives },
      },
    },
    required: ["steps"],
    additionalProperties: false,
    $defs: generator.defs,
  };
}

class SchemaGenerator {
  readonly defs: Record<string, Schema> = { ref: REF_SCHEMA, moduleReference: MODULE_REFERENCE_SCHEMA };
  /** Definition key (id, partial or not) -> $defs name. */
  private readonly names = new Map<string, string>();

  constructor(private readonly types: ProjectTypes) {}

  stepRef(step: StepTypeDescription): string {
    return this.define(`step\0${step.name}`, `step.${step.name}`, () => this.stepSchema(step));
  }

  private stepSchema(step: StepTypeDescription): Schema {
    const typeProperty = { type: { const: step.name } };
    const schema: Schema = { type: "object" };
    if (step.description !== undefined) schema.description = step.description;
    const parameter = step.parameter === undefined ? undefined : resolveNamed(this.types, step.parameter);
    if (parameter?.kind === "object") {
      const object = this.objectSchema(parameter, false);
      return {
        ...schema,
        ...object,
        properties: { ...typeProperty, ...(object.properties as Schema) },
        required: ["type", ...((object.required as string[] | undefined) ?? [])],
      };
    }
    // No parameter: only `type`. A parameter not described as an object: anything besides `type`.
    return {
      ...schema,
      properties: typeProperty,
      required: ["type"],
      additionalProperties: parameter === undefined ? false : {},
    };
  }

  /** `$defs` entry created on first use; recursion finds the name already taken. */
  private define(key: string, wanted: string, build: () => Schema): string {
    let name = this.names.get(key);
    if (name === undefined) {
      const base = wanted.replace(/[^A-Za-z0-9_.-]/g, "_");
      name = base;
      for (let counter = 2; name in this.defs; counter++) name = `${base}_${counter}`;
      this.names.set(key, name);
      this.defs[name] = {};
      this.defs[name] = build();
    }
    return `#/$defs/${name}`;
  }

  /** A value position: its type, or a ref to a step result. */
  value(type: TypeDescription, partial = false): Schema {
    const schema = this.typeSchema(type, partial);
    if (Object.keys(schema).length === 0) return schema;
    return { anyOf: [schema, { $ref: "#/$defs/ref" }] };
  }

  typeSchema(type: TypeDescription, partial: boolean): Schema {
    switch (type.kind) {
      case "any":
        return {};
      case "string":
      case "number":
      case "boolean":
      case "null":
        return { type: type.kind };
      case "bigint":
        return { anyOf: [{ type: "integer" }, { type: "string", pattern: "^-?\\d+$" }] };
      case "undefined":
        return { not: {} };
      case "literal":
        return { const: type.value };
      case "enum":
        return { title: type.name, enum: type.members.map((member) => member.value) };
      case "union": {
        const members = type.members.filter((member) => member.kind !== "undefined");
        const resolved = members.map((member) => resolveNamed(this.types, member));
        if (resolved.every((member) => member.kind === "literal" || member.kind === "null")) {
          return { enum: resolved.map((member) => (member.kind === "literal" ? member.value : null)) };
        }
        if (members.length === 1) return this.typeSchema(members[0]!, partial);
        return { anyOf: members.map((member) => this.typeSchema(member, partial)) };
      }
      case "array":
      case "set":
      case "iterable":
        return { type: "array", items: this.value(type.element) };
      case "tuple":
        return {
          type: "array",
          prefixItems: type.elements.map((element) => this.value(element)),
          minItems: type.elements.length,
          items: type.rest === undefined ? false : this.value(type.rest),
        };
      case "record":
        return { type: "object", additionalProperties: this.value(type.value) };
      case "map":
        return this.mapSchema(type);
      case "date":
        return { type: "string", pattern: ISO_DATE_PATTERN, description: "An ISO 8601 date or date-time." };
      case "object": {
        const object = this.objectSchema(type, partial);
        return acceptsModuleReference(type)
          ? { anyOf: [object, { $ref: "#/$defs/moduleReference" }] }
          : object;
      }
      case "class": {
        const cls = classOf(this.types, type.id);
        if (cls === undefined) return {};
        return {
          $ref: this.define(`class\0${type.id}\0${partial}`, `${cls.name}${partial ? ".partial" : ""}`, () =>
            this.classSchema(cls, type.id, partial),
          ),
        };
      }
      case "named": {
        const definition = this.types.definitions[type.id];
        if (definition === undefined) return {};
        if (definition.kind === "class") return this.typeSchema({ kind: "class", id: type.id }, partial);
        return {
          $ref: this.define(
            `named\0${type.id}\0${partial}`,
            `${definition.name}${partial ? ".partial" : ""}`,
            () => {
              const schema = this.typeSchema(definition.type, partial);
              return definition.description === undefined
                ? schema
                : { description: definition.description, ...schema };
            },
          ),
        };
      }
      case "lazy":
        // A Lazy's config may leave out what `construct(extra)` supplies.
        return this.typeSchema(type.target, true);
      case "function":
      case "builtin":
        return { $ref: "#/$defs/moduleReference" };
      default:
        return {};
    }
  }

  private mapSchema(map: Extract<TypeDescription, { kind: "map" }>): Schema {
    const key = resolveNamed(this.types, map.key);
    const objectForm: Schema = { type: "object", additionalProperties: this.value(map.value) };
    // Object keys are strings; only string literal keys can be checked by name.
    if (
      key.kind === "union" &&
      key.members.every((m) => m.kind === "literal" && typeof m.value === "string")
    ) {
      objectForm.propertyNames = this.typeSchema(key, false);
    } else if (key.kind === "literal" && typeof key.value === "string") {
      objectForm.propertyNames = { const: key.value };
    }
    const pairForm: Schema = {
      type: "array",
      items: {
        type: "array",
        prefixItems: [this.value(map.key), this.value(map.value)],
        minItems: 2,
        items: false,
      },
    };
    return { description: "An object, or an array of [key, value] pairs.", anyOf: [objectForm, pairForm] };
  }

  private property(property: PropertyDescription): Schema {
    const schema = this.value(property.type);
    const annotations: Schema = {};
    if (property.description !== undefined) annotations.description = property.description;
    if (property.default !== undefined) annotations.default = property.default;
    return { ...annotations, ...schema };
  }

  private objectSchema(object: ObjectType, partial: boolean): Schema {
    const properties = Object.fromEntries(object.properties.map((p) => [p.name, this.property(p)]));
    const required = partial ? [] : object.properties.filter(isRequired).map((p) => p.name);
    const schema: Schema = {
      type: "object",
      properties,
      additionalProperties: object.additional === undefined ? false : this.value(object.additional),
    };
    if (required.length > 0) schema.required = required;
    return schema;
  }

  /** The alternatives a class position takes: its own arguments, registered subclasses, modules. */
  private classSchema(cls: ClassDescription, id: string, partial: boolean): Schema {
    const alternatives: Schema[] = [];
    const annotations: Schema = { title: cls.name };
    if (cls.description !== undefined) annotations.description = cls.description;
    if (selectsByType(cls)) {
      for (const [name, subclassId] of Object.entries(cls.registered ?? {})) {
        const subclass = classOf(this.types, subclassId);
        if (subclass !== undefined)
          alternatives.push(this.argumentsSchema(subclass, partial, { const: name }));
      }
      const own = ownRegisteredNames(this.types, id);
      if (!cls.abstract) {
        alternatives.push(this.argumentsSchema(cls, partial, undefined));
        if (own.length > 0) alternatives.push(this.argumentsSchema(cls, partial, { enum: own }));
      }
      alternatives.push({ $ref: "#/$defs/moduleReference" });
      // Distinct `type` values keep the alternatives apart.
      return { ...annotations, oneOf: alternatives };
    }
    if (!cls.abstract) alternatives.push(this.argumentsSchema(cls, partial, undefined));
    if (!takesTypeKey(cls)) alternatives.push({ $ref: "#/$defs/moduleReference" });
    return { ...annotations, anyOf: alternatives };
  }

  /** A class's constructor keys, with a `type` discriminator when one is given. */
  private argumentsSchema(
    cls: ClassDescription,
    partial: boolean,
    discriminator: Schema | undefined,
  ): Schema {
    const keys = constructorKeys(cls);
    const parameters = positionalParameters(keys);
    // prefixItems must not be empty: a constructor without parameters takes an empty "*".
    const positional: Schema =
      parameters.length === 0
        ? { type: "array", description: "Positional constructor arguments (none).", maxItems: 0 }
        : {
            type: "array",
            description: "Positional constructor arguments.",
            prefixItems: parameters.map((parameter) => this.value(parameter.type)),
            items: false,
          };
    const properties: Record<string, Schema> = {};
    if (discriminator !== undefined) properties.type = discriminator;
    const named = keys.mode === "options" ? keys.object.properties : keys.parameters;
    for (const property of named) properties[property.name] = this.property(property);
    const required = named.filter(isRequired).map((p) => p.name);
    properties["*"] = positional;
    const schema: Schema = {
      type: "object",
      properties,
      additionalProperties: false,
    };
    if (cls.description !== undefined) schema.description = cls.description;
    if (discriminator !== undefined) schema.required = ["type"];
    if (!partial && required.length > 0) {
      // Required keys may come positionally in "*"; an optional options object may be left out.
      const fixed = discriminator === undefined ? 0 : 1;
      // Each branch names its required keys in `properties` too, as ajv's strictRequired asks.
      const requiring = (keys: string[]): Schema => ({
        properties: Object.fromEntries(keys.map((key) => [key, true])),
        required: keys,
      });
      const ways: Schema[] = [requiring(required), requiring(["*"])];
      if (keys.mode === "options" && (keys.parameter.optional || keys.parameter.default !== undefined)) {
        ways.push({ maxProperties: fixed });
      }
      schema.anyOf = ways;
    }
    return schema;
  }
}

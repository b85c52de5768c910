/**
 * One JSON Schema (draft 2020-12) for workflow configs of a project, generated from the
 * analyzer's type descriptions, for editor completion and `formed workflow schema`. It mirrors
 * `validateStepArguments` (same key mapping, same Registrable choices, same module references)
 * and is never stricter: a config the validator accepts validates against it. The validator
 * remains the judge (it checks what JSON Schema says awkwardly, like "*" versus named keys).
 * Shaped for VS Code's JSON language service: see editor-shapes.ts.
 */
import {
  acceptsModuleReference,
  classOf,
  isRequired,
  type ObjectType,
  resolveNamed,
} from "../construct/definitions.js";
import { ISO_DATE_PATTERN } from "../construct/iso-date.js";
import {
  type ProjectTypes,
  type PropertyDescription,
  type StepTypeDescription,
  type TypeDescription,
  withoutUndefined,
} from "../types/type-description.js";
import {
  classSchema,
  MODULE_REFERENCE_REF,
  MODULE_REFERENCE_TYPE,
  REF_DOC,
  STEP_REF_REF,
  type ValueSchemas,
} from "./class-schema.js";
import { annotations, type Schema, type TypeChoice, typeEnum, whenType } from "./editor-shapes.js";
import { stepSignature, typeLabel } from "./type-label.js";

export const JSON_SCHEMA_DRAFT = "https://json-schema.org/draft/2020-12/schema";

/**
 * The `$defs` entry every value position accepts besides its own type. No description of its
 * own: the service shows the first one it meets, so the argument's would be hidden by it.
 */
const REF_SCHEMA: Schema = {
  type: "object",
  properties: {
    type: { const: "ref", ...annotations(REF_DOC) },
    ref: {
      type: "string",
      ...annotations("The step's name, or `NAME.field.sub` for a field of its result."),
    },
  },
  required: ["type", "ref"],
  additionalProperties: false,
};

const MODULE_REFERENCE_SCHEMA: Schema = {
  type: "object",
  properties: {
    type: {
      ...MODULE_REFERENCE_TYPE,
      ...annotations(
        "Any exported class or function: 'package:Export', './relative/path.ts:Export' or 'node:url:URL', with its arguments as keys or positional in \"*\". Checked when it is imported.",
      ),
    },
    "*": { type: "array", ...annotations("Positional arguments.") },
  },
  required: ["type"],
};

export function projectJsonSchema(types: ProjectTypes): object {
  const generator = new SchemaGenerator(types);
  const steps = Object.values(types.steps);
  return {
    $schema: JSON_SCHEMA_DRAFT,
    title: "formed workflow config",
    type: "object",
    properties: {
      $schema: {
        type: "string",
        ...annotations("This file's JSON Schema, written by `formed workflow schema --output FILE`."),
      },
      steps: {
        type: "object",
        ...annotations("Step name -> { type: registered step, ...its arguments }."),
        additionalProperties: steps.length === 0 ? false : { $ref: generator.anyStepRef(steps) },
      },
    },
    required: ["steps"],
    additionalProperties: false,
    $defs: generator.defs,
  };
}

class SchemaGenerator implements ValueSchemas {
  readonly defs: Record<string, Schema> = { ref: REF_SCHEMA, moduleReference: MODULE_REFERENCE_SCHEMA };
  /** Definition key (id, partial or not) -> $defs name. */
  private readonly names = new Map<string, string>();

  constructor(readonly types: ProjectTypes) {}

  /** Any step: `type` one of the registered steps, the other keys those of the step it names. */
  anyStepRef(steps: readonly StepTypeDescription[]): string {
    return this.define("steps", "step", () => {
      const choices: TypeChoice[] = steps.map((step) => ({
        name: step.name,
        doc: step.description,
        detail: `\`${stepSignature(this.types, step)}\``,
      }));
      return {
        type: "object",
        properties: {
          type: { ...annotations("The registered step this entry runs."), ...typeEnum(choices) },
        },
        required: ["type"],
        allOf: steps.map((step) => whenType(step.name, { $ref: this.stepRef(step) })),
      };
    });
  }

  /** One step's keys besides `type` (listed as `true` so that `additionalProperties` lets it be). */
  private stepRef(step: StepTypeDescription): string {
    return this.define(`step\0${step.name}`, `step.${step.name}`, () => ({
      type: "object",
      ...annotations(step.description, `\`${stepSignature(this.types, step)}\``),
      ...this.stepArguments(step),
    }));
  }

  private stepArguments(step: StepTypeDescription): Schema {
    const typeKey = { type: true };
    if (step.parameter === undefined) return { properties: typeKey, additionalProperties: false };
    const parameter = resolveNamed(this.types, step.parameter);
    switch (parameter.kind) {
      case "object": {
        const object = this.objectSchema(parameter, false);
        return { ...object, properties: { ...typeKey, ...(object.properties as Schema) } };
      }
      case "record":
      case "map":
        // Every key is an argument of the value type (a Map's object form: keys are strings).
        return { properties: typeKey, additionalProperties: this.value(parameter.value) };
      default:
        // A parameter not described as an object: anything besides `type`.
        return { properties: typeKey };
    }
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
    return { anyOf: [schema, { $ref: STEP_REF_REF }] };
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
        return acceptsModuleReference(type) ? { anyOf: [object, { $ref: MODULE_REFERENCE_REF }] } : object;
      }
      case "class": {
        const cls = classOf(this.types, type.id);
        if (cls === undefined) return {};
        return {
          $ref: this.define(`class\0${type.id}\0${partial}`, `${cls.name}${partial ? ".partial" : ""}`, () =>
            classSchema(this, cls, type.id, partial),
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
            // Its doc comment goes to the positions of this type (`property`), not here: the
            // service shows the first description it meets, which would hide an argument's own.
            () => ({ title: definition.name, ...this.typeSchema(definition.type, partial) }),
          ),
        };
      }
      case "lazy":
        // A Lazy's config may leave out what `construct(extra)` supplies.
        return this.typeSchema(type.target, true);
      case "function":
      case "builtin":
        return { $ref: MODULE_REFERENCE_REF };
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

  /**
   * An argument or a constructor key: its doc comment (else its type's), its type as text, its
   * default. Hover on the key, or on a ref in its place, shows these.
   */
  property(property: PropertyDescription): Schema {
    const optional = property.optional || property.default !== undefined ? "?" : "";
    const initial = property.default === undefined ? "" : ` = ${JSON.stringify(property.default)}`;
    const detail = `\`${property.name}${optional}: ${typeLabel(this.types, property.type)}${initial}\``;
    const schema = this.value(property.type);
    return {
      ...schema,
      ...annotations(property.description ?? this.typeDoc(property.type), detail),
      ...(property.default === undefined ? {} : { default: property.default }),
    };
  }

  /** The doc comment of a class or named type. */
  private typeDoc(type: TypeDescription): string | undefined {
    const resolved = withoutUndefined(type);
    if (resolved.kind !== "class" && resolved.kind !== "named") return undefined;
    return this.types.definitions[resolved.id]?.description;
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
}

/**
 * The schema of a position typed as a class: its constructor's keys, a Registrable base's
 * registered subclasses picked by `type` (one `enum` and a `then` per name, see
 * `editor-shapes.ts`), and `module:Export` references. The same choices as
 * `src/construct/validate.ts` makes.
 */
import {
  classOf,
  constructorKeys,
  isRequired,
  ownRegisteredNames,
  positionalParameters,
  selectsByType,
  takesTypeKey,
} from "../construct/definitions.js";
import { MODULE_REFERENCE_PATTERN } from "../construct/module-reference.js";
import type {
  ClassDescription,
  ProjectTypes,
  PropertyDescription,
  TypeDescription,
} from "../types/type-description.js";
import {
  annotations,
  HAS_TYPE,
  type Schema,
  type TypeChoice,
  typeEnum,
  when,
  whenType,
} from "./editor-shapes.js";

export const MODULE_REFERENCE_REF = "#/$defs/moduleReference";
export const STEP_REF_REF = "#/$defs/ref";
export const REF_DOC = "A reference to another step's result, or to a field of it.";
export const MODULE_REFERENCE_TYPE: Schema = { type: "string", pattern: MODULE_REFERENCE_PATTERN };

/** What the class positions need from the schema generator. */
export interface ValueSchemas {
  readonly types: ProjectTypes;
  /** A value position: its type, or a ref. */
  value(type: TypeDescription): Schema;
  /** A key with its doc comment and type as hover text. */
  property(property: PropertyDescription): Schema;
}

/** The `$defs` entry of a class position; `partial` for a Lazy's config (required keys may wait). */
export function classSchema(
  schemas: ValueSchemas,
  cls: ClassDescription,
  id: string,
  partial: boolean,
): Schema {
  if (selectsByType(cls)) return registrableSchema(schemas, cls, id, partial);
  const alternatives: Schema[] = [];
  if (!cls.abstract) alternatives.push(argumentsSchema(schemas, cls, partial, false));
  if (!takesTypeKey(cls)) alternatives.push({ $ref: MODULE_REFERENCE_REF });
  return { title: cls.name, anyOf: alternatives };
}

/**
 * A Registrable base: `type` is a registered name (every one offered, each with its class's
 * doc) or a module reference; the rest of the object is that class's keys. A base that is not
 * abstract is also built itself, without `type`.
 */
function registrableSchema(
  schemas: ValueSchemas,
  cls: ClassDescription,
  id: string,
  partial: boolean,
): Schema {
  const choices: TypeChoice[] = [];
  const branches: Schema[] = [];
  const choose = (name: string, chosen: ClassDescription) => {
    choices.push({ name, doc: chosen.description, detail: `\`${chosen.name}\`` });
    branches.push(whenType(name, argumentsSchema(schemas, chosen, partial, true)));
  };
  for (const [name, subclassId] of Object.entries(cls.registered ?? {})) {
    const subclass = classOf(schemas.types, subclassId);
    if (subclass !== undefined) choose(name, subclass);
  }
  if (!cls.abstract) {
    for (const name of ownRegisteredNames(schemas.types, id)) choose(name, cls);
    branches.push({ if: HAS_TYPE, else: argumentsSchema(schemas, cls, partial, false) });
  }
  // A ref is offered here too: the service completes `"type": "|"` from the one alternative it
  // judges best, and the ref beside this schema (`anyOf` in a value position) would be left out.
  if (!choices.some((choice) => choice.name === "ref")) {
    choices.push({ name: "ref", doc: REF_DOC, detail: "`{ type: 'ref', ref: 'NAME' }`" });
    branches.push(whenType("ref", { $ref: STEP_REF_REF }));
  }
  const names = choices.map((choice) => choice.name);
  // A registered name that looks like a module reference is still the registered class.
  const moduleType = names.some((name) => new RegExp(MODULE_REFERENCE_PATTERN).test(name))
    ? { ...MODULE_REFERENCE_TYPE, not: { enum: names } }
    : MODULE_REFERENCE_TYPE;
  branches.push(
    when({ properties: { type: moduleType }, required: ["type"] }, { $ref: MODULE_REFERENCE_REF }),
  );
  const typeKey: Schema = {
    ...annotations(`Picks the ${cls.name}: a registered name, or a module reference 'module:Export'.`),
    // The enum first: an unknown name is answered with the registered ones.
    anyOf: [typeEnum(choices), MODULE_REFERENCE_TYPE],
  };
  return {
    title: cls.name,
    type: "object",
    properties: { type: typeKey },
    ...(cls.abstract ? { required: ["type"] } : {}),
    allOf: branches,
  };
}

/**
 * A class's constructor keys; with `type` allowed when it picked the class (`typed`).
 * No description: an argument's own, on the key that holds it, is what hover shows.
 */
function argumentsSchema(
  schemas: ValueSchemas,
  cls: ClassDescription,
  partial: boolean,
  typed: boolean,
): Schema {
  const keys = constructorKeys(cls);
  const parameters = positionalParameters(keys);
  // prefixItems must not be empty: a constructor without parameters takes an empty "*".
  const positional: Schema =
    parameters.length === 0
      ? { type: "array", ...annotations("Positional constructor arguments (none)."), maxItems: 0 }
      : {
          type: "array",
          ...annotations(
            "Positional constructor arguments.",
            `\`[${parameters.map((parameter) => parameter.name).join(", ")}]\``,
          ),
          prefixItems: parameters.map((parameter) => schemas.value(parameter.type)),
          items: false,
        };
  const properties: Record<string, Schema | boolean> = {};
  if (typed) properties.type = true;
  const named = keys.mode === "options" ? keys.object.properties : keys.parameters;
  for (const property of named) properties[property.name] = schemas.property(property);
  const required = named.filter(isRequired).map((p) => p.name);
  properties["*"] = positional;
  const schema: Schema = { type: "object", properties, additionalProperties: false };
  if (!partial && required.length > 0) {
    // Required keys may come positionally in "*"; an optional options object may be left out.
    const fixed = typed ? 1 : 0;
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

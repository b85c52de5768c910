import ts from "typescript";
import type {
  ClassDescription,
  NamedDescription,
  PropertyDescription,
  TypeDescription,
} from "../type-description.js";
import { literalValue, NOT_LITERAL, propertyNameText } from "./literal-value.js";

/** Property name -> default value (NOT_LITERAL when there is a default the analyzer cannot read). */
export type Defaults = ReadonlyMap<string, unknown>;

/**
 * Defaults written where an argument object is received rather than in its type: destructuring
 * defaults (`({ size = 3 }: Options)`) and a literal default for the whole object
 * (`(options: Options = { size: 3 })`).
 */
export function parameterDefaults(parameter: ts.ParameterDeclaration, checker: ts.TypeChecker): Defaults {
  const defaults = new Map<string, unknown>();
  if (parameter.initializer !== undefined) {
    const whole = literalValue(parameter.initializer, checker);
    if (whole !== NOT_LITERAL && typeof whole === "object" && whole !== null && !Array.isArray(whole)) {
      for (const [key, value] of Object.entries(whole)) defaults.set(key, value);
    }
  }
  if (ts.isObjectBindingPattern(parameter.name)) {
    for (const element of parameter.name.elements) {
      if (element.dotDotDotToken !== undefined || element.initializer === undefined) continue;
      const key = propertyNameText(element.propertyName ?? element.name);
      if (key !== undefined) defaults.set(key, literalValue(element.initializer, checker));
    }
  }
  return defaults;
}

/** The object description behind `type`, following a named definition. */
export function objectView(
  type: TypeDescription,
  definitions: Readonly<Record<string, ClassDescription | NamedDescription>>,
): Extract<TypeDescription, { kind: "object" }> | undefined {
  if (type.kind === "object") return type;
  if (type.kind === "named") {
    const definition = definitions[type.id];
    if (definition?.kind === "named" && definition.type.kind === "object") return definition.type;
  }
  return undefined;
}

/** The properties with the defaults applied; a property with a default is optional. */
export function withDefaults(
  properties: readonly PropertyDescription[],
  defaults: Defaults,
): PropertyDescription[] {
  return properties.map((property) => {
    if (!defaults.has(property.name)) return property;
    const value = defaults.get(property.name);
    return { ...property, optional: true, ...(value === NOT_LITERAL ? {} : { default: value }) };
  });
}

/**
 * A TypeDescription as short TypeScript text (`Record<string, number>`, `Layout`, `{ init: number }`),
 * for the schema's hover texts: an argument without a doc comment still says what it takes.
 */
import type { ProjectTypes, StepTypeDescription, TypeDescription } from "../types/type-description.js";

/** Nesting shown before `…`; object literals show at most this many properties. */
const MAX_DEPTH = 3;
const MAX_PROPERTIES = 4;

export function typeLabel(types: ProjectTypes, type: TypeDescription, depth = 0): string {
  if (depth > MAX_DEPTH) return "…";
  const inner = (t: TypeDescription) => typeLabel(types, t, depth + 1);
  switch (type.kind) {
    case "literal":
      return JSON.stringify(type.value);
    case "enum":
      return type.name;
    case "union": {
      const members = type.members.filter((member) => member.kind !== "undefined");
      return members.length === 0 ? "undefined" : members.map(inner).join(" | ");
    }
    case "array": {
      const element = inner(type.element);
      return /[ |]/.test(element) ? `(${element})[]` : `${element}[]`;
    }
    case "tuple": {
      const elements = type.elements.map(inner);
      if (type.rest !== undefined) elements.push(`...${inner({ kind: "array", element: type.rest })}`);
      return `[${elements.join(", ")}]`;
    }
    case "record":
      return `Record<string, ${inner(type.value)}>`;
    case "map":
      return `Map<${inner(type.key)}, ${inner(type.value)}>`;
    case "set":
      return `Set<${inner(type.element)}>`;
    case "iterable":
      return `Iterable<${inner(type.element)}>`;
    case "date":
      return "Date";
    case "object": {
      const shown = type.properties
        .slice(0, MAX_PROPERTIES)
        .map((p) => `${p.name}${p.optional || p.default !== undefined ? "?" : ""}: ${inner(p.type)}`);
      if (type.properties.length > MAX_PROPERTIES) shown.push("…");
      if (type.additional !== undefined) shown.push(`[key: string]: ${inner(type.additional)}`);
      return shown.length === 0 ? "{}" : `{ ${shown.join("; ")} }`;
    }
    case "class":
    case "named":
      return types.definitions[type.id]?.name ?? "unknown";
    case "lazy":
      return `Lazy<${inner(type.target)}>`;
    case "function":
      return "function";
    case "builtin":
      return type.name;
    default:
      return type.kind;
  }
}

/** `{ init: number } → Iterable<number>`: what a step takes and gives. */
export function stepSignature(types: ProjectTypes, step: StepTypeDescription): string {
  const parameter = step.parameter === undefined ? "()" : typeLabel(types, step.parameter);
  return `${parameter} → ${typeLabel(types, step.returns)}`;
}

/** TypeScript-like text for a TypeDescription, for "expected X" messages. */
import type { ProjectTypes, TypeDescription } from "../types/type-description.js";

export function typeText(type: TypeDescription, types?: ProjectTypes): string {
  switch (type.kind) {
    case "literal":
      return JSON.stringify(type.value);
    case "enum":
      return type.name;
    case "union":
      return type.members.map((member) => typeText(member, types)).join(" | ");
    case "array":
      return `${wrapped(type.element, types)}[]`;
    case "tuple": {
      const elements = type.elements.map((element) => typeText(element, types));
      if (type.rest !== undefined) elements.push(`...${wrapped(type.rest, types)}[]`);
      return `[${elements.join(", ")}]`;
    }
    case "record":
      return `Record<string, ${typeText(type.value, types)}>`;
    case "map":
      return `Map<${typeText(type.key, types)}, ${typeText(type.value, types)}>`;
    case "set":
      return `Set<${typeText(type.element, types)}>`;
    case "iterable":
      return `Iterable<${typeText(type.element, types)}>`;
    case "date":
      return "Date";
    case "object": {
      const properties = type.properties.map(
        (property) => `${property.name}${property.optional ? "?" : ""}: ${typeText(property.type, types)}`,
      );
      if (type.additional !== undefined)
        properties.push(`[key: string]: ${typeText(type.additional, types)}`);
      return properties.length === 0 ? "{}" : `{ ${properties.join("; ")} }`;
    }
    case "class":
    case "named":
      return types?.definitions[type.id]?.name ?? type.id;
    case "lazy":
      return `Lazy<${typeText(type.target, types)}>`;
    case "function":
      return "function";
    case "builtin":
      return type.name;
    default:
      return type.kind;
  }
}

function wrapped(type: TypeDescription, types: ProjectTypes | undefined): string {
  const text = typeText(type, types);
  return type.kind === "union" ? `(${text})` : text;
}

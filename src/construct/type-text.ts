/** TypeScript-like text for a TypeDescription: "expected X" messages, and the schema's hover texts. */
import type { ProjectTypes, TypeDescription } from "../types/type-description.js";

/** For short labels (hovers): how much of a large type to show, `…` for the rest. */
export interface TypeTextLimits {
  /** Nesting shown before `…`. */
  readonly maxDepth: number;
  /** Properties of an object literal shown before `…`. */
  readonly maxProperties: number;
}

/**
 * The type as TypeScript would write it (`Record<string, number>`, `Layout`, `{ init: number }`).
 * With `limits`, deep and wide types are cut with `…`, `undefined` members of unions are left
 * out and a property with a default is shown optional (what an argument's hover needs).
 */
export function typeText(type: TypeDescription, types?: ProjectTypes, limits?: TypeTextLimits): string {
  return new TypeWriter(types, limits).text(type, 0);
}

class TypeWriter {
  constructor(
    readonly types: ProjectTypes | undefined,
    readonly limits: TypeTextLimits | undefined,
  ) {}

  text(type: TypeDescription, depth: number): string {
    if (this.limits !== undefined && depth > this.limits.maxDepth) return "…";
    const inner = (t: TypeDescription) => this.text(t, depth + 1);
    switch (type.kind) {
      case "literal":
        return JSON.stringify(type.value);
      case "enum":
        return type.name;
      case "union": {
        const members =
          this.limits === undefined
            ? type.members
            : type.members.filter((member) => member.kind !== "undefined");
        return members.length === 0 ? "undefined" : members.map(inner).join(" | ");
      }
      case "array":
        return `${this.#wrapped(type.element, depth + 1)}[]`;
      case "tuple": {
        const elements = type.elements.map(inner);
        if (type.rest !== undefined) elements.push(`...${this.#wrapped(type.rest, depth + 1)}[]`);
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
        const limit = this.limits?.maxProperties ?? type.properties.length;
        const shown = type.properties.slice(0, limit).map((property) => {
          const optional = property.optional || (this.limits !== undefined && property.default !== undefined);
          return `${property.name}${optional ? "?" : ""}: ${inner(property.type)}`;
        });
        if (type.properties.length > limit) shown.push("…");
        if (type.additional !== undefined) shown.push(`[key: string]: ${inner(type.additional)}`);
        return shown.length === 0 ? "{}" : `{ ${shown.join("; ")} }`;
      }
      case "class":
      case "named":
        return this.types?.definitions[type.id]?.name ?? type.id;
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

  /** A union as an array's element needs parentheses. */
  #wrapped(type: TypeDescription, depth: number): string {
    const text = this.text(type, depth);
    return /[ |]/.test(text) && type.kind === "union" ? `(${text})` : text;
  }
}

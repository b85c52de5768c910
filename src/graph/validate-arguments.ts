import { resolveNamed } from "../construct/definitions.js";
import { validateStepArguments } from "../construct/validate.js";
import type { ConfigIssue } from "../errors.js";
import type { ProjectTypes, TypeDescription } from "../types/type-description.js";

const ANY: TypeDescription = { kind: "any" };

/**
 * Checks every step's arguments against the parameter type read from its source, refs included:
 * a ref must give (after its field path) a type assignable to the position it feeds.
 */
export function validateGraphArguments(
  config: { steps: Record<string, Record<string, unknown> & { type: string }> },
  stepTypeOf: (name: string) => string | undefined,
  types: ProjectTypes,
): ConfigIssue[] {
  const stepNames = new Set(Object.keys(config.steps));
  const issues: ConfigIssue[] = [];
  for (const [name, stepConfig] of Object.entries(config.steps)) {
    const type = stepTypeOf(name);
    // Steps without analyzed types (defined in code, not in a required module) accept anything.
    if (type === undefined || types.steps[type] === undefined) continue;
    issues.push(
      ...validateStepArguments(types, type, stepConfig, `steps.${name}`, {
        stepNames,
        refType: (ref) => {
          const producer = stepTypeOf(ref.step);
          const returns = producer === undefined ? undefined : types.steps[producer]?.returns;
          return returns === undefined ? undefined : typeAtField(types, returns, ref.field);
        },
      }),
    );
  }
  return issues;
}

/** The type of `field` inside a value of `type`; `any` wherever it cannot be known statically. */
function typeAtField(types: ProjectTypes, type: TypeDescription, field: readonly string[]): TypeDescription {
  let current = type;
  for (const key of field) {
    current = resolveNamed(types, current);
    switch (current.kind) {
      case "object": {
        const property = current.properties.find((candidate) => candidate.name === key);
        current = property?.type ?? current.additional ?? ANY;
        break;
      }
      case "record":
        current = current.value;
        break;
      case "map":
        current = current.value;
        break;
      case "array":
        current = /^\d+$/.test(key) ? current.element : ANY;
        break;
      case "tuple":
        current = /^\d+$/.test(key) ? (current.elements[Number(key)] ?? current.rest ?? ANY) : ANY;
        break;
      default:
        return ANY;
    }
  }
  return current;
}

/** Names of the arguments typed `Ignore<T>` in the step's parameter type. */
export function ignoredArgumentsOf(types: ProjectTypes | undefined, stepType: string): string[] {
  const parameter = types?.steps[stepType]?.parameter;
  if (types === undefined || parameter === undefined) return [];
  const resolved = resolveNamed(types, parameter);
  if (resolved.kind !== "object") return [];
  return resolved.properties.filter((property) => property.ignored === true).map((property) => property.name);
}

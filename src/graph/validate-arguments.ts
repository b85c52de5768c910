import { closestName } from "../common/closest-name.js";
import { resolveNamed } from "../construct/definitions.js";
import { typeText } from "../construct/type-text.js";
import { PRIMITIVE_KINDS, validateStepArguments } from "../construct/validate.js";
import { type ConfigIssue, ConfigurationError } from "../errors.js";
import type { ProjectTypes, TypeDescription } from "../types/type-description.js";
import { formatPath, type StepRef } from "./ref.js";

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
    const options = {
      stepNames,
      refType: (ref: { step: string; field: readonly string[] }) => {
        const producer = stepTypeOf(ref.step);
        const returns = producer === undefined ? undefined : types.steps[producer]?.returns;
        if (returns === undefined) return undefined;
        const found = typeAtField(types, returns, ref.field);
        // A missing field is reported once, by validateFieldRefs, wherever the ref stands.
        return "type" in found ? found.type : ANY;
      },
    };
    try {
      issues.push(...validateStepArguments(types, type, stepConfig, `steps.${name}`, options));
    } catch (error) {
      // A config too deep to check (the stack ran out): one issue of this step among the others.
      if (!(error instanceof ConfigurationError)) throw error;
      issues.push(...error.issues);
    }
  }
  return issues;
}

/**
 * Field refs to a field the producing step's result type does not have (an object type without
 * that property and without an index signature, or a primitive): reported at check time, before
 * any step runs, instead of failing the reading step after its upstream steps ran. Every ref is
 * checked, also those inside arguments typed `any`.
 */
export function validateFieldRefs(
  refsByStep: ReadonlyMap<string, readonly StepRef[]>,
  stepTypeOf: (name: string) => string | undefined,
  types: ProjectTypes,
): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const [name, refs] of refsByStep) {
    for (const ref of refs) {
      if (ref.field.length === 0) continue;
      const producer = stepTypeOf(ref.step);
      const returns = producer === undefined ? undefined : types.steps[producer]?.returns;
      if (returns === undefined) continue;
      const found = typeAtField(types, returns, ref.field);
      if ("type" in found) continue;
      const { at, owner } = found;
      const reading = [ref.step, ...ref.field].join(".");
      const ownerPath = [ref.step, ...ref.field.slice(0, at)].join(".");
      const key = ref.field[at]!;
      const resolved = resolveNamed(types, owner);
      const detail =
        resolved.kind === "object"
          ? `"${ownerPath}" is ${typeText(owner, types)}, without "${key}"${suggest(
              key,
              resolved.properties.map((p) => p.name),
            )}`
          : `"${ownerPath}" is ${typeText(owner, types)}, which has no fields`;
      issues.push({
        path: `steps.${name}.${formatPath(ref.path)}`,
        message: `ref "${reading}" names no field of step "${ref.step}"'s result: ${detail}`,
      });
    }
  }
  return issues;
}

function suggest(key: string, known: readonly string[]): string {
  const suggestion = closestName(key, known);
  if (suggestion !== undefined) return `; did you mean "${suggestion}"?`;
  return known.length === 0 ? "" : ` (fields: ${known.join(", ")})`;
}

/**
 * The type of `field` inside a value of `type`; `any` wherever it cannot be known statically
 * (unions, classes, iterables). When a key is certainly missing: its index, and the type without it.
 */
function typeAtField(
  types: ProjectTypes,
  type: TypeDescription,
  field: readonly string[],
): { type: TypeDescription } | { at: number; owner: TypeDescription } {
  let current = type;
  for (const [index, key] of field.entries()) {
    const resolved = resolveNamed(types, current);
    switch (resolved.kind) {
      case "object": {
        const property = resolved.properties.find((candidate) => candidate.name === key);
        const next = property?.type ?? resolved.additional;
        if (next === undefined) return { at: index, owner: current };
        current = next;
        break;
      }
      case "record":
        current = resolved.value;
        break;
      case "map":
        current = resolved.value;
        break;
      case "array":
        current = /^\d+$/.test(key) ? resolved.element : ANY;
        break;
      case "tuple":
        current = /^\d+$/.test(key) ? (resolved.elements[Number(key)] ?? resolved.rest ?? ANY) : ANY;
        break;
      default:
        if (PRIMITIVE_KINDS.has(resolved.kind)) return { at: index, owner: current };
        return { type: ANY };
    }
  }
  return { type: current };
}

/** Names of the arguments typed `Ignore<T>` in the step's parameter type. */
export function ignoredArgumentsOf(types: ProjectTypes | undefined, stepType: string): string[] {
  const parameter = types?.steps[stepType]?.parameter;
  if (types === undefined || parameter === undefined) return [];
  const resolved = resolveNamed(types, parameter);
  if (resolved.kind !== "object") return [];
  return resolved.properties.filter((property) => property.ignored === true).map((property) => property.name);
}

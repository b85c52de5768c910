/**
 * Whether a value of type `source` (a step's output, after field access) fits where `target` is
 * expected. Structural like TypeScript, but lenient wherever the descriptions cannot tell: `any`
 * on either side fits, and a plain object type fits a class (only constructor parameters of
 * classes are described, not their instance shape). A false answer is a definite mismatch.
 */
import type { ProjectTypes, TypeDescription } from "../types/type-description.js";
import { classOf, resolveNamed } from "./definitions.js";

export function isAssignable(source: TypeDescription, target: TypeDescription, types: ProjectTypes): boolean {
  return assignable(source, target, types, new Set());
}

function assignable(
  rawSource: TypeDescription,
  rawTarget: TypeDescription,
  types: ProjectTypes,
  inProgress: Set<string>,
): boolean {
  // Recursive types: a pair already being compared is assumed to fit (coinductively).
  const pairKey = JSON.stringify([rawSource, rawTarget]);
  if (inProgress.has(pairKey)) return true;
  inProgress.add(pairKey);
  try {
    const source = resolveNamed(types, rawSource);
    const target = resolveNamed(types, rawTarget);
    const recurse = (s: TypeDescription, t: TypeDescription) => assignable(s, t, types, inProgress);

    if (source.kind === "any" || target.kind === "any") return true;
    if (source.kind === "union") return source.members.every((member) => recurse(member, target));
    if (source.kind === "enum") {
      return source.members.every((member) => recurse({ kind: "literal", value: member.value }, target));
    }
    if (target.kind === "union") return target.members.some((member) => recurse(source, member));

    switch (target.kind) {
      case "string":
      case "number":
      case "boolean":
        return (
          source.kind === target.kind || (source.kind === "literal" && typeof source.value === target.kind)
        );
      case "bigint":
      case "null":
      case "undefined":
      case "date":
      case "function":
        return source.kind === target.kind;
      case "literal":
        return source.kind === "literal" && source.value === target.value;
      case "enum":
        return source.kind === "literal" && target.members.some((member) => member.value === source.value);
      case "array":
        if (source.kind === "array") return recurse(source.element, target.element);
        if (source.kind === "tuple") {
          return (
            source.elements.every((element) => recurse(element, target.element)) &&
            (source.rest === undefined || recurse(source.rest, target.element))
          );
        }
        return false;
      case "tuple":
        if (source.kind !== "tuple" || source.elements.length !== target.elements.length) return false;
        if (!source.elements.every((element, index) => recurse(element, target.elements[index]!)))
          return false;
        if (source.rest === undefined) return true;
        return target.rest !== undefined && recurse(source.rest, target.rest);
      case "iterable":
      case "set": {
        if (source.kind === "array" || source.kind === "set" || source.kind === "iterable") {
          // A Set or an array is iterable, but an array is no Set.
          if (target.kind === "set" && source.kind !== "set") return false;
          if (target.kind === "iterable" || source.kind === "set")
            return recurse(source.element, target.element);
        }
        if (target.kind === "iterable" && source.kind === "tuple") {
          return source.elements.every((element) => recurse(element, target.element));
        }
        return false;
      }
      case "record":
        if (source.kind === "record") return recurse(source.value, target.value);
        if (source.kind === "object") {
          return (
            source.properties.every((property) => recurse(property.type, target.value)) &&
            (source.additional === undefined || recurse(source.additional, target.value))
          );
        }
        return source.kind === "class";
      case "map":
        return (
          source.kind === "map" && recurse(source.key, target.key) && recurse(source.value, target.value)
        );
      case "object": {
        if (source.kind === "class") return true;
        // Lenient: a record may or may not hold the listed keys; its values must fit them.
        if (source.kind === "record")
          return target.properties.every((property) => recurse(source.value, property.type));
        if (source.kind !== "object") return false;
        return target.properties.every((property) => {
          const found = source.properties.find((candidate) => candidate.name === property.name);
          if (found === undefined) return property.optional || source.additional !== undefined;
          return recurse(found.type, property.type);
        });
      }
      case "class": {
        if (source.kind === "object" || source.kind === "record") return true;
        if (source.kind !== "class") return false;
        return isSubclass(source.id, target.id, types, new Set());
      }
      case "lazy":
        return source.kind === "lazy" && recurse(source.target, target.target);
      case "builtin":
        // A described class may well extend the built-in (`class MyUrl extends URL`): lenient.
        return (source.kind === "builtin" && source.name === target.name) || source.kind === "class";
      default:
        return false;
    }
  } finally {
    inProgress.delete(pairKey);
  }
}

/** Same class (by id, or by module and export), or registered under it, directly or not. */
function isSubclass(sourceId: string, targetId: string, types: ProjectTypes, seen: Set<string>): boolean {
  if (sourceId === targetId) return true;
  const source = classOf(types, sourceId);
  const target = classOf(types, targetId);
  if (source === undefined || target === undefined) return true;
  if (source.module === target.module && source.exportName === target.exportName) return true;
  if (seen.has(targetId)) return false;
  seen.add(targetId);
  return Object.values(target.registered ?? {}).some((sub) => isSubclass(sourceId, sub, types, seen));
}

/**
 * Short TypeScript text for the schema's hover texts: an argument without a doc comment still
 * says what it takes.
 */
import { typeText } from "../construct/type-text.js";
import type { ProjectTypes, StepTypeDescription, TypeDescription } from "../types/type-description.js";

const LIMITS = { maxDepth: 3, maxProperties: 4 };

export function typeLabel(types: ProjectTypes, type: TypeDescription): string {
  return typeText(type, types, LIMITS);
}

/** `{ init: number } → Iterable<number>`: what a step takes and gives. */
export function stepSignature(types: ProjectTypes, step: StepTypeDescription): string {
  const parameter = step.parameter === undefined ? "()" : typeLabel(types, step.parameter);
  return `${parameter} → ${typeLabel(types, step.returns)}`;
}

import { FormatRegistry } from "../../src/format/registry.js";
import { StepRegistry } from "../../src/step/registry.js";
import type { Step } from "../../src/step/step.js";

/** Fresh registries holding `steps` under their keys: no globals, so tests never collide. */
export function registries(steps: Record<string, Step>): { steps: StepRegistry; formats: FormatRegistry } {
  const registry = new StepRegistry();
  for (const [name, step] of Object.entries(steps)) registry.register(step, { name });
  return { steps: registry, formats: new FormatRegistry() };
}

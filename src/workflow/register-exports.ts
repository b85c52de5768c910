import type { ClassRegistry } from "../format/class-registry.js";
import { isNamedFormat } from "../format/define-format.js";
import type { FormatRegistry } from "../format/registry.js";
import type { LoadedModule } from "../modules/loaded-module.js";
import type { StepRegistry } from "../step/registry.js";
import { isStep } from "../step/step.js";

/**
 * Registers what the required modules export: steps (by export name or `options.name`),
 * formats made with `defineFormat` (by their name), and classes (as `<module id>:<Export>`, so
 * formats can store and restore their instances).
 */
export function registerModuleExports(
  modules: readonly LoadedModule[],
  registries: { steps: StepRegistry; formats: FormatRegistry; classes: ClassRegistry },
): void {
  // Formats first: steps name them.
  for (const module of modules) {
    for (const value of Object.values(module.exports)) {
      if (isNamedFormat(value) && registries.formats.get(value.name) !== value) {
        registries.formats.register(value.name, value);
      }
    }
  }
  registries.steps.registerModules(modules);
  for (const module of modules) {
    for (const [exportName, value] of Object.entries(module.exports)) {
      if (isClass(value) && registries.classes.nameOf(value) === undefined) {
        registries.classes.register(`${module.id}:${exportName}`, value);
      }
    }
  }
}

function isClass(value: unknown): value is abstract new (...args: never[]) => unknown {
  return (
    typeof value === "function" &&
    !isStep(value) &&
    /^class[\s{]/.test(Function.prototype.toString.call(value))
  );
}

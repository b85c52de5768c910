import { FormedError } from "../errors.js";
import type { LoadedModule } from "../modules/loaded-module.js";
import { isStep, type Step } from "./step.js";

/** A step as the workflow knows it: its registered name and where it was found. */
export interface RegisteredStep {
  readonly name: string;
  readonly step: Step;
  /** The module of `required_modules` that exports it, when it came from one. */
  readonly module?: LoadedModule;
  readonly exportName?: string;
}

/**
 * Registered steps by name. An object handed to what needs it (graph building, schema),
 * never a global: two registries in one process do not see each other's steps.
 */
export class StepRegistry {
  readonly #steps = new Map<string, RegisteredStep>();

  /** Registers `step` under `name` (its `options.name` when given). A name taken by another step is an error. */
  register(
    step: Step,
    origin: { name?: string; module?: LoadedModule; exportName?: string } = {},
  ): RegisteredStep {
    const name = step.options.name ?? origin.name ?? origin.exportName;
    if (name === undefined || name === "") {
      throw new FormedError("E_MODULE", "a step needs a name: give step({ name }) or export it under a name");
    }
    const existing = this.#steps.get(name);
    if (existing !== undefined) {
      if (existing.step === step) return existing;
      const where = (entry: { module?: LoadedModule; exportName?: string }) =>
        entry.module === undefined ? "code" : `${entry.module.id} (export ${entry.exportName ?? "?"})`;
      throw new FormedError(
        "E_MODULE",
        `two different steps are registered as "${name}": one in ${where(existing)}, one in ${where(origin)}`,
        { hint: "give one of them another name with step({ name: ... })" },
      );
    }
    const entry: RegisteredStep = {
      name,
      step,
      ...(origin.module === undefined ? {} : { module: origin.module }),
      ...(origin.exportName === undefined ? {} : { exportName: origin.exportName }),
    };
    this.#steps.set(name, entry);
    return entry;
  }

  /** Registers every step exported by `modules`. A default export needs `options.name`. */
  registerModules(modules: readonly LoadedModule[]): void {
    for (const module of modules) {
      for (const [exportName, value] of Object.entries(module.exports)) {
        if (!isStep(value)) continue;
        if (exportName === "default" && value.options.name === undefined) continue;
        this.register(value, { module, exportName });
      }
    }
  }

  get(name: string): RegisteredStep | undefined {
    return this.#steps.get(name);
  }

  names(): string[] {
    return [...this.#steps.keys()].sort();
  }

  entries(): RegisteredStep[] {
    return this.names().map((name) => this.#steps.get(name)!);
  }
}

/**
 * Maps classes to stable names and back, so formats can store class instances and restore
 * them with their prototype. Names are `<module specifier or relative file>:<ExportName>`
 * for classes exported by required modules, or any name a user registers explicitly.
 * One registry per workflow run, handed to the formats and caches that need it.
 */
// biome-ignore lint/suspicious/noExplicitAny: any constructor signature is registrable
export type AnyClass = abstract new (...args: any[]) => unknown;

export class ClassRegistry {
  readonly #byName = new Map<string, AnyClass>();
  readonly #byClass = new Map<AnyClass, string>();

  /** Registers `cls` under `name`. The first name given to a class is the one used for writing. */
  register(name: string, cls: AnyClass): void {
    const existing = this.#byName.get(name);
    if (existing !== undefined && existing !== cls) {
      throw new Error(`class name "${name}" is already registered for another class`);
    }
    this.#byName.set(name, cls);
    if (!this.#byClass.has(cls)) this.#byClass.set(cls, name);
  }

  nameOf(cls: AnyClass): string | undefined {
    return this.#byClass.get(cls);
  }

  get(name: string): AnyClass | undefined {
    return this.#byName.get(name);
  }

  names(): string[] {
    return [...this.#byName.keys()];
  }
}

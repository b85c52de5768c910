// biome-ignore-all lint/complexity/noThisInStatic: `this` is the base class register/byName is called on; each base has its own registry.
/**
 * `Registrable`: a base class whose subclasses are chosen in config by a registered name,
 * `{ type: 'whitespace', ... }`, as the seed's colt `Registrable`. Each class `register` is
 * called on keeps its own registry, so two unrelated bases may both use the name "default".
 */

/** Any class, abstract or not: registries hold subclasses of abstract bases. */
// biome-ignore lint/suspicious/noExplicitAny: constructor parameters of arbitrary user classes are unknowable here.
type AnyClass = abstract new (...args: any[]) => unknown;

/**
 * Base constructor -> (registered name -> subclass). A WeakMap keyed by the base itself, so the
 * registry lives exactly as long as the user's class and two copies of a module (reloaded, or
 * imported under two URLs) never share names by accident.
 */
const registries = new WeakMap<AnyClass, Map<string, AnyClass>>();

function registryOf(base: AnyClass): Map<string, AnyClass> {
  let registry = registries.get(base);
  if (registry === undefined) {
    registry = new Map();
    registries.set(base, registry);
  }
  return registry;
}

/**
 * What `Base.register(name)` returns: usable as a TC39 class decorator `(value, context)`, as a
 * legacy (`experimentalDecorators`) class decorator `(target)`, and as a plain call
 * `Base.register("x")(Cls)`. It returns the class unchanged.
 */
export type RegisterDecorator<Base extends AnyClass> = <
  C extends abstract new (
    ...args: never[]
  ) => InstanceType<Base>,
>(
  value: C,
  context?: ClassDecoratorContext<C>,
) => C;

/** A class whose instances are instances of Base (what a base's registry holds). */
export type SubclassOf<Base extends AnyClass> = abstract new (...args: never[]) => InstanceType<Base>;

// biome-ignore lint/complexity/noStaticOnlyClass: users extend it; its statics act on the subclass they are called on.
export abstract class Registrable {
  /**
   * Registers a subclass of this class under `name`: as a decorator, `@Base.register("x")`, or
   * by a plain call after the class, `Base.register("x", Cls)` (or `Base.register("x")(Cls)`).
   * Registering the same class again under the same name is a no-op (modules may be evaluated
   * twice by test runners); another class under a taken name is an error, as is a class that
   * does not extend this one.
   */
  static register<Base extends AnyClass>(this: Base, name: string): RegisterDecorator<Base>;
  static register<Base extends AnyClass, C extends SubclassOf<Base>>(this: Base, name: string, cls: C): C;
  static register<Base extends AnyClass>(
    this: Base,
    name: string,
    ...cls: [SubclassOf<Base>?]
  ): RegisterDecorator<Base> | SubclassOf<Base> {
    if (typeof name !== "string" || name === "") {
      throw new TypeError(`${this.name}.register: expected a non-empty name, got ${String(name)}`);
    }
    const decorator = <C extends abstract new (...args: never[]) => InstanceType<Base>>(
      value: C,
      context?: unknown,
    ): C => {
      // TC39 decorators pass a context object; anything but a class context means misuse.
      if (context !== undefined && (context as { kind?: unknown }).kind !== "class") {
        throw new TypeError(`${this.name}.register("${name}") decorates classes only`);
      }
      if (typeof value !== "function" || !((value as unknown) === this || value.prototype instanceof this)) {
        throw new TypeError(
          `${this.name}.register("${name}"): ${(value as { name?: string })?.name ?? String(value)} does not extend ${this.name}`,
        );
      }
      const registry = registryOf(this);
      const existing = registry.get(name);
      if (existing !== undefined && existing !== value) {
        throw new Error(
          `${this.name}.register: "${name}" is already registered for ${existing.name}, cannot register ${value.name}`,
        );
      }
      registry.set(name, value);
      return value;
    };
    // The two-argument call registers at once; `undefined` given explicitly is a mistake, not the decorator form.
    if (cls.length > 0) return decorator(cls[0] as SubclassOf<Base>);
    return decorator;
  }

  /** The subclass registered under `name` on this very class, or undefined. */
  static byName<Base extends AnyClass>(this: Base, name: string): SubclassOf<Base> | undefined {
    return registries.get(this)?.get(name) as SubclassOf<Base> | undefined;
  }

  /** The names registered on this very class, in registration order. */
  static registeredNames(this: AnyClass): string[] {
    return [...(registries.get(this)?.keys() ?? [])];
  }
}

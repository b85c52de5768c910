/**
 * A serializable description of the TypeScript types a step accepts, read from the user's
 * source by the analyzer (`src/types/analyzer/`), and used to build objects from config
 * (`src/construct/`), to validate configs before anything runs, and to generate JSON Schema.
 * Plain JSON: it is cached on disk between runs.
 */
export type TypeDescription =
  /** `any`, `unknown`, or anything the analyzer cannot describe: accepted as is. */
  | { readonly kind: "any" }
  | { readonly kind: "string" }
  | { readonly kind: "number" }
  | { readonly kind: "boolean" }
  | { readonly kind: "bigint" }
  | { readonly kind: "null" }
  | { readonly kind: "undefined" }
  | { readonly kind: "literal"; readonly value: string | number | boolean }
  | {
      readonly kind: "enum";
      readonly name: string;
      readonly members: readonly { name: string; value: string | number }[];
    }
  | { readonly kind: "union"; readonly members: readonly TypeDescription[] }
  | { readonly kind: "array"; readonly element: TypeDescription }
  | { readonly kind: "tuple"; readonly elements: readonly TypeDescription[]; readonly rest?: TypeDescription }
  /** `Record<string, T>` and index signatures. */
  | { readonly kind: "record"; readonly value: TypeDescription }
  | { readonly kind: "map"; readonly key: TypeDescription; readonly value: TypeDescription }
  | { readonly kind: "set"; readonly element: TypeDescription }
  /** `Iterable<T>` / `AsyncIterable<T>`: what a streamed step result is read as. */
  | { readonly kind: "iterable"; readonly element: TypeDescription }
  /** Built from an ISO 8601 string. */
  | { readonly kind: "date" }
  /** Interfaces and object type literals. */
  | {
      readonly kind: "object";
      readonly properties: readonly PropertyDescription[];
      /** The type of keys not listed (an index signature); absent means unknown keys are errors. */
      readonly additional?: TypeDescription;
    }
  /** A class (or an abstract/Registrable base): see `definitions[id]`. */
  | { readonly kind: "class"; readonly id: string }
  /** A named object type or alias, for recursive types: see `definitions[id]`. */
  | { readonly kind: "named"; readonly id: string }
  /** `Lazy<T>`: a builder that constructs T later, with extra arguments. */
  | { readonly kind: "lazy"; readonly target: TypeDescription }
  /** A function type: accepted from `type: 'module:export'` references only. */
  | { readonly kind: "function" }
  /**
   * An instance of a class formed cannot build from plain config: a built-in (`URL`, `RegExp`,
   * `Buffer`) or a class known only from a declaration file's interface and constructor
   * variable. Accepted from `type: 'module:Export'` references (and refs) only.
   */
  | { readonly kind: "builtin"; readonly name: string };

export interface PropertyDescription {
  readonly name: string;
  readonly type: TypeDescription;
  readonly optional: boolean;
  /** The default value when it is a literal the analyzer could read (JSON). */
  readonly default?: unknown;
  /** From the doc comment. */
  readonly description?: string;
  /** Marked `Ignore<T>`: left out of the fingerprint. */
  readonly ignored?: boolean;
}

export interface ClassDescription {
  readonly kind: "class";
  /** Class name as written. */
  readonly name: string;
  /** How to import it from the working directory: a package name (with subpath) or an absolute file path. */
  readonly module: string;
  /** The export that is this class. */
  readonly exportName: string;
  readonly abstract: boolean;
  /** Whether it extends `Registrable` (directly or not). */
  readonly registrable: boolean;
  /**
   * The constructor's parameters in order; or, when the constructor takes one object parameter
   * (an options object, `optionsObject: true`), that object's properties: the config keys either way.
   */
  readonly parameters: readonly PropertyDescription[];
  readonly optionsObject: boolean;
  /** For a Registrable base: registered name -> id of the subclass definition. */
  readonly registered?: Readonly<Record<string, string>>;
  readonly description?: string;
}

export interface NamedDescription {
  readonly kind: "named";
  readonly name: string;
  readonly type: TypeDescription;
  readonly description?: string;
}

export interface StepTypeDescription {
  /** The registered step name. */
  readonly name: string;
  /** The argument object's type; absent when the step takes no parameter. */
  readonly parameter?: TypeDescription;
  /** The result type, with Promise unwrapped and generators turned into `iterable`. */
  readonly returns: TypeDescription;
  readonly description?: string;
}

/** What the analyzer gives for a project: every registered step, and every class or named type they reach. */
export interface ProjectTypes {
  readonly steps: Readonly<Record<string, StepTypeDescription>>;
  readonly definitions: Readonly<Record<string, ClassDescription | NamedDescription>>;
}

/** An optional value's type without the `undefined` that optionality adds (`T | undefined` -> `T`). */
export function withoutUndefined(type: TypeDescription): TypeDescription {
  if (type.kind !== "union") return type;
  const rest = type.members.filter((member) => member.kind !== "undefined");
  if (rest.length === type.members.length) return type;
  if (rest.length === 0) return { kind: "undefined" };
  return rest.length === 1 ? rest[0]! : { kind: "union", members: rest };
}

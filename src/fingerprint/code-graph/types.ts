/**
 * The code graph's public types, and the module summary it remembers for each file content.
 * Imports nothing, so that every other file (normalize-function.ts included) may import it.
 */

/** Where a step's code starts. */
export type CodeRoot =
  /** An export of a module: the step's own `export const x = step(...)` (the whole declarator unit), or a class/function the config builds. `specifier` is an absolute file path, a path relative to `from`'s directory (./x.ts), a package name (with subpath) or a node built-in; `exportName` may be "default". */
  | {
      readonly kind: "export";
      readonly specifier: string;
      /** Absolute path of a file or directory to resolve from. */
      readonly from: string;
      readonly exportName: string;
    }
  /** A function located some other way (a step() call that is not a named export): its own hash and free references, resolved in `file` (absolute) when given. */
  | {
      readonly kind: "function";
      readonly name: string;
      readonly file?: string;
      readonly hash: string;
      readonly references: UnitReferences;
    };

export interface UnitReferences {
  /** Free (non-local) identifiers the code uses, e.g. "triple", "helpers". */
  readonly names: readonly string[];
  /** For free identifiers used as `ns.prop` (non-computed): name -> props. A name used otherwise too is also in `bare`. */
  readonly members: Readonly<Record<string, readonly string[]>>;
  /** Free identifiers used other than as the object of a non-computed member access. */
  readonly bare: readonly string[];
  /** Literal `import("x")` / `require("x")` specifiers. */
  readonly dynamicImports: readonly string[];
  /** Source text of dynamic imports/requires whose specifier is computed (not followed). */
  readonly computedImports: readonly string[];
}

export interface CodeUnit {
  /** `<file>#<name>`, file relative to the project root with "/" separators; module top-level code other than declarations is the unit `<file>#<module>`. */
  readonly id: string;
  readonly name: string;
  /** Relative to the project root, "/" separators. */
  readonly file: string;
  /** Hex sha256 (shortened to 32 hex chars) of the unit's normalized form. */
  readonly hash: string;
  /** The unit's source text, when at most 2,000 characters (for showing a diff in `explain`). */
  readonly text?: string;
}

export interface StepCode {
  /** Hex sha256 over every reached unit (id + hash), every package (name + version) and every not-followed import: the step's code version. */
  readonly version: string;
  /** Every unit reached, sorted by id. */
  readonly units: readonly CodeUnit[];
  /** Packages reached through imports: name -> version (from its package.json). Never node built-ins, never "formed" itself. */
  readonly packages: Readonly<Record<string, string>>;
  /** Dynamic imports with a computed path: which unit, and the expression's text. */
  readonly notFollowed: readonly { readonly unit: string; readonly text: string }[];
}

/** `record[key]` when it is the record's own: summaries read back from JSON have ordinary prototypes. */
export function ownValue<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

/** The name of the unit holding a module's top-level statements other than declarations. */
export const MODULE_UNIT = "<module>";

/** One top-level unit of a module, as remembered: no AST, only what the graph needs. */
export interface UnitSummary {
  readonly name: string;
  readonly hash: string;
  /** Source ranges `[start, end]` (UTF-16 offsets) of the unit's text: several for `<module>` or a merged declaration. */
  readonly ranges: readonly (readonly [number, number])[];
  /** Only names the module binds (declarations and imports): the others are globals. */
  readonly references: UnitReferences;
}

/** An imported binding: `imported` is an export name, "default", or "*" for the namespace. */
export interface ImportBinding {
  readonly specifier: string;
  readonly imported: string;
}

/** What an export name stands for: a top-level binding of the module, or another module's export. */
export type ExportBinding = { readonly local: string } | ImportBinding;

/** What the graph knows of one file content. Depends on the text alone, never on its path. */
export interface ModuleSummary {
  readonly units: readonly UnitSummary[];
  /** Top-level names -> the unit declaring them. */
  readonly bindings: Readonly<Record<string, string>>;
  readonly imports: Readonly<Record<string, ImportBinding>>;
  /** `import "./x"`: reached with the `<module>` unit. */
  readonly sideEffectImports: readonly string[];
  readonly exports: Readonly<Record<string, ExportBinding>>;
  /** `export * from "x"` specifiers. */
  readonly exportAll: readonly string[];
  /** `export = x`: every import of this module means that unit. */
  readonly exportAssignment?: string;
}

/** A module loaded from `required_modules`, with its exports as evaluated. */
export interface LoadedModule {
  /** What the user wrote in `required_modules` that led to this module (a package name or a path). */
  readonly specifier: string;
  /** Absolute path of the module's file (for packages: the resolved entry file). */
  readonly file: string;
  /** Stable name for the module in class names: the package name, or the file path relative to the working directory, with `/` separators. */
  readonly id: string;
  readonly exports: Readonly<Record<string, unknown>>;
}

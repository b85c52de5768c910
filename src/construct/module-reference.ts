/**
 * `type: 'module:Export'`: any exported class or function, named by a package (with subpath),
 * a relative path, or a `node:` builtin, then the export. Split at the LAST colon, so
 * `node:url:URL` is module `node:url`, export `URL`.
 */

/** The syntax a module reference must have; an export name is a JavaScript identifier. */
export const MODULE_REFERENCE_PATTERN = "^.+:[A-Za-z_$][A-Za-z0-9_$]*$";
const moduleReference = new RegExp(MODULE_REFERENCE_PATTERN);

export interface ModuleReference {
  readonly module: string;
  readonly exportName: string;
}

export function isModuleReference(value: unknown): value is string {
  return typeof value === "string" && moduleReference.test(value);
}

export function parseModuleReference(value: string): ModuleReference | undefined {
  if (!isModuleReference(value)) return undefined;
  const cut = value.lastIndexOf(":");
  return { module: value.slice(0, cut), exportName: value.slice(cut + 1) };
}

/** Node modules that export the global classes a step most often takes (for messages). */
const GLOBAL_CLASS_MODULES: Readonly<Record<string, string>> = {
  URL: "node:url",
  URLSearchParams: "node:url",
  Buffer: "node:buffer",
  Blob: "node:buffer",
  TextEncoder: "node:util",
  TextDecoder: "node:util",
};

/** A reference that builds the named global class (`node:url:URL`), or the syntax in general. */
export function exampleReference(className: string): string {
  const module = GLOBAL_CLASS_MODULES[className];
  return module === undefined ? "module:Export" : `${module}:${className}`;
}

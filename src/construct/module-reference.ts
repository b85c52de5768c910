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

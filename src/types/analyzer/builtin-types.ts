import ts from "typescript";

/**
 * Telling the classes formed cannot build from plain config (`URL`, `Buffer`, `RegExp`) from
 * types it can, for TypeDescriber: such a class becomes `{ kind: "builtin" }`, built from a
 * `type: 'module:Export'` reference only, instead of `any` (which would hand the step the
 * config object itself).
 */

/** `Object`, `Function` and the wrappers of primitives: not classes a config would build. */
const PRIMITIVE_WRAPPERS: ReadonlySet<string> = new Set([
  "Object",
  "Function",
  "String",
  "Number",
  "Boolean",
  "Symbol",
  "BigInt",
]);

/** The compiler's type for a name it cannot resolve (an `any` that reported an error). */
export function isErrorType(type: ts.Type): boolean {
  // `intrinsicName` is not in the public typings; it is how the error type is told from `any`.
  return (type as ts.Type & { intrinsicName?: string }).intrinsicName === "error";
}

/** The names of the type references in `node` that the program cannot resolve. */
export function unresolvedNames(checker: ts.TypeChecker, node: ts.TypeNode): Set<string> {
  const names = new Set<string>();
  const visit = (child: ts.Node): void => {
    if (ts.isTypeReferenceNode(child) && isErrorType(checker.getTypeFromTypeNode(child))) {
      names.add(entityName(child.typeName));
    }
    ts.forEachChild(child, visit);
  };
  visit(node);
  return names;
}

function entityName(name: ts.EntityName): string {
  return ts.isIdentifier(name) ? name.text : `${entityName(name.left)}.${name.right.text}`;
}

/** A class of the running Node.js's global scope (URL, Buffer, AbortController, TextEncoder). */
export function isGlobalClass(name: string): boolean {
  if (!/^[A-Z][A-Za-z0-9_$]*$/.test(name) || PRIMITIVE_WRAPPERS.has(name)) return false;
  const value = (globalThis as Record<string, unknown>)[name];
  return typeof value === "function" && typeof value.prototype === "object" && value.prototype !== null;
}

/**
 * Declared only in declaration files as an interface together with a constructor variable of
 * the same name (how lib and @types files declare classes), and not one of the wrapper objects
 * of primitives, which stand for the primitives themselves in practice.
 */
export function isDeclaredClass(checker: ts.TypeChecker, symbol: ts.Symbol): boolean {
  if ((symbol.flags & ts.SymbolFlags.Interface) === 0 || (symbol.flags & ts.SymbolFlags.Variable) === 0)
    return false;
  if (PRIMITIVE_WRAPPERS.has(symbol.getName())) return false;
  const declarations = symbol.declarations ?? [];
  if (!declarations.every((declaration) => declaration.getSourceFile().isDeclarationFile)) return false;
  return checker.getTypeOfSymbol(symbol).getConstructSignatures().length > 0;
}

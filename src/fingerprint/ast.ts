/** The oxc syntax tree as plain objects, and the few questions every walk over it asks. */

export interface AstNode {
  readonly type: string;
  readonly [key: string]: unknown;
}

export function isAstNode(value: unknown): value is AstNode {
  return (
    typeof value === "object" && value !== null && typeof (value as { type?: unknown }).type === "string"
  );
}

const FUNCTION_TYPES: ReadonlySet<string> = new Set([
  "FunctionExpression",
  "ArrowFunctionExpression",
  "FunctionDeclaration",
]);

export function isFunctionNode(node: unknown): node is AstNode {
  return isAstNode(node) && FUNCTION_TYPES.has(node.type);
}

/** Wrappers with no runtime meaning of their own: the expression inside is what runs. */
export const TRANSPARENT: ReadonlySet<string> = new Set([
  "ParenthesizedExpression",
  "TSAsExpression",
  "TSSatisfiesExpression",
  "TSNonNullExpression",
  "TSTypeAssertion",
  "TSInstantiationExpression",
]);

export function unwrapExpression(node: unknown): unknown {
  let current = node;
  while (isAstNode(current) && TRANSPARENT.has(current.type)) current = current.expression;
  return current;
}

/** The names a binding pattern declares, in source order. */
export function boundNames(pattern: unknown, into: string[] = []): string[] {
  if (!isAstNode(pattern)) return into;
  switch (pattern.type) {
    case "Identifier":
      into.push(pattern.name as string);
      break;
    case "ObjectPattern":
      for (const property of pattern.properties as unknown[]) {
        if (isAstNode(property) && property.type === "RestElement") boundNames(property.argument, into);
        else if (isAstNode(property)) boundNames(property.value, into);
      }
      break;
    case "ArrayPattern":
      for (const element of pattern.elements as unknown[]) boundNames(element, into);
      break;
    case "AssignmentPattern":
      boundNames(pattern.left, into);
      break;
    case "RestElement":
      boundNames(pattern.argument, into);
      break;
    case "TSParameterProperty":
      boundNames(pattern.parameter, into);
      break;
  }
  return into;
}

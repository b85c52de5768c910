import ts from "typescript";

/** Returned when an expression is not a value the analyzer can read statically. */
export const NOT_LITERAL: unique symbol = Symbol("not a literal");

/**
 * The JSON value of a default-value expression (`3`, `"a"`, `-1`, `[1, 2]`, `{ a: true }`,
 * `Color.Red`, a `const` holding one of those), or NOT_LITERAL. Defaults are shown in schemas
 * and used by construction, so only values known without running code are given.
 */
export function literalValue(
  expression: ts.Expression,
  checker: ts.TypeChecker,
  depth = 0,
): unknown | typeof NOT_LITERAL {
  if (depth > 10) return NOT_LITERAL;
  const node = unwrap(expression);
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
  if (ts.isNumericLiteral(node)) return Number(node.text);
  if (node.kind === ts.SyntaxKind.TrueKeyword) return true;
  if (node.kind === ts.SyntaxKind.FalseKeyword) return false;
  if (node.kind === ts.SyntaxKind.NullKeyword) return null;
  if (ts.isPrefixUnaryExpression(node) && ts.isNumericLiteral(unwrap(node.operand))) {
    const value = Number((unwrap(node.operand) as ts.NumericLiteral).text);
    if (node.operator === ts.SyntaxKind.MinusToken) return -value;
    if (node.operator === ts.SyntaxKind.PlusToken) return value;
    return NOT_LITERAL;
  }
  if (ts.isArrayLiteralExpression(node)) {
    const values: unknown[] = [];
    for (const element of node.elements) {
      if (ts.isSpreadElement(element) || ts.isOmittedExpression(element)) return NOT_LITERAL;
      const value = literalValue(element, checker, depth + 1);
      if (value === NOT_LITERAL) return NOT_LITERAL;
      values.push(value);
    }
    return values;
  }
  if (ts.isObjectLiteralExpression(node)) {
    const values: Record<string, unknown> = {};
    for (const property of node.properties) {
      if (!ts.isPropertyAssignment(property)) return NOT_LITERAL;
      const name = propertyNameText(property.name);
      if (name === undefined) return NOT_LITERAL;
      const value = literalValue(property.initializer, checker, depth + 1);
      if (value === NOT_LITERAL) return NOT_LITERAL;
      values[name] = value;
    }
    return values;
  }
  if (ts.isPropertyAccessExpression(node) || ts.isElementAccessExpression(node)) {
    // Enum members.
    const value = checker.getConstantValue(node);
    return value === undefined ? NOT_LITERAL : value;
  }
  if (ts.isIdentifier(node)) {
    // A `const` declared with a literal: `const DEFAULT_SIZE = 3`.
    const symbol = checker.getSymbolAtLocation(node);
    const declaration = symbol?.valueDeclaration;
    if (
      declaration !== undefined &&
      ts.isVariableDeclaration(declaration) &&
      declaration.initializer !== undefined &&
      ts.isVariableDeclarationList(declaration.parent) &&
      (declaration.parent.flags & ts.NodeFlags.Const) !== 0
    ) {
      return literalValue(declaration.initializer, checker, depth + 1);
    }
  }
  return NOT_LITERAL;
}

export function propertyNameText(name: ts.PropertyName | ts.BindingName): string | undefined {
  if (ts.isIdentifier(name) || ts.isStringLiteral(name) || ts.isNumericLiteral(name)) return name.text;
  return undefined;
}

/** The expression under parentheses, `as`, `satisfies`, `<T>` assertions and `!`. */
export function unwrap(expression: ts.Expression): ts.Expression {
  let node = expression;
  while (
    ts.isParenthesizedExpression(node) ||
    ts.isAsExpression(node) ||
    ts.isSatisfiesExpression(node) ||
    ts.isTypeAssertionExpression(node) ||
    ts.isNonNullExpression(node)
  ) {
    node = node.expression;
  }
  return node;
}

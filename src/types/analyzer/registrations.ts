import ts from "typescript";
import { resolveAlias } from "./formed-symbols.js";

/** Registered name -> class symbol, for each class `register` was called on. */
export type Registrations = ReadonlyMap<ts.Symbol, ReadonlyMap<string, ts.Symbol>>;

/**
 * Finds `@Base.register("name")` class decorators and `Base.register("name")(Cls)` and
 * `Base.register("name", Cls)` calls in the given files. Registration happens when the module
 * runs, so the analyzer can only see the ones written in the files the program read (the step
 * files, what they import, and every module of `required_modules`); the calls are recognized by
 * shape (a `register` member called with a string, on a class), and whether the base is
 * Registrable is checked later.
 */
export function findRegistrations(files: readonly ts.SourceFile[], checker: ts.TypeChecker): Registrations {
  const found = new Map<ts.Symbol, Map<string, ts.Symbol>>();
  const add = (registerCall: ts.CallExpression, target: ts.Symbol | undefined) => {
    const parsed = parseRegisterCall(registerCall, checker);
    if (parsed === undefined || target === undefined) return;
    const resolvedTarget = resolveAlias(checker, target);
    if ((resolvedTarget.flags & ts.SymbolFlags.Class) === 0) return;
    let names = found.get(parsed.base);
    if (names === undefined) {
      names = new Map();
      found.set(parsed.base, names);
    }
    names.set(parsed.name, resolvedTarget);
  };
  const visit = (node: ts.Node): void => {
    if (ts.isClassDeclaration(node) || ts.isClassExpression(node)) {
      for (const decorator of ts.getDecorators(node) ?? []) {
        if (ts.isCallExpression(decorator.expression)) add(decorator.expression, classSymbol(node, checker));
      }
    } else if (
      ts.isCallExpression(node) &&
      ts.isCallExpression(node.expression) &&
      node.arguments.length === 1
    ) {
      // `Base.register("name")(Cls)`
      add(node.expression, targetOf(node.arguments[0]!, checker));
    } else if (ts.isCallExpression(node) && node.arguments.length === 2) {
      // `Base.register("name", Cls)`
      add(node, targetOf(node.arguments[1]!, checker));
    }
    ts.forEachChild(node, visit);
  };
  for (const file of files) visit(file);
  return found;
}

/** The class a registration names: a class expression, or a name bound to a class. */
function targetOf(argument: ts.Expression, checker: ts.TypeChecker): ts.Symbol | undefined {
  return ts.isClassExpression(argument)
    ? classSymbol(argument, checker)
    : checker.getSymbolAtLocation(argument);
}

/**
 * `Base.register("name")` or `Base.register("name", Cls)`: the base class and the name, or
 * undefined for any other call.
 */
function parseRegisterCall(
  call: ts.CallExpression,
  checker: ts.TypeChecker,
): { base: ts.Symbol; name: string } | undefined {
  const callee = call.expression;
  if (!ts.isPropertyAccessExpression(callee) || callee.name.text !== "register") return undefined;
  const argument = call.arguments[0];
  if (call.arguments.length > 2 || argument === undefined) return undefined;
  if (!ts.isStringLiteral(argument) && !ts.isNoSubstitutionTemplateLiteral(argument)) return undefined;
  const symbol = checker.getSymbolAtLocation(callee.expression);
  if (symbol === undefined) return undefined;
  const base = resolveAlias(checker, symbol);
  if ((base.flags & ts.SymbolFlags.Class) === 0) return undefined;
  return { base, name: argument.text };
}

function classSymbol(node: ts.ClassLikeDeclaration, checker: ts.TypeChecker): ts.Symbol | undefined {
  if (node.name !== undefined) return checker.getSymbolAtLocation(node.name);
  return checker.getTypeAtLocation(node).getSymbol();
}

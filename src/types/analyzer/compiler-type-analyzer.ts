import { resolve } from "node:path";
import ts from "typescript";
import type { StepTypeDescription, TypeDescription } from "../type-description.js";
import type { AnalyzeInput, StepSource, TypeAnalysis, TypeAnalyzer } from "./analyzer.js";
import { compilerAnalyzerVersion } from "./compiler-version.js";
import { createAnalysisProgram } from "./create-program.js";
import { objectView, parameterDefaults, withDefaults } from "./defaults.js";
import { isInstalledPackageFile } from "./file-stamp.js";
import { FormedSymbols, resolveAlias } from "./formed-symbols.js";
import { unwrap } from "./literal-value.js";
import { ModuleLocator } from "./module-locator.js";
import { PackageLocator } from "./package-info.js";
import { RecordingReader } from "./recording-reader.js";
import { findRegistrations } from "./registrations.js";
import { NO_MAPPER, TypeDescriber } from "./type-describer.js";

const ANY: TypeDescription = { kind: "any" };

/** The analyzer on the TypeScript compiler API (typescript 5.x, `require("typescript")`). */
export class CompilerTypeAnalyzer implements TypeAnalyzer {
  readonly version = compilerAnalyzerVersion();

  analyze(input: AnalyzeInput): TypeAnalysis {
    const cwd = resolve(input.cwd);
    const reader = new RecordingReader();
    const roots = [
      ...new Set(
        [...input.steps.map((source) => source.file), ...(input.modules ?? [])].map((file) =>
          normalize(resolve(cwd, file)),
        ),
      ),
    ];
    const program = createAnalysisProgram(cwd, roots, reader);
    const checker = program.getTypeChecker();
    const packages = new PackageLocator(reader);
    const userFiles = program
      .getSourceFiles()
      .filter((file) => !file.isDeclarationFile && !isInstalledPackageFile(file.fileName));
    const describer = new TypeDescriber(
      program,
      checker,
      new FormedSymbols(checker, packages),
      new ModuleLocator(cwd, checker, userFiles, packages),
      findRegistrations(userFiles, checker),
    );
    const steps: Record<string, StepTypeDescription> = {};
    for (const source of input.steps) {
      const file = program.getSourceFile(normalize(resolve(cwd, source.file)));
      steps[source.name] =
        file === undefined
          ? { name: source.name, parameter: ANY, returns: ANY }
          : describeStep(describer, file, source);
    }
    return { types: { steps, definitions: describer.definitions }, filesRead: reader.stamps() };
  }
}

function describeStep(
  describer: TypeDescriber,
  file: ts.SourceFile,
  source: StepSource,
): StepTypeDescription {
  const { checker } = describer;
  const moduleSymbol = checker.getSymbolAtLocation(file);
  const exported =
    moduleSymbol && checker.getExportsOfModule(moduleSymbol).find((e) => e.getName() === source.exportName);
  if (exported === undefined) return { name: source.name, parameter: ANY, returns: ANY };
  const symbol = resolveAlias(checker, exported);
  const description = describer.documentation(exported) ?? describer.documentation(symbol);
  const base = { name: source.name, ...(description === undefined ? {} : { description }) };
  try {
    const fn = stepFunction(symbol, checker);
    if (fn !== undefined) {
      const signature = checker.getSignatureFromDeclaration(fn);
      const parameter = fn.parameters[0];
      return {
        ...base,
        ...(parameter === undefined ? {} : { parameter: describeParameter(describer, parameter) }),
        returns:
          signature === undefined
            ? ANY
            : describeReturn(describer, checker.getReturnTypeOfSignature(signature)),
      };
    }
    // Not written as `step(fn)` here (built elsewhere): the Step<A, R> type still has (args: A) => R.
    const signature = checker.getTypeOfSymbol(symbol).getCallSignatures()[0];
    if (signature === undefined) return { ...base, parameter: ANY, returns: ANY };
    const parameter = signature.getParameters()[0];
    return {
      ...base,
      ...(parameter === undefined
        ? {}
        : { parameter: describer.describe(checker.getTypeOfSymbol(parameter), NO_MAPPER) }),
      returns: describeReturn(describer, signature.getReturnType()),
    };
  } catch {
    return { ...base, parameter: ANY, returns: ANY };
  }
}

/** The function given to `step(fn)` / `step(options, fn)` in the export's initializer. */
function stepFunction(symbol: ts.Symbol, checker: ts.TypeChecker): ts.SignatureDeclaration | undefined {
  const declaration = symbol.valueDeclaration ?? symbol.declarations?.[0];
  let expression: ts.Expression | undefined;
  if (declaration !== undefined && ts.isVariableDeclaration(declaration))
    expression = declaration.initializer;
  else if (declaration !== undefined && ts.isExportAssignment(declaration))
    expression = declaration.expression;
  const call = expression === undefined ? undefined : unwrap(expression);
  if (call === undefined || !ts.isCallExpression(call)) return undefined;
  const last = call.arguments[call.arguments.length - 1];
  return last === undefined ? undefined : functionOf(last, checker, 0);
}

/** A function expression, or the declaration of a function passed by name. */
function functionOf(
  node: ts.Expression,
  checker: ts.TypeChecker,
  depth: number,
): ts.SignatureDeclaration | undefined {
  const expression = unwrap(node);
  if (ts.isArrowFunction(expression) || ts.isFunctionExpression(expression)) return expression;
  if (!ts.isIdentifier(expression) || depth > 3) return undefined;
  const symbol = checker.getSymbolAtLocation(expression);
  const declaration = symbol === undefined ? undefined : resolveAlias(checker, symbol).valueDeclaration;
  if (declaration === undefined) return undefined;
  if (ts.isFunctionDeclaration(declaration)) return declaration;
  if (ts.isVariableDeclaration(declaration) && declaration.initializer !== undefined) {
    return functionOf(declaration.initializer, checker, depth + 1);
  }
  return undefined;
}

/** The argument object's type, with the defaults written in the parameter's destructuring. */
function describeParameter(describer: TypeDescriber, parameter: ts.ParameterDeclaration): TypeDescription {
  const { checker } = describer;
  const type =
    parameter.type === undefined
      ? checker.getTypeAtLocation(parameter)
      : checker.getTypeFromTypeNode(parameter.type);
  let described = describer.withDeclaredType(parameter.type, () => describer.describe(type, NO_MAPPER));
  // `(args?: {...})` and `(args = {...})`: the argument object itself is never undefined in config.
  if (described.kind === "union") {
    const members = described.members.filter((member) => member.kind !== "undefined");
    if (members.length === 1) described = members[0]!;
  }
  const defaults = parameterDefaults(parameter, checker);
  const object = objectView(described, describer.definitions);
  if (defaults.size === 0 || object === undefined) return described;
  return { ...object, properties: withDefaults(object.properties, defaults) };
}

/** The result type: Promise unwrapped; generators and other iterables (not arrays) as `iterable`. */
function describeReturn(describer: TypeDescriber, type: ts.Type): TypeDescription {
  const awaited = describer.checker.getAwaitedType(type) ?? type;
  return describer.describe(awaited, NO_MAPPER);
}

/** Paths as the compiler keys its source files: `/` separators. */
function normalize(path: string): string {
  return path.replaceAll("\\", "/");
}

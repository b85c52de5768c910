import ts from "typescript";
import type { ClassDescription, PropertyDescription } from "../type-description.js";
import { withoutUndefined } from "../type-description.js";
import { objectView, parameterDefaults, withDefaults } from "./defaults.js";
import { literalValue, NOT_LITERAL } from "./literal-value.js";
import type { TypeDescriber, TypeMapper } from "./type-describer.js";
import { NO_MAPPER } from "./type-describer.js";

export interface ClassToDescribe {
  readonly id: string;
  readonly symbol: ts.Symbol;
  readonly declaration: ts.ClassLikeDeclaration;
  /** The class's type parameters -> the type arguments where it is used. */
  readonly mapper: TypeMapper;
}

/**
 * Adds the ClassDescription of a class to `describer.definitions`: where to import it, its
 * constructor's parameters (or its options object's properties), and, for a Registrable base,
 * its registered subclasses. A placeholder goes in first, so a class that refers to itself
 * (directly or through its subclasses) ends the recursion at its id.
 */
export function describeClass(describer: TypeDescriber, target: ClassToDescribe, depth: number): void {
  const { checker, formed, locator } = describer;
  const { id, symbol, declaration, mapper } = target;
  const location = locator.locate(symbol, declaration);
  const description = describer.documentation(symbol);
  const registrable = formed.isRegistrable(checker.getDeclaredTypeOfSymbol(symbol));
  const base: ClassDescription = {
    kind: "class",
    name: symbol.getName(),
    module: location.module,
    exportName: location.exportName,
    abstract: (ts.getCombinedModifierFlags(declaration) & ts.ModifierFlags.Abstract) !== 0,
    registrable,
    parameters: [],
    optionsObject: false,
    ...(description === undefined ? {} : { description }),
  };
  describer.definitions[id] = base;

  const { parameters, optionsObject } = constructorParameters(describer, symbol, mapper, depth);
  let registered: Record<string, string> | undefined;
  if (registrable) {
    registered = {};
    for (const [name, subclass] of describer.registrations.get(symbol) ?? []) {
      const reference = describer.classReference(
        checker.getDeclaredTypeOfSymbol(subclass),
        NO_MAPPER,
        depth + 1,
      );
      if (reference.kind === "class") registered[name] = reference.id;
    }
  }
  describer.definitions[id] = {
    ...base,
    parameters,
    optionsObject,
    ...(registered === undefined ? {} : { registered }),
  };
}

function constructorParameters(
  describer: TypeDescriber,
  symbol: ts.Symbol,
  mapper: TypeMapper,
  depth: number,
): { parameters: PropertyDescription[]; optionsObject: boolean } {
  const { checker, formed } = describer;
  // The construct signature covers an inherited constructor too (instantiated for `extends Base<X>`).
  const signature = checker.getSignaturesOfType(
    checker.getTypeOfSymbol(symbol),
    ts.SignatureKind.Construct,
  )[0];
  if (signature === undefined) return { parameters: [], optionsObject: false };
  const declaration = signature.getDeclaration() as ts.SignatureDeclaration | undefined;
  const parameters = signature.getParameters().map((parameter, i): PropertyDescription => {
    const node = declaration?.parameters[i];
    const optional =
      node !== undefined &&
      (node.questionToken !== undefined ||
        node.initializer !== undefined ||
        node.dotDotDotToken !== undefined);
    const described = describer.withDeclaredType(node?.type, () =>
      describer.describe(checker.getTypeOfSymbol(parameter), mapper, depth + 1),
    );
    const value = node?.initializer === undefined ? NOT_LITERAL : literalValue(node.initializer, checker);
    const description = describer.documentation(parameter);
    return {
      name: node !== undefined && !ts.isIdentifier(node.name) ? `arg${i}` : parameter.getName(),
      type: optional ? withoutUndefined(described) : described,
      optional,
      ...(value === NOT_LITERAL ? {} : { default: value }),
      ...(description === undefined ? {} : { description }),
      ...(formed.isIgnoreNode(node?.type) ? { ignored: true } : {}),
    };
  });
  // One object parameter (not a class, array, map...): config keys are that object's properties.
  const only = parameters.length === 1 ? parameters[0] : undefined;
  const node = declaration?.parameters[0];
  const options =
    only === undefined || node?.dotDotDotToken !== undefined
      ? undefined
      : objectView(only.type, describer.definitions);
  if (options === undefined) return { parameters, optionsObject: false };
  const defaults = node === undefined ? new Map<string, unknown>() : parameterDefaults(node, checker);
  return { parameters: withDefaults(options.properties, defaults), optionsObject: true };
}

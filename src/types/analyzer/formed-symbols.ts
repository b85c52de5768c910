import ts from "typescript";
import type { PackageLocator } from "./package-info.js";

/**
 * Recognizes the types that mean something to formed (`Registrable`, `Lazy`, `Ignore`) by name
 * and by the package that declares them, so a user's own type that happens to share a name is
 * left alone. The package is "formed" wherever it is read from: an installed copy, a stub, or
 * this repository itself through the package's self-reference.
 */
export class FormedSymbols {
  readonly #formedFiles = new Map<string, boolean>();

  constructor(
    private readonly checker: ts.TypeChecker,
    private readonly packages: PackageLocator,
  ) {}

  /** Whether `symbol` is formed's declaration named `name`. */
  is(symbol: ts.Symbol | undefined, name: string): boolean {
    if (symbol === undefined) return false;
    const resolved = resolveAlias(this.checker, symbol);
    if (resolved.getName() !== name) return false;
    return (resolved.declarations ?? []).some((declaration) => this.#declaredInFormed(declaration));
  }

  /** The `T` of `Lazy<T>`, whether Lazy is declared as an alias, an interface or a class. */
  lazyTarget(type: ts.Type): ts.Type | undefined {
    if (type.aliasSymbol !== undefined && this.is(type.aliasSymbol, "Lazy"))
      return type.aliasTypeArguments?.[0];
    const symbol = type.getSymbol();
    if (symbol !== undefined && isReference(type) && this.is(symbol, "Lazy")) {
      return this.checker.getTypeArguments(type)[0];
    }
    return undefined;
  }

  /**
   * Whether a property's declared type is `Ignore<T>`. `Ignore<T>` is `T` itself, so the resolved
   * type keeps no trace of it: the marker is read from the type as written.
   */
  isIgnoreNode(node: ts.TypeNode | undefined): boolean {
    let current = node;
    while (current !== undefined && ts.isParenthesizedTypeNode(current)) current = current.type;
    if (current === undefined || !ts.isTypeReferenceNode(current)) return false;
    return this.is(this.checker.getSymbolAtLocation(current.typeName), "Ignore");
  }

  /** Whether the class's heritage chain reaches formed's `Registrable`. */
  isRegistrable(classType: ts.Type): boolean {
    const seen = new Set<ts.Type>();
    const visit = (type: ts.Type): boolean => {
      if (seen.has(type)) return false;
      seen.add(type);
      if (this.is(type.getSymbol(), "Registrable")) return true;
      const declared = targetOf(type);
      if (!declared.isClassOrInterface()) return false;
      return this.checker.getBaseTypes(declared).some(visit);
    };
    return visit(classType);
  }

  #declaredInFormed(declaration: ts.Declaration): boolean {
    const file = declaration.getSourceFile().fileName;
    let answer = this.#formedFiles.get(file);
    if (answer === undefined) {
      answer = this.packages.packageOf(file)?.name === "formed";
      this.#formedFiles.set(file, answer);
    }
    return answer;
  }
}

export function resolveAlias(checker: ts.TypeChecker, symbol: ts.Symbol): ts.Symbol {
  return symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
}

export function isReference(type: ts.Type): type is ts.TypeReference {
  return (
    (type.flags & ts.TypeFlags.Object) !== 0 &&
    ((type as ts.ObjectType).objectFlags & ts.ObjectFlags.Reference) !== 0
  );
}

/** The generic declaration behind an instantiation (`Box` for `Box<number>`). */
export function targetOf(type: ts.Type): ts.Type {
  return isReference(type) ? type.target : type;
}

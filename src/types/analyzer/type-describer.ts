import ts from "typescript";
import {
  type ClassDescription,
  type NamedDescription,
  type PropertyDescription,
  type TypeDescription,
  withoutUndefined,
} from "../type-description.js";
import { isDeclaredClass, isErrorType, isGlobalClass, unresolvedNames } from "./builtin-types.js";
import { describeClass } from "./describe-class.js";
import { type FormedSymbols, isReference, targetOf } from "./formed-symbols.js";
import type { ModuleLocator } from "./module-locator.js";
import type { Registrations } from "./registrations.js";

/**
 * Type parameters of a generic class mapped to the type arguments at the use site. The compiler
 * API instantiates the members of generic interfaces and aliases for us, but not the parameters
 * of a class's constructor signature, so those are substituted as they are met.
 */
export type TypeMapper = ReadonlyMap<ts.Type, ts.Type>;
export const NO_MAPPER: TypeMapper = new Map();

const ANY: TypeDescription = { kind: "any" };
// Deep enough for any real config type; a guard against pathological instantiations.
const MAX_DEPTH = 40;
const ITERABLES = new Set([
  "Iterable",
  "AsyncIterable",
  "Generator",
  "AsyncGenerator",
  "IterableIterator",
  "AsyncIterableIterator",
  "IteratorObject",
  "AsyncIteratorObject",
  "ArrayIterator",
  "MapIterator",
  "SetIterator",
]);

/**
 * Turns compiler types into TypeDescriptions, collecting the classes and recursive named types
 * they reach into `definitions`. Anything it cannot describe becomes `any`: it never throws.
 */
export class TypeDescriber {
  readonly definitions: Record<string, ClassDescription | NamedDescription> = {};
  readonly #inProgress = new Map<string, { recursed: boolean }>();
  readonly #inlined = new Map<string, TypeDescription>();
  /** The unresolved name in the annotation being described: the compiler's error type has none. */
  #unresolvedName: string | undefined;

  constructor(
    readonly program: ts.Program,
    readonly checker: ts.TypeChecker,
    readonly formed: FormedSymbols,
    readonly locator: ModuleLocator,
    readonly registrations: Registrations,
  ) {}

  describe(type: ts.Type, mapper: TypeMapper = NO_MAPPER, depth = 0): TypeDescription {
    try {
      return depth > MAX_DEPTH ? ANY : this.#describe(type, mapper, depth);
    } catch {
      return ANY;
    }
  }

  /**
   * Describes with `node`, a property's or parameter's annotation, at hand: a name the program
   * cannot resolve (a Node global such as `URL`; the analysis reads no @types) is then known.
   * Without one such name in `node`, the enclosing one stays (a type argument of a generic).
   */
  withDeclaredType<T>(node: ts.TypeNode | undefined, describe: () => T): T {
    const outer = this.#unresolvedName;
    const names = node === undefined ? new Set<string>() : unresolvedNames(this.checker, node);
    if (names.size > 0) this.#unresolvedName = names.size === 1 ? [...names][0] : undefined;
    try {
      return describe();
    } finally {
      this.#unresolvedName = outer;
    }
  }

  /** A member of an object type (a property) as a PropertyDescription. */
  property(symbol: ts.Symbol, mapper: TypeMapper, depth: number): PropertyDescription {
    const declaration = symbol.valueDeclaration ?? symbol.declarations?.[0];
    const optional = (symbol.flags & ts.SymbolFlags.Optional) !== 0;
    const described = this.withDeclaredType(declaredTypeNode(declaration), () =>
      this.describe(this.checker.getTypeOfSymbol(symbol), mapper, depth + 1),
    );
    const description = this.documentation(symbol);
    return {
      name: symbol.getName(),
      type: optional ? withoutUndefined(described) : described,
      optional,
      ...(description === undefined ? {} : { description }),
      ...(this.formed.isIgnoreNode(declaredTypeNode(declaration)) ? { ignored: true } : {}),
    };
  }

  /** A class instance type as a reference to its ClassDescription in `definitions`. */
  classReference(type: ts.Type, mapper: TypeMapper, depth: number): TypeDescription {
    const target = targetOf(type);
    const symbol = target.getSymbol();
    const declaration = symbol?.declarations?.find(ts.isClassLike);
    if (symbol === undefined || declaration === undefined) return ANY;
    const parameters = (target as ts.InterfaceType).typeParameters ?? [];
    const args = isReference(type)
      ? this.checker
          .getTypeArguments(type)
          .slice(0, parameters.length)
          .map((arg) => mapper.get(arg) ?? arg)
      : [];
    const id = `${this.locator.moduleKey(declaration.getSourceFile().fileName)}:${symbol.getName()}${this.#argumentsText(args)}`;
    if (!(id in this.definitions)) {
      const classMapper = new Map<ts.Type, ts.Type>();
      parameters.forEach((parameter, i) => {
        const arg = args[i];
        if (arg !== undefined && arg !== parameter) classMapper.set(parameter, arg);
      });
      describeClass(this, { id, symbol, declaration, mapper: classMapper }, depth);
    }
    return { kind: "class", id };
  }

  documentation(symbol: ts.Symbol): string | undefined {
    const text = ts.displayPartsToString(symbol.getDocumentationComment(this.checker)).trim();
    return text === "" ? undefined : text;
  }

  #describe(type: ts.Type, mapper: TypeMapper, depth: number): TypeDescription {
    const flags = type.flags;
    const F = ts.TypeFlags;
    if (flags & F.TypeParameter) {
      const mapped = mapper.get(type);
      if (mapped !== undefined) return this.describe(mapped, NO_MAPPER, depth + 1);
      const constraint = this.checker.getBaseConstraintOfType(type);
      return constraint === undefined || constraint === type
        ? ANY
        : this.describe(constraint, mapper, depth + 1);
    }
    const lazy = this.formed.lazyTarget(type);
    if (lazy !== undefined) return { kind: "lazy", target: this.describe(lazy, mapper, depth + 1) };
    if (flags & F.Any && isErrorType(type)) return this.#unresolved();
    if (flags & (F.Any | F.Unknown | F.Never | F.ESSymbolLike | F.NonPrimitive)) return ANY;
    if (flags & F.Enum || (flags & F.Union && flags & F.EnumLiteral)) return this.#enum(type.getSymbol());
    if (flags & F.EnumLiteral && flags & (F.StringLiteral | F.NumberLiteral)) {
      return { kind: "literal", value: (type as ts.LiteralType).value as string | number };
    }
    if (flags & F.Boolean) return { kind: "boolean" };
    if (flags & F.BooleanLiteral) return { kind: "literal", value: intrinsicName(type) === "true" };
    if (flags & F.StringLiteral) return { kind: "literal", value: (type as ts.StringLiteralType).value };
    if (flags & F.NumberLiteral) return { kind: "literal", value: (type as ts.NumberLiteralType).value };
    if (flags & (F.String | F.TemplateLiteral | F.StringMapping)) return { kind: "string" };
    if (flags & F.Number) return { kind: "number" };
    if (flags & (F.BigInt | F.BigIntLiteral)) return { kind: "bigint" };
    if (flags & F.Null) return { kind: "null" };
    if (flags & (F.Undefined | F.Void)) return { kind: "undefined" };
    if (flags & F.Union) {
      return this.#maybeNamed(type, mapper, () => this.#union(type as ts.UnionType, mapper, depth));
    }
    if (flags & (F.Object | F.Intersection)) return this.#object(type, mapper, depth);
    return ANY;
  }

  #object(type: ts.Type, mapper: TypeMapper, depth: number): TypeDescription {
    const checker = this.checker;
    if (checker.isTupleType(type)) return this.#tuple(type as ts.TypeReference, mapper, depth);
    if (checker.isArrayType(type)) {
      const element = checker.getTypeArguments(type as ts.TypeReference)[0];
      return {
        kind: "array",
        element: element === undefined ? ANY : this.describe(element, mapper, depth + 1),
      };
    }
    const symbol = type.getSymbol();
    if (symbol !== undefined && this.#isLibrary(symbol)) {
      const known = this.#libraryType(type, symbol.getName(), mapper, depth);
      if (known !== undefined) return known;
      // Other named lib types (RegExp, Error, ...) are not built from config; mapped and anonymous
      // lib types (Record, Partial, Pick) are described by their members below.
      if (symbol.flags & (ts.SymbolFlags.Interface | ts.SymbolFlags.Class)) {
        if (this.#isCallable(type)) return { kind: "function" };
        return isDeclaredClass(this.checker, symbol) ? { kind: "builtin", name: symbol.getName() } : ANY;
      }
    }
    // `interface URL {...}` with `var URL: {new(...): URL}` in a declaration file (@types/node,
    // DOM typings) is a class whose constructor formed knows nothing of: not a plain object.
    if (symbol !== undefined && isDeclaredClass(this.checker, symbol))
      return { kind: "builtin", name: symbol.getName() };
    if (
      symbol !== undefined &&
      symbol.flags & ts.SymbolFlags.Class &&
      (targetOf(type) as ts.ObjectType).objectFlags & ts.ObjectFlags.Class
    ) {
      return this.classReference(type, mapper, depth);
    }
    if (this.#isCallable(type) && checker.getPropertiesOfType(type).length === 0) return { kind: "function" };
    return this.#maybeNamed(type, mapper, () => this.#structural(type, mapper, depth));
  }

  #structural(type: ts.Type, mapper: TypeMapper, depth: number): TypeDescription {
    const members = this.checker.getPropertiesOfType(type).filter(isDataMember);
    const index =
      this.checker.getIndexInfosOfType(type).find((info) => info.keyType.flags & ts.TypeFlags.String) ??
      this.checker.getIndexInfosOfType(type).find((info) => info.keyType.flags & ts.TypeFlags.Number);
    const additional = index === undefined ? undefined : this.describe(index.type, mapper, depth + 1);
    if (members.length === 0 && additional !== undefined) return { kind: "record", value: additional };
    return {
      kind: "object",
      properties: members.map((member) => this.property(member, mapper, depth)),
      ...(additional === undefined ? {} : { additional }),
    };
  }

  #libraryType(type: ts.Type, name: string, mapper: TypeMapper, depth: number): TypeDescription | undefined {
    const args = isReference(type) ? this.checker.getTypeArguments(type) : (type.aliasTypeArguments ?? []);
    const arg = (i: number) => {
      const value = args[i];
      return value === undefined ? ANY : this.describe(value, mapper, depth + 1);
    };
    if (name === "Date") return { kind: "date" };
    if (name === "Map" || name === "ReadonlyMap") return { kind: "map", key: arg(0), value: arg(1) };
    if (name === "Set" || name === "ReadonlySet") return { kind: "set", element: arg(0) };
    if (ITERABLES.has(name)) return { kind: "iterable", element: arg(0) };
    if (name === "Promise" || name === "PromiseLike") {
      const awaited = this.checker.getAwaitedType(type);
      return awaited === undefined || awaited === type ? ANY : this.describe(awaited, mapper, depth + 1);
    }
    return undefined;
  }

  #tuple(type: ts.TypeReference, mapper: TypeMapper, depth: number): TypeDescription {
    const flags = (type.target as ts.TupleType).elementFlags;
    const args = this.checker.getTypeArguments(type);
    const elements: TypeDescription[] = [];
    let rest: TypeDescription | undefined;
    args.forEach((arg, i) => {
      const flag = flags[i] ?? ts.ElementFlags.Required;
      if (rest !== undefined) return; // elements after a rest element: not described
      const described = this.describe(arg, mapper, depth + 1);
      if (flag & ts.ElementFlags.Rest) rest = described;
      else if (flag & ts.ElementFlags.Variadic) rest = ANY;
      else if (flag & ts.ElementFlags.Optional) elements.push(unionOf([described, { kind: "undefined" }]));
      else elements.push(described);
    });
    return { kind: "tuple", elements, ...(rest === undefined ? {} : { rest }) };
  }

  #union(type: ts.UnionType, mapper: TypeMapper, depth: number): TypeDescription {
    const members = type.types.map((member) => {
      // Members of an enum appear one by one in a union with other types (`Color | undefined`).
      if (member.flags & ts.TypeFlags.EnumLiteral && !(member.flags & ts.TypeFlags.Union)) {
        const base = this.checker.getBaseTypeOfLiteralType(member);
        if (base !== member && base.flags & (ts.TypeFlags.Union | ts.TypeFlags.Enum)) {
          return this.describe(base, mapper, depth + 1);
        }
      }
      return this.describe(member, mapper, depth + 1);
    });
    return unionOf(members);
  }

  #enum(symbol: ts.Symbol | undefined): TypeDescription {
    if (symbol === undefined) return ANY;
    const members: { name: string; value: string | number }[] = [];
    symbol.exports?.forEach((member) => {
      const declaration = member.valueDeclaration;
      if (declaration === undefined || !ts.isEnumMember(declaration)) return;
      const value = this.checker.getConstantValue(declaration);
      if (value !== undefined) members.push({ name: member.getName(), value });
    });
    return { kind: "enum", name: symbol.getName(), members };
  }

  /**
   * Describes a user-declared interface or alias once. It stays a named definition (referenced by
   * id) only when it refers to itself; otherwise it is inlined, which is simpler for consumers.
   */
  #maybeNamed(type: ts.Type, mapper: TypeMapper, build: () => TypeDescription): TypeDescription {
    const named = this.#nameOf(type, mapper);
    if (named === undefined) return build();
    const { id } = named;
    if (id in this.definitions) return { kind: "named", id };
    const inlined = this.#inlined.get(id);
    if (inlined !== undefined) return inlined;
    const progress = this.#inProgress.get(id);
    if (progress !== undefined) {
      progress.recursed = true;
      return { kind: "named", id };
    }
    const state = { recursed: false };
    this.#inProgress.set(id, state);
    let described: TypeDescription;
    try {
      described = build();
    } finally {
      this.#inProgress.delete(id);
    }
    if (!state.recursed) {
      this.#inlined.set(id, described);
      return described;
    }
    this.definitions[id] = {
      kind: "named",
      name: named.name,
      type: described,
      ...(named.description === undefined ? {} : { description: named.description }),
    };
    return { kind: "named", id };
  }

  #nameOf(type: ts.Type, mapper: TypeMapper): { id: string; name: string; description?: string } | undefined {
    let symbol: ts.Symbol | undefined;
    let args: readonly ts.Type[] = [];
    if (type.aliasSymbol !== undefined && !this.#isLibrary(type.aliasSymbol)) {
      symbol = type.aliasSymbol;
      args = type.aliasTypeArguments ?? [];
    } else {
      const candidate = targetOf(type).getSymbol();
      if (
        candidate !== undefined &&
        candidate.flags & ts.SymbolFlags.Interface &&
        !this.#isLibrary(candidate)
      ) {
        symbol = candidate;
        const parameters = (targetOf(type) as ts.InterfaceType).typeParameters ?? [];
        args = isReference(type) ? this.checker.getTypeArguments(type).slice(0, parameters.length) : [];
      }
    }
    const declaration = symbol?.declarations?.[0];
    if (symbol === undefined || declaration === undefined) return undefined;
    const file = this.locator.moduleKey(declaration.getSourceFile().fileName);
    const text = this.#argumentsText(args.map((arg) => mapper.get(arg) ?? arg));
    const description = this.documentation(symbol);
    return {
      id: `${file}:${symbol.getName()}${text}`,
      name: symbol.getName(),
      ...(description === undefined ? {} : { description }),
    };
  }

  #argumentsText(args: readonly ts.Type[]): string {
    if (args.length === 0) return "";
    return `<${args.map((arg) => this.checker.typeToString(arg, undefined, ts.TypeFormatFlags.NoTruncation)).join(", ")}>`;
  }

  #isLibrary(symbol: ts.Symbol): boolean {
    const declarations = symbol.declarations ?? [];
    return (
      declarations.length > 0 &&
      declarations.every((declaration) =>
        this.program.isSourceFileDefaultLibrary(declaration.getSourceFile()),
      )
    );
  }

  /** An unresolved name: a global class of the runtime (URL, Buffer) is one; anything else is unknown. */
  #unresolved(): TypeDescription {
    const name = this.#unresolvedName;
    return name !== undefined && isGlobalClass(name) ? { kind: "builtin", name } : ANY;
  }

  #isCallable(type: ts.Type): boolean {
    return type.getCallSignatures().length > 0 || type.getConstructSignatures().length > 0;
  }
}

/** A union of descriptions, flattened and deduplicated, with `true | false` read as boolean. */
export function unionOf(members: readonly TypeDescription[]): TypeDescription {
  const flat: TypeDescription[] = [];
  const seen = new Set<string>();
  const push = (member: TypeDescription) => {
    const key = JSON.stringify(member);
    if (!seen.has(key)) {
      seen.add(key);
      flat.push(member);
    }
  };
  for (const member of members) {
    if (member.kind === "union") member.members.forEach(push);
    else push(member);
  }
  if (flat.some((member) => member.kind === "any")) return ANY;
  const isTrue = (member: TypeDescription) => member.kind === "literal" && member.value === true;
  const isFalse = (member: TypeDescription) => member.kind === "literal" && member.value === false;
  let merged = flat;
  if (flat.some(isTrue) && flat.some(isFalse)) {
    merged = flat.filter((member) => !isTrue(member) && !isFalse(member));
    if (!merged.some((member) => member.kind === "boolean")) merged.push({ kind: "boolean" });
  }
  if (merged.length === 1) return merged[0]!;
  return { kind: "union", members: merged };
}

/** The type annotation of a property, property signature or parameter declaration. */
export function declaredTypeNode(declaration: ts.Declaration | undefined): ts.TypeNode | undefined {
  if (declaration === undefined) return undefined;
  if (
    ts.isPropertySignature(declaration) ||
    ts.isPropertyDeclaration(declaration) ||
    ts.isParameter(declaration)
  ) {
    return declaration.type;
  }
  return undefined;
}

/** Config-settable members: not methods, not symbol-keyed or private (#) members. */
function isDataMember(symbol: ts.Symbol): boolean {
  if (symbol.flags & (ts.SymbolFlags.Method | ts.SymbolFlags.Prototype)) return false;
  const name = symbol.getName();
  return !name.startsWith("__@") && !name.startsWith("#");
}

function intrinsicName(type: ts.Type): string | undefined {
  // `intrinsicName` is not in the public typings, but it is how `true` and `false` are told apart.
  return (type as ts.Type & { intrinsicName?: string }).intrinsicName;
}

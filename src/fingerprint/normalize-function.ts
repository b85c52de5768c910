/**
 * The canonical form of a function's syntax tree, for code versions: what is left when
 * everything that cannot change what the function does is taken out. Positions, comments,
 * parentheses and TypeScript-only syntax are dropped; names bound inside the function are
 * replaced by their order of declaration, so renaming a local keeps the form while renaming a
 * free (outer) identifier, a property or a member changes it.
 *
 * Scopes follow JavaScript's rules (function scope for `var` and parameters, block scope for
 * `let`/`const`/`class`), so a local that shadows an outer name never makes two different
 * functions look the same. The same walk, given a ReferenceCollector, records the free names
 * and run-time imports the code graph follows: scopes are known only here.
 */

import { type AstNode, boundNames, isAstNode, TRANSPARENT, unwrapExpression } from "./ast.js";
import type { ReferenceCollector } from "./reference-collector.js";

/** Declarations that exist only for the type checker. */
const TYPE_ONLY_STATEMENTS = new Set([
  "TSInterfaceDeclaration",
  "TSTypeAliasDeclaration",
  "TSDeclareFunction",
  "TSModuleDeclaration",
  "TSImportEqualsDeclaration",
  "TSExportAssignment",
  "TSNamespaceExportDeclaration",
  "TSIndexSignature",
  "TSAbstractMethodDefinition",
  "TSAbstractPropertyDefinition",
  "TSAbstractAccessorProperty",
]);

/**
 * Keys never copied: positions, type-checker-only information, and flags that only say how the
 * source was spelled (`shorthand`, `raw`, `extra`).
 */
const DROPPED_KEYS = new Set([
  "start",
  "end",
  "range",
  "loc",
  "typeAnnotation",
  "returnType",
  "typeParameters",
  "typeArguments",
  "superTypeArguments",
  "superTypeParameters",
  "implements",
  "accessibility",
  "declare",
  "definite",
  "abstract",
  "override",
  "readonly",
  "importKind",
  "exportKind",
  "shorthand",
  "raw",
  "extra",
]);

/** Where `optional` is JavaScript (`a?.b`, `f?.()`); elsewhere it is TypeScript's `x?`. */
const OPTIONAL_IS_RUNTIME = new Set(["MemberExpression", "CallExpression"]);

const DROP = Symbol("drop");

class Scope {
  readonly names = new Map<string, number>();
  constructor(readonly parent: Scope | undefined) {}
}

class Normalizer {
  #next = 0;
  readonly #collector: ReferenceCollector | undefined;

  constructor(collector?: ReferenceCollector) {
    this.#collector = collector;
  }

  declare(scope: Scope, name: string): void {
    if (!scope.names.has(name)) scope.names.set(name, this.#next++);
  }

  /** `member`: the property read when the name is the object of `name.member`. */
  reference(scope: Scope, name: string, member?: string): unknown {
    for (let current: Scope | undefined = scope; current !== undefined; current = current.parent) {
      const index = current.names.get(name);
      if (index !== undefined) return { local: index };
    }
    this.#collector?.use(name, member);
    return { free: name };
  }

  /** Declares what a statement list declares for its own block: let/const/class/function/enum. */
  hoistLexical(statements: readonly unknown[], scope: Scope): void {
    for (const statement of statements) {
      if (!isAstNode(statement) || statement.declare === true) continue;
      switch (statement.type) {
        case "VariableDeclaration":
          if (statement.kind !== "var") this.declarePatterns(statement, scope);
          break;
        case "FunctionDeclaration":
        case "ClassDeclaration":
        case "TSEnumDeclaration":
          if (isAstNode(statement.id)) this.declare(scope, statement.id.name as string);
          break;
      }
    }
  }

  declarePatterns(declaration: AstNode, scope: Scope): void {
    for (const declarator of declaration.declarations as AstNode[]) {
      for (const name of boundNames(declarator.id)) this.declare(scope, name);
    }
  }

  /** Declares every `var` of a function body, wherever it is nested (but not in inner functions). */
  hoistVars(node: unknown, scope: Scope): void {
    if (Array.isArray(node)) {
      for (const item of node) this.hoistVars(item, scope);
      return;
    }
    if (!isAstNode(node)) return;
    // Only statements hold a `var` of this function: an expression holds one only inside a
    // function or class, which has its own. Walking statements alone skips most of the tree.
    switch (node.type) {
      case "VariableDeclaration":
        if (node.kind === "var" && node.declare !== true) this.declarePatterns(node, scope);
        return;
      case "BlockStatement":
        this.hoistVars(node.body, scope);
        return;
      case "IfStatement":
        this.hoistVars(node.consequent, scope);
        this.hoistVars(node.alternate, scope);
        return;
      case "ForStatement":
        this.hoistVars(node.init, scope);
        this.hoistVars(node.body, scope);
        return;
      case "ForInStatement":
      case "ForOfStatement":
        this.hoistVars(node.left, scope);
        this.hoistVars(node.body, scope);
        return;
      case "WhileStatement":
      case "DoWhileStatement":
      case "LabeledStatement":
      case "WithStatement":
        this.hoistVars(node.body, scope);
        return;
      case "TryStatement":
        this.hoistVars(node.block, scope);
        if (isAstNode(node.handler)) this.hoistVars(node.handler.body, scope);
        this.hoistVars(node.finalizer, scope);
        return;
      case "SwitchStatement":
        for (const switchCase of node.cases as AstNode[]) this.hoistVars(switchCase.consequent, scope);
        return;
    }
  }

  function(node: AstNode, outer: Scope): unknown {
    let scope = outer;
    if (node.type === "FunctionExpression" && isAstNode(node.id)) {
      // A named function expression sees its own name, and nothing outside does.
      scope = new Scope(outer);
      this.declare(scope, node.id.name as string);
    }
    const inner = new Scope(scope);
    const params = (node.params as unknown[]).filter(
      (param) => !(isAstNode(param) && param.type === "Identifier" && param.name === "this"),
    );
    for (const param of params) for (const name of boundNames(param)) this.declare(inner, name);
    const body = node.body;
    let normalizedBody: unknown;
    if (isAstNode(body) && body.type === "BlockStatement") {
      const statements = body.body as unknown[];
      this.hoistLexical(statements, inner);
      this.hoistVars(statements, inner);
      normalizedBody = { type: "BlockStatement", body: this.list(statements, inner) };
    } else {
      normalizedBody = this.node(body, inner);
    }
    return {
      type: node.type,
      ...(isAstNode(node.id) ? { id: this.node(node.id, scope) } : {}),
      async: node.async === true,
      generator: node.generator === true,
      params: this.list(params, inner),
      body: normalizedBody,
    };
  }

  list(items: readonly unknown[], scope: Scope): unknown[] {
    const out: unknown[] = [];
    for (const item of items) {
      const value = this.node(item, scope);
      if (value !== DROP) out.push(value);
    }
    return out;
  }

  key(node: AstNode, scope: Scope): unknown {
    const key = node.key;
    if (node.computed === true) return { computed: this.node(key, scope) };
    if (isAstNode(key) && (key.type === "Identifier" || key.type === "PrivateIdentifier")) {
      return key.type === "PrivateIdentifier" ? `#${key.name as string}` : key.name;
    }
    // `{ "a": 1 }` and `{ a: 1 }` are the same key.
    if (isAstNode(key) && key.type === "Literal") return String(key.value);
    return this.node(key, scope);
  }

  node(node: unknown, scope: Scope): unknown {
    if (Array.isArray(node)) return this.list(node, scope);
    if (!isAstNode(node)) return node;
    if (TRANSPARENT.has(node.type)) return this.node(node.expression, scope);
    if (TYPE_ONLY_STATEMENTS.has(node.type) || node.declare === true) return DROP;
    switch (node.type) {
      case "Identifier":
        return this.reference(scope, node.name as string);
      case "Literal":
        return literal(node);
      case "FunctionExpression":
      case "ArrowFunctionExpression":
      case "FunctionDeclaration":
        return this.function(node, scope);
      case "TSEmptyBodyFunctionExpression":
        return DROP;
      case "MethodDefinition":
        // An overload signature has no body and no runtime existence.
        if (isAstNode(node.value) && node.value.type === "TSEmptyBodyFunctionExpression") return DROP;
        return this.member(node, scope);
      case "Property":
      case "PropertyDefinition":
      case "AccessorProperty":
        return this.member(node, scope);
      case "MemberExpression": {
        const object = unwrapExpression(node.object);
        const namespaceMember =
          this.#collector !== undefined &&
          node.computed !== true &&
          isAstNode(object) &&
          object.type === "Identifier" &&
          isAstNode(node.property) &&
          node.property.type === "Identifier";
        return {
          type: "MemberExpression",
          // The same form as `this.node(node.object)`, which unwraps to the identifier's reference.
          object: namespaceMember
            ? this.reference(scope, object.name as string, (node.property as AstNode).name as string)
            : this.node(node.object, scope),
          property:
            node.computed === true
              ? { computed: this.node(node.property, scope) }
              : propertyName(node.property),
          optional: node.optional === true,
        };
      }
      case "ImportExpression":
        this.#collector?.dynamicImport(node, node.source);
        return this.generic(node, scope);
      case "CallExpression": {
        // Any `require`, a free one or one made by createRequire: either loads code.
        const callee = unwrapExpression(node.callee);
        const args = node.arguments as unknown[];
        if (
          this.#collector !== undefined &&
          isAstNode(callee) &&
          callee.type === "Identifier" &&
          callee.name === "require" &&
          args.length >= 1
        ) {
          this.#collector.dynamicImport(node, args[0]);
        }
        return this.generic(node, scope);
      }
      case "LabeledStatement":
        return { type: node.type, label: labelName(node.label), body: this.node(node.body, scope) };
      case "BreakStatement":
      case "ContinueStatement":
        return { type: node.type, label: labelName(node.label) };
      case "MetaProperty":
        return { type: node.type, meta: labelName(node.meta), property: labelName(node.property) };
      case "BlockStatement":
      case "StaticBlock": {
        const block = new Scope(scope);
        const statements = node.body as unknown[];
        this.hoistLexical(statements, block);
        if (node.type === "StaticBlock") this.hoistVars(statements, block);
        return { type: node.type, body: this.list(statements, block) };
      }
      case "ForStatement":
      case "ForInStatement":
      case "ForOfStatement": {
        const loop = new Scope(scope);
        const head = node.type === "ForStatement" ? node.init : node.left;
        if (isAstNode(head) && head.type === "VariableDeclaration" && head.kind !== "var") {
          this.declarePatterns(head, loop);
        }
        return this.generic(node, loop);
      }
      case "SwitchStatement": {
        const cases = new Scope(scope);
        for (const switchCase of node.cases as AstNode[])
          this.hoistLexical(switchCase.consequent as unknown[], cases);
        return {
          type: node.type,
          discriminant: this.node(node.discriminant, scope),
          cases: this.list(node.cases as unknown[], cases),
        };
      }
      case "CatchClause": {
        const handler = new Scope(scope);
        for (const name of boundNames(node.param)) this.declare(handler, name);
        return {
          type: node.type,
          param: this.node(node.param, handler),
          body: this.node(node.body, handler),
        };
      }
      case "ClassExpression":
      case "ClassDeclaration": {
        let inner = scope;
        if (node.type === "ClassExpression" && isAstNode(node.id)) {
          inner = new Scope(scope);
          this.declare(inner, node.id.name as string);
        }
        return {
          type: node.type,
          decorators: this.list((node.decorators as unknown[] | undefined) ?? [], scope),
          ...(isAstNode(node.id) ? { id: this.node(node.id, inner) } : {}),
          superClass: this.node(node.superClass ?? null, scope),
          body: this.node(node.body, inner),
        };
      }
      case "TSParameterProperty":
        // `constructor(public x)` assigns `this.x`: that part is runtime, the modifier is not.
        return { type: "ParameterProperty", parameter: this.node(node.parameter, scope) };
      case "TSEnumDeclaration":
        return {
          type: node.type,
          id: this.node(node.id, scope),
          members: ((isAstNode(node.body) ? node.body.members : node.members) as AstNode[]).map((member) => ({
            id: isAstNode(member.id) ? (member.id.name ?? String(member.id.value)) : null,
            initializer: this.node(member.initializer ?? null, scope),
          })),
        };
      case "JSXIdentifier":
        // `<Chart />` names a component binding; `<div>` and attribute names are strings.
        if (/^[A-Z]/.test(node.name as string)) this.#collector?.use(node.name as string);
        return { jsx: node.name };
      default:
        return this.generic(node, scope);
    }
  }

  member(node: AstNode, scope: Scope): unknown {
    return {
      type: node.type,
      key: this.key(node, scope),
      ...(node.value === undefined ? {} : { value: this.node(node.value, scope) }),
      ...(node.kind === undefined ? {} : { kind: node.kind }),
      static: node.static === true,
      method: node.method === true,
      decorators: this.list((node.decorators as unknown[] | undefined) ?? [], scope),
    };
  }

  generic(node: AstNode, scope: Scope): unknown {
    const out: Record<string, unknown> = { type: node.type };
    // for-in, not Object.entries: the same keys in the same order, without an array per node.
    for (const key in node) {
      if (key === "type" || DROPPED_KEYS.has(key)) continue;
      const value = node[key];
      if (key === "optional" && !OPTIONAL_IS_RUNTIME.has(node.type)) continue;
      const normalized = this.node(value, scope);
      // Absent, null, false and empty are the same to the runtime; the JS and TS parsers differ on which they emit.
      if (normalized === DROP || normalized === null || normalized === undefined || normalized === false)
        continue;
      if (Array.isArray(normalized) && normalized.length === 0) continue;
      if (key === "value" && node.type === "TemplateElement") {
        const { raw, cooked } = value as { raw: string; cooked: string | null };
        out[key] = { raw, cooked };
        continue;
      }
      out[key] = normalized;
    }
    return out;
  }
}

function literal(node: AstNode): unknown {
  if (typeof node.regex === "object" && node.regex !== null) {
    const { pattern, flags } = node.regex as { pattern: string; flags: string };
    return { regex: pattern, flags };
  }
  if (typeof node.bigint === "string") return { bigint: node.bigint };
  const value = node.value;
  // Typed, so that `1` and `"1"` differ; numbers by value, so `1.0`, `1` and `0x1` do not.
  if (typeof value === "number") return { number: String(value) };
  if (typeof value === "bigint") return { bigint: String(value) };
  return { [typeof value]: value };
}

function propertyName(node: unknown): unknown {
  if (isAstNode(node) && node.type === "PrivateIdentifier") return `#${node.name as string}`;
  return isAstNode(node) ? node.name : null;
}

function labelName(node: unknown): unknown {
  return isAstNode(node) ? node.name : null;
}

/**
 * The canonical text of a function node (a function or arrow expression or declaration):
 * identical for two functions exactly when they differ only in what cannot change behaviour.
 */
export function normalizeFunction(node: AstNode, collector?: ReferenceCollector): string {
  // `step(named)` may point at a declaration, while `fn.toString()` of it reads as an expression: same form for both.
  const root = node.type === "FunctionDeclaration" ? { ...node, type: "FunctionExpression" } : node;
  return JSON.stringify(new Normalizer(collector).function(root, new Scope(undefined)));
}

/**
 * The canonical text of any node (a declaration, a statement, an expression, or an array of
 * them), under the same rules as normalizeFunction. Names it uses but does not bind are kept by
 * name: at a module's top level, those are its other declarations, imports and globals.
 */
export function normalizeNode(node: unknown, collector?: ReferenceCollector): string {
  const normalized = new Normalizer(collector).node(node, new Scope(undefined));
  return JSON.stringify(normalized === DROP ? null : normalized);
}

/** The names `var` declares anywhere in `node` outside inner functions: at top level, module bindings. */
export function varNames(node: unknown): string[] {
  const scope = new Scope(undefined);
  new Normalizer().hoistVars(node, scope);
  return [...scope.names.keys()];
}

/**
 * A module summary from a file's text: its top-level units with their hashes and free
 * references, its imports and its exports. The only place that parses; the summary depends on
 * the text alone, so it is remembered by content (summary-memo.ts).
 */
import { createHash } from "node:crypto";
import { oxcParser } from "../../common/lazy-packages.js";
import type { SourceLang } from "../../common/specifiers.js";
import { type AstNode, boundNames, isAstNode } from "../ast.js";
import { normalizeNode, varNames } from "../normalize-function.js";
import { ReferenceCollector } from "../reference-collector.js";
import { mergeReferences, onlyNames } from "./references.js";
import {
  type ExportBinding,
  type ImportBinding,
  MODULE_UNIT,
  type ModuleSummary,
  type UnitReferences,
  type UnitSummary,
} from "./types.js";

// Bumped when a summary's shape or a unit's canonical form changes: old memo entries and
// versions must not match new ones.
export const SUMMARY_FORM = "formed-code-graph-v1";

export function unitHash(form: string): string {
  return createHash("sha256").update(`${SUMMARY_FORM}\n${form}`).digest("hex").slice(0, 32);
}

/** A file that is not source code, or cannot be read or parsed: one `<module>` unit, its raw content. */
export function rawSummary(content: string | Buffer | undefined): ModuleSummary {
  const hash =
    content === undefined
      ? unitHash("unreadable")
      : createHash("sha256").update(`${SUMMARY_FORM}\nraw\n`).update(content).digest("hex").slice(0, 32);
  const length = content === undefined ? 0 : content.length;
  return {
    units: [{ name: MODULE_UNIT, hash, ranges: [[0, length]], references: NO_REFERENCES }],
    bindings: {},
    imports: {},
    sideEffectImports: [],
    exports: {},
    exportAll: [],
  };
}

const NO_REFERENCES: UnitReferences = {
  names: [],
  members: {},
  bare: [],
  dynamicImports: [],
  computedImports: [],
};

/** The summary of a source text; a text with syntax errors is summarized as raw content. */
export function summarizeSource(text: string, lang: SourceLang): ModuleSummary {
  const program = parse(text, lang);
  return program === undefined ? rawSummary(text) : new Summarizer(text).program(program);
}

function parse(text: string, lang: SourceLang): AstNode | undefined {
  const parser = oxcParser();
  // Plain `.js` files often hold JSX: try that before giving up on the syntax.
  for (const attempt of lang === "js" ? (["js", "jsx"] as const) : [lang]) {
    const result = parser.parseSync(`source.${attempt}`, text, {
      lang: attempt,
      sourceType: "unambiguous",
      preserveParens: false,
    });
    if (!result.errors.some((error) => error.severity === "Error")) {
      return result.program as unknown as AstNode;
    }
  }
  return undefined;
}

interface PendingUnit {
  forms: string[];
  ranges: [number, number][];
  references: UnitReferences[];
}

/** Declarations that exist only for the type checker (the normalizer drops them too). */
const TYPE_ONLY = new Set([
  "TSInterfaceDeclaration",
  "TSTypeAliasDeclaration",
  "TSDeclareFunction",
  "TSNamespaceExportDeclaration",
]);

class Summarizer {
  readonly #text: string;
  readonly #units = new Map<string, PendingUnit>();
  // Null prototypes: a top-level name may be `constructor` or `__proto__`.
  readonly #bindings: Record<string, string> = Object.create(null);
  readonly #imports: Record<string, ImportBinding> = Object.create(null);
  readonly #sideEffectImports: string[] = [];
  readonly #exports: Record<string, ExportBinding> = Object.create(null);
  readonly #exportAll: string[] = [];
  readonly #moduleStatements: AstNode[] = [];
  #exportAssignment: string | undefined;

  constructor(text: string) {
    this.#text = text;
  }

  program(program: AstNode): ModuleSummary {
    for (const statement of program.body as AstNode[]) this.#statement(statement);
    this.#moduleUnit();
    const units: UnitSummary[] = [];
    for (const [name, unit] of this.#units) {
      units.push({
        name,
        hash: unitHash(unit.forms.join("\n")),
        ranges: unit.ranges,
        references: this.#bound(
          unit.references.length === 1 ? unit.references[0]! : mergeReferences(unit.references),
        ),
      });
    }
    return {
      units,
      bindings: this.#bindings,
      imports: this.#imports,
      sideEffectImports: [...new Set(this.#sideEffectImports)],
      exports: this.#exports,
      exportAll: [...new Set(this.#exportAll)],
      ...(this.#exportAssignment === undefined ? {} : { exportAssignment: this.#exportAssignment }),
    };
  }

  /** Only names the module binds: any other is a global (Math, console), which leads nowhere. */
  #bound(references: UnitReferences): UnitReferences {
    return onlyNames(
      references,
      (name) => Object.hasOwn(this.#bindings, name) || Object.hasOwn(this.#imports, name),
    );
  }

  #statement(statement: AstNode): void {
    switch (statement.type) {
      case "ImportDeclaration":
        this.#import(statement);
        return;
      case "ExportNamedDeclaration": {
        if (statement.exportKind === "type") return;
        if (isAstNode(statement.declaration)) {
          for (const name of this.#declaration(statement.declaration, statement) ?? []) {
            this.#exports[name] = { local: name };
          }
          return;
        }
        const source = specifierOf(statement.source);
        for (const specifier of statement.specifiers as AstNode[]) {
          if (specifier.exportKind === "type") continue;
          const exported = nameOf(specifier.exported);
          const local = nameOf(specifier.local);
          this.#exports[exported] = source === undefined ? { local } : { specifier: source, imported: local };
        }
        return;
      }
      case "ExportDefaultDeclaration": {
        const declaration = statement.declaration as AstNode;
        const id = declaration.id;
        if (
          (declaration.type === "FunctionDeclaration" || declaration.type === "ClassDeclaration") &&
          isAstNode(id)
        ) {
          this.#declaration(declaration, statement);
          this.#exports.default = { local: id.name as string };
        } else if (!TYPE_ONLY.has(declaration.type)) {
          this.#unit("default", { type: "ExportDefault", declaration }, statement, new Set());
          this.#bindings.default = "default";
          this.#exports.default = { local: "default" };
        }
        return;
      }
      case "ExportAllDeclaration": {
        const source = specifierOf(statement.source);
        if (statement.exportKind === "type" || source === undefined) return;
        if (isAstNode(statement.exported)) {
          this.#exports[nameOf(statement.exported)] = { specifier: source, imported: "*" };
        } else {
          this.#exportAll.push(source);
        }
        return;
      }
      case "TSExportAssignment":
        this.#unit(
          "export=",
          { type: "ExportAssignment", expression: statement.expression },
          statement,
          new Set(),
        );
        this.#exportAssignment = "export=";
        return;
      case "TSImportEqualsDeclaration": {
        // `import x = require("./y")` loads a module; `import x = N.y` only aliases a namespace.
        const reference = statement.moduleReference;
        const source =
          isAstNode(reference) && reference.type === "TSExternalModuleReference"
            ? specifierOf(reference.expression)
            : undefined;
        if (statement.importKind !== "type" && source !== undefined) {
          this.#imports[nameOf(statement.id)] = { specifier: source, imported: "*" };
        }
        return;
      }
      default:
        if (this.#declaration(statement, statement) === undefined) this.#moduleStatements.push(statement);
    }
  }

  #import(statement: AstNode): void {
    const source = specifierOf(statement.source);
    if (statement.importKind === "type" || source === undefined) return;
    const specifiers = statement.specifiers as AstNode[];
    if (specifiers.length === 0) {
      this.#sideEffectImports.push(source);
      return;
    }
    for (const specifier of specifiers) {
      const local = nameOf(specifier.local);
      switch (specifier.type) {
        case "ImportDefaultSpecifier":
          this.#imports[local] = { specifier: source, imported: "default" };
          break;
        case "ImportNamespaceSpecifier":
          this.#imports[local] = { specifier: source, imported: "*" };
          break;
        case "ImportSpecifier":
          if (specifier.importKind !== "type") {
            this.#imports[local] = { specifier: source, imported: nameOf(specifier.imported) };
          }
          break;
      }
    }
  }

  /**
   * Makes units of a declaration and returns the names it binds; undefined when `node` is not a
   * declaration (then it belongs to `<module>`). `outer` is the statement whose text is shown.
   */
  #declaration(node: AstNode, outer: AstNode): string[] | undefined {
    if (node.declare === true || TYPE_ONLY.has(node.type)) return [];
    switch (node.type) {
      case "FunctionDeclaration":
      case "ClassDeclaration":
      case "TSEnumDeclaration": {
        if (!isAstNode(node.id)) return undefined;
        const name = node.id.name as string;
        this.#unit(name, node, outer, new Set([name]));
        this.#bindings[name] = name;
        return [name];
      }
      case "TSModuleDeclaration": {
        if (!isAstNode(node.id) || node.id.type !== "Identifier") return [];
        const name = node.id.name as string;
        // The normalizer drops namespaces as type-only; a non-declared one runs, so its body counts.
        this.#unit(name, { type: "Namespace", name, body: node.body }, outer, new Set([name]));
        this.#bindings[name] = name;
        return [name];
      }
      case "VariableDeclaration": {
        const declarations = node.declarations as AstNode[];
        const names: string[] = [];
        for (const declarator of declarations) {
          const bound = boundNames(declarator.id);
          if (bound.length === 0) {
            this.#moduleStatements.push({
              type: "VariableDeclaration",
              kind: node.kind,
              declarations: [declarator],
            });
            continue;
          }
          // Destructuring binds several names to one unit, named after all of them.
          const name = bound.join(",");
          const shown = declarations.length === 1 ? outer : declarator;
          this.#unit(
            name,
            { type: "VariableDeclaration", kind: node.kind, declarations: [declarator] },
            shown,
            new Set(bound),
          );
          for (const each of bound) this.#bindings[each] = name;
          names.push(...bound);
        }
        return names;
      }
      default:
        return undefined;
    }
  }

  /** `own`: names the unit binds itself, which are not references out of it. */
  #unit(name: string, node: unknown, shown: AstNode, own: ReadonlySet<string>): void {
    const collector = new ReferenceCollector(this.#text);
    const form = normalizeNode(node, collector);
    let unit = this.#units.get(name);
    if (unit === undefined) {
      unit = { forms: [], ranges: [], references: [] };
      this.#units.set(name, unit);
    }
    // A name declared twice (enum or namespace merging, a repeated `var`): one unit, in order.
    unit.forms.push(form);
    unit.ranges.push([shown.start as number, shown.end as number]);
    unit.references.push(collector.references(own));
  }

  #moduleUnit(): void {
    const statements = this.#moduleStatements;
    if (statements.length === 0 && this.#sideEffectImports.length === 0) return;
    // `var` in a top-level block or loop binds a module name: it belongs to `<module>`.
    const own = new Set(varNames(statements));
    for (const name of own) this.#bindings[name] ??= MODULE_UNIT;
    const collector = new ReferenceCollector(this.#text);
    const form = normalizeNode(statements, collector);
    this.#units.set(MODULE_UNIT, {
      forms: [form],
      ranges: statements
        .filter((statement) => typeof statement.start === "number")
        .map((statement) => [statement.start as number, statement.end as number]),
      references: [collector.references(own)],
    });
  }
}

function specifierOf(node: unknown): string | undefined {
  return isAstNode(node) && typeof node.value === "string" ? node.value : undefined;
}

/** An identifier's name, or the value of a string name (`export { x as "a-b" }`). */
function nameOf(node: unknown): string {
  if (!isAstNode(node)) return "";
  return (node.type === "Identifier" ? node.name : node.value) as string;
}

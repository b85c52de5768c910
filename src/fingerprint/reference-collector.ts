import { type AstNode, isAstNode, unwrapExpression } from "./ast.js";
import type { UnitReferences } from "./code-graph/types.js";

/**
 * The free references met while normalizing, for the code graph: which outer names the code
 * uses (and which of their members), and what it imports at run time. Only built when asked
 * for, so that plain code versions pay nothing for it.
 */
export class ReferenceCollector {
  readonly #members = new Map<string, Set<string>>();
  readonly #bare = new Set<string>();
  readonly #dynamic = new Set<string>();
  readonly #computed = new Set<string>();

  /** `text`: the source the nodes' offsets point into, for the text of computed imports. */
  constructor(readonly text?: string) {}

  use(name: string, member?: string): void {
    if (member === undefined) {
      this.#bare.add(name);
      return;
    }
    let members = this.#members.get(name);
    if (members === undefined) {
      members = new Set();
      this.#members.set(name, members);
    }
    members.add(member);
  }

  /** An `import(specifier)` or `require(specifier)` call. */
  dynamicImport(call: AstNode, specifier: unknown): void {
    const literal = staticString(specifier);
    if (literal !== undefined) {
      this.#dynamic.add(literal);
      return;
    }
    const { start, end } = call;
    this.#computed.add(
      this.text !== undefined && typeof start === "number" && typeof end === "number"
        ? this.text.slice(start, end)
        : `${call.type}(<computed>)`,
    );
  }

  /** What was collected, without `own` (the names the unit itself declares). */
  references(own: ReadonlySet<string> = new Set()): UnitReferences {
    // A null prototype: a free name may be `constructor` or `__proto__`.
    const members: Record<string, string[]> = Object.create(null);
    for (const name of [...this.#members.keys()].sort()) {
      if (!own.has(name)) members[name] = [...this.#members.get(name)!].sort();
    }
    const bare = [...this.#bare].filter((name) => !own.has(name)).sort();
    return {
      names: [...new Set([...Object.keys(members), ...bare])].sort(),
      members,
      bare,
      dynamicImports: [...this.#dynamic].sort(),
      computedImports: [...this.#computed].sort(),
    };
  }
}

/** A string literal, or a template literal without expressions: a specifier known before running. */
function staticString(node: unknown): string | undefined {
  const value = unwrapExpression(node);
  if (!isAstNode(value)) return undefined;
  if (value.type === "Literal" && typeof value.value === "string") return value.value;
  if (value.type === "TemplateLiteral" && (value.expressions as unknown[]).length === 0) {
    const quasi = (value.quasis as AstNode[])[0];
    const cooked = quasi === undefined ? "" : (quasi.value as { cooked: string | null }).cooked;
    return cooked ?? undefined;
  }
  return undefined;
}

import { type AstNode, isAstNode } from "./ast.js";
import type { ParsedSource } from "./code-version.js";

/**
 * The argument keys a step marks `Ignore<...>` in its parameter's type: an inline type literal,
 * or an interface or type alias declared in the same file (following an alias one level on).
 * Types imported from elsewhere are not read.
 */
export function ignoredArgumentsOf(fn: AstNode, parsed: ParsedSource): string[] {
  const param = (fn.params as unknown[])[0];
  const annotated = isAstNode(param) && param.type === "AssignmentPattern" ? param.left : param;
  const annotation = isAstNode(annotated) ? annotated.typeAnnotation : undefined;
  const type = isAstNode(annotation) ? annotation.typeAnnotation : undefined;
  const ignored: string[] = [];
  for (const member of members(type, parsed, 2)) {
    if (member.type !== "TSPropertySignature" || member.computed === true) continue;
    const key = member.key as AstNode;
    const name = key.type === "Identifier" ? key.name : key.value;
    const memberAnnotation = member.typeAnnotation;
    const memberType = isAstNode(memberAnnotation) ? memberAnnotation.typeAnnotation : undefined;
    if (typeof name === "string" && isIgnore(memberType, parsed)) ignored.push(name);
  }
  return [...new Set(ignored)].sort();
}

/** Members of an object type; `hops` is how many named types may still be followed. */
function members(type: unknown, parsed: ParsedSource, hops: number): AstNode[] {
  if (!isAstNode(type)) return [];
  switch (type.type) {
    case "TSTypeLiteral":
      return type.members as AstNode[];
    case "TSIntersectionType":
      return (type.types as unknown[]).flatMap((part) => members(part, parsed, hops));
    case "TSParenthesizedType":
      return members(type.typeAnnotation, parsed, hops);
    case "TSTypeReference": {
      const typeName = type.typeName as AstNode;
      if (hops === 0 || typeName.type !== "Identifier") return [];
      const declaration = declaredType(parsed, typeName.name as string);
      if (declaration?.type === "TSInterfaceDeclaration")
        return (declaration.body as AstNode).body as AstNode[];
      if (declaration?.type === "TSTypeAliasDeclaration")
        return members(declaration.typeAnnotation, parsed, hops - 1);
      return [];
    }
    default:
      return [];
  }
}

function declaredType(parsed: ParsedSource, name: string): AstNode | undefined {
  for (const statement of parsed.program.body as AstNode[]) {
    const declaration =
      statement.type === "ExportNamedDeclaration" && isAstNode(statement.declaration)
        ? statement.declaration
        : statement;
    if (
      (declaration.type === "TSInterfaceDeclaration" || declaration.type === "TSTypeAliasDeclaration") &&
      (declaration.id as AstNode).name === name
    ) {
      return declaration;
    }
  }
  return undefined;
}

/** `Ignore<T>`, `formed.Ignore<T>`, or a union with one of them (`Ignore<T> | undefined`). */
function isIgnore(type: unknown, parsed: ParsedSource): boolean {
  if (!isAstNode(type)) return false;
  if (type.type === "TSUnionType") return (type.types as unknown[]).some((part) => isIgnore(part, parsed));
  if (type.type === "TSParenthesizedType") return isIgnore(type.typeAnnotation, parsed);
  if (type.type !== "TSTypeReference") return false;
  const typeName = type.typeName as AstNode;
  if (typeName.type === "Identifier") return parsed.ignoreNames.has(typeName.name as string);
  return typeName.type === "TSQualifiedName" && (typeName.right as AstNode).name === "Ignore";
}

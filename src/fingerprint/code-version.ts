/**
 * A step function's own code version: a hash of its function's syntax tree, so that comments,
 * formatting, local renames and type-only edits keep the cache while a changed literal,
 * operator, call, property or free identifier invalidates it. Helpers it calls are not hashed
 * here: its free references are returned, for the code graph (code-graph/) to follow.
 */

import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { findSourceMap } from "node:module";
import { isAbsolute } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { oxcParser } from "../common/lazy-packages.js";
import { formedVersion } from "../common/package-info.js";
import { type SourceLang, sourceLangOf } from "../common/specifiers.js";
import type { StepCallSite } from "../step/step.js";
import { type AstNode, isAstNode, isFunctionNode, unwrapExpression } from "./ast.js";
import type { UnitReferences } from "./code-graph/types.js";
import type { CodeVersionMemo } from "./code-version-memo.js";
import { ignoredArgumentsOf } from "./ignored-arguments.js";
import { normalizeFunction } from "./normalize-function.js";
import { ReferenceCollector } from "./reference-collector.js";

export interface CodeInfo {
  /** Hex sha256 of the step function's canonical syntax tree. */
  version: string;
  /** Argument keys typed `Ignore<...>` in the step function's parameter type. */
  ignoredArguments: string[];
  /** How the function was found: by its export in `file`, by the `step()` call at `definedAt`, or from `fnText` alone. */
  located: "export" | "call-site" | "text";
  /** The function's free references (names, members, dynamic imports), when it was parsed: what the code graph follows from it. */
  references?: UnitReferences;
}

export interface CodeVersionInput {
  /** The module file that exports the step. */
  file?: string;
  /** The name under which `file` exports the step. */
  exportName?: string;
  /** Where `step()` was called. */
  definedAt?: StepCallSite;
  /** `fn.toString()` of the step function: the fallback when the source cannot be read. */
  fnText: string;
}

// Bumped when the canonical form changes, so that old versions do not match new ones by accident.
const FORM = "formed-code-v1";
// Bumped when what a CodeInfo holds changes: remembered ones without the new fields are not reused.
const INFO_FORM = "code-info-v2";

type Lang = SourceLang;

/** A parsed source file, with what is needed to read positions and names in it. */
export interface ParsedSource {
  readonly program: AstNode;
  readonly lang: Lang;
  readonly lineStarts: readonly number[];
  /** The parsed text: node offsets point into it. */
  readonly text: string;
  /** Local names of `step` (`import { step as s } from "formed"`). */
  readonly stepNames: ReadonlySet<string>;
  /** Local names of namespace imports of formed (`import * as f from "formed"`). */
  readonly namespaceNames: ReadonlySet<string>;
  /** Local names of the `Ignore` type. */
  readonly ignoreNames: ReadonlySet<string>;
}

const parses = new Map<string, ParsedSource | undefined>();
const normalized = new WeakMap<AstNode, string>();

/**
 * The step function's code version. With a memo, a version computed before from the same
 * sources is taken from it (see CodeVersionMemo).
 */
export function codeVersion(input: CodeVersionInput, memo?: CodeVersionMemo): CodeInfo {
  if (memo === undefined) return computeCodeVersion(input);
  const key = memoKey(input);
  const known = memo.get(key);
  if (known !== undefined) return known;
  const info = computeCodeVersion(input);
  memo.set(key, info);
  return info;
}

/** Everything the version depends on: the text of each file it may be read from, and how the function is found in it. */
function memoKey(input: CodeVersionInput): string {
  const key = createHash("sha256").update(`${FORM}\0${INFO_FORM}\0${formedVersion()}`);
  for (const file of [input.file, input.definedAt?.file]) {
    const path = file === undefined ? undefined : toPath(file);
    key.update(`\0${file ?? ""}\0`);
    if (path !== undefined) {
      try {
        key.update(readFileSync(path));
      } catch {
        key.update("\0unreadable");
      }
    }
  }
  key.update(`\0${input.exportName ?? ""}\0${JSON.stringify(input.definedAt ?? null)}\0${input.fnText}`);
  return key.digest("hex");
}

function computeCodeVersion(input: CodeVersionInput): CodeInfo {
  if (input.file !== undefined && input.exportName !== undefined) {
    const parsed = parseFile(input.file);
    const fn = parsed === undefined ? undefined : findExportedStep(parsed, input.exportName);
    if (parsed !== undefined && fn !== undefined) return info(fn, parsed, "export");
  }
  if (input.definedAt !== undefined) {
    const parsed = parseFile(input.definedAt.file);
    const fn = parsed === undefined ? undefined : findCallSiteStep(parsed, input.definedAt, input.fnText);
    if (parsed !== undefined && fn !== undefined) return info(fn, parsed, "call-site");
  }
  const parsed = parseFunctionText(input.fnText);
  if (parsed === undefined) {
    // Not parseable (a native or bound function): its text is all there is.
    return { version: hash(`text:${input.fnText}`), ignoredArguments: [], located: "text" };
  }
  // Printed JavaScript has no types to read Ignore<> from.
  return info(parsed.fn, parsed.source, "text", []);
}

function info(
  fn: AstNode,
  parsed: ParsedSource,
  located: CodeInfo["located"],
  ignoredArguments = ignoredArgumentsOf(fn, parsed),
): CodeInfo {
  const collector = new ReferenceCollector(parsed.text);
  const form = normalizeFunction(fn, collector);
  normalized.set(fn, form);
  return {
    version: hash(form),
    ignoredArguments,
    located,
    references: collector.references(),
  };
}

function hash(text: string): string {
  return createHash("sha256").update(`${FORM}\n${text}`).digest("hex");
}

function canonical(fn: AstNode): string {
  let text = normalized.get(fn);
  if (text === undefined) {
    text = normalizeFunction(fn);
    normalized.set(fn, text);
  }
  return text;
}

function toPath(file: string): string | undefined {
  if (file.startsWith("file:")) return fileURLToPath(file);
  return isAbsolute(file) ? file : undefined;
}

function parseFile(file: string): ParsedSource | undefined {
  const path = toPath(file);
  const lang = path === undefined ? undefined : sourceLangOf(path);
  if (path === undefined || lang === undefined) return undefined;
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
  return parseSource(text, lang);
}

/** Parses `text`, once per distinct content in this process. Undefined when it has syntax errors. */
export function parseSource(text: string, lang: Lang): ParsedSource | undefined {
  const key = createHash("sha256").update(`${lang}\0${text}`).digest("hex");
  if (parses.has(key)) return parses.get(key);
  const result = oxcParser().parseSync(`source.${lang}`, text, {
    lang,
    sourceType: "unambiguous",
    preserveParens: false,
  });
  const parsed = result.errors.some((error) => error.severity === "Error")
    ? undefined
    : describe(result.program as unknown as AstNode, lang, text);
  parses.set(key, parsed);
  return parsed;
}

function describe(program: AstNode, lang: Lang, text: string): ParsedSource {
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) lineStarts.push(i + 1);
  const stepNames = new Set(["step"]);
  const namespaceNames = new Set<string>();
  const ignoreNames = new Set(["Ignore"]);
  for (const statement of program.body as AstNode[]) {
    if (statement.type !== "ImportDeclaration" || !isFormed(statement.source)) continue;
    for (const specifier of statement.specifiers as AstNode[]) {
      const local = (specifier.local as AstNode).name as string;
      if (specifier.type === "ImportNamespaceSpecifier") namespaceNames.add(local);
      if (specifier.type !== "ImportSpecifier") continue;
      const imported = specifier.imported as AstNode;
      const name = (imported.name ?? imported.value) as string;
      if (name === "step") stepNames.add(local);
      if (name === "Ignore") ignoreNames.add(local);
    }
  }
  return { program, lang, lineStarts, text, stepNames, namespaceNames, ignoreNames };
}

function isFormed(source: unknown): boolean {
  const value = isAstNode(source) ? source.value : undefined;
  return typeof value === "string" && (value === "formed" || value.startsWith("formed/"));
}

/** 1-based line and column of a source offset, as V8 reports them. */
function position(parsed: ParsedSource, offset: number): { line: number; column: number } {
  const starts = parsed.lineStarts;
  let low = 0;
  let high = starts.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if (starts[middle]! <= offset) low = middle;
    else high = middle - 1;
  }
  return { line: low + 1, column: offset - starts[low]! + 1 };
}

function isStepCall(node: unknown, parsed: ParsedSource): node is AstNode {
  if (!isAstNode(node) || node.type !== "CallExpression") return false;
  const args = node.arguments as unknown[];
  if (args.length < 1 || args.length > 2) return false;
  const callee = unwrapExpression(node.callee);
  if (!isAstNode(callee)) return false;
  if (callee.type === "Identifier") return parsed.stepNames.has(callee.name as string);
  if (callee.type === "MemberExpression" && callee.computed !== true) {
    const object = unwrapExpression(callee.object);
    const property = callee.property as AstNode;
    return (
      property.name === "step" &&
      isAstNode(object) &&
      object.type === "Identifier" &&
      parsed.namespaceNames.has(object.name as string)
    );
  }
  return false;
}

/** The function a `step(...)` call wraps: inline, or a top-level function or const it names. */
function stepFunctionOf(call: AstNode, parsed: ParsedSource): AstNode | undefined {
  const args = call.arguments as unknown[];
  const last = unwrapExpression(args[args.length - 1]);
  if (isFunctionNode(last)) return last;
  if (isAstNode(last) && last.type === "Identifier") {
    const name = last.name as string;
    for (const statement of topLevelDeclarations(parsed)) {
      if (statement.type === "FunctionDeclaration" && (statement.id as AstNode | null)?.name === name) {
        return statement;
      }
    }
    const init = unwrapExpression(topLevelInit(parsed, name));
    if (isFunctionNode(init)) return init;
  }
  return undefined;
}

function* topLevelDeclarations(parsed: ParsedSource): Generator<AstNode> {
  for (const statement of parsed.program.body as AstNode[]) {
    if (
      (statement.type === "ExportNamedDeclaration" || statement.type === "ExportDefaultDeclaration") &&
      isAstNode(statement.declaration)
    ) {
      yield statement.declaration;
    } else {
      yield statement;
    }
  }
}

function topLevelInit(parsed: ParsedSource, name: string): unknown {
  for (const statement of topLevelDeclarations(parsed)) {
    if (statement.type !== "VariableDeclaration") continue;
    for (const declarator of statement.declarations as AstNode[]) {
      const id = declarator.id as AstNode;
      if (id.type === "Identifier" && id.name === name) return declarator.init;
    }
  }
  return undefined;
}

function exportedName(node: AstNode): string {
  return (node.type === "Identifier" ? node.name : node.value) as string;
}

/**
 * The step function exported as `exportName`: `export const x = step(...)`,
 * `export default step(...)`, or `const x = step(...)` with `export { x }` / `export { x as y }`.
 */
function findExportedStep(parsed: ParsedSource, exportName: string): AstNode | undefined {
  let expression: unknown;
  for (const statement of parsed.program.body as AstNode[]) {
    if (statement.type === "ExportDefaultDeclaration" && exportName === "default") {
      const declaration = unwrapExpression(statement.declaration);
      expression =
        isAstNode(declaration) && declaration.type === "Identifier"
          ? topLevelInit(parsed, declaration.name as string)
          : declaration;
    } else if (statement.type === "ExportNamedDeclaration" && statement.source == null) {
      const declaration = statement.declaration;
      if (isAstNode(declaration) && declaration.type === "VariableDeclaration") {
        for (const declarator of declaration.declarations as AstNode[]) {
          const id = declarator.id as AstNode;
          if (id.type === "Identifier" && id.name === exportName) expression = declarator.init;
        }
      }
      for (const specifier of (statement.specifiers as AstNode[] | undefined) ?? []) {
        if (exportedName(specifier.exported as AstNode) === exportName) {
          expression = topLevelInit(parsed, exportedName(specifier.local as AstNode));
        }
      }
    }
    if (expression !== undefined) break;
  }
  const call = unwrapExpression(expression);
  return isStepCall(call, parsed) ? stepFunctionOf(call, parsed) : undefined;
}

function stepCalls(parsed: ParsedSource): AstNode[] {
  const calls: AstNode[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const item of node) visit(item);
      return;
    }
    if (!isAstNode(node)) return;
    if (isStepCall(node, parsed)) calls.push(node);
    for (const [key, value] of Object.entries(node)) {
      if (key !== "type" && typeof value === "object" && value !== null) visit(value);
    }
  };
  visit(parsed.program);
  return calls;
}

/**
 * The step function of the `step()` call at `site`. V8 reports positions in the code it ran:
 * the original source for plain JavaScript, the transpiled output for TypeScript unless a
 * source map maps them back. So a mapped position is trusted first; then, for TypeScript read
 * without a map, the candidate whose canonical form equals `fnText`'s (positions may be off);
 * then the raw position.
 */
function findCallSiteStep(parsed: ParsedSource, site: StepCallSite, fnText: string): AstNode | undefined {
  const candidates: { call: AstNode; fn: AstNode }[] = [];
  for (const call of stepCalls(parsed)) {
    const fn = stepFunctionOf(call, parsed);
    if (fn !== undefined) candidates.push({ call, fn });
  }
  if (candidates.length === 0) return undefined;

  const nearestOnLine = (where: { line: number; column: number }, among = candidates) => {
    let best: { fn: AstNode; distance: number } | undefined;
    for (const { call, fn } of among) {
      const columns = [call.start, (call.callee as AstNode).end].map((offset) =>
        position(parsed, offset as number),
      );
      for (const at of columns) {
        if (at.line !== where.line) continue;
        const distance = Math.abs(at.column - where.column);
        if (best === undefined || distance < best.distance) best = { fn, distance };
      }
    }
    return best?.fn;
  };

  const mapped = mappedPosition(site);
  if (mapped !== undefined) {
    const fn = nearestOnLine(mapped);
    if (fn !== undefined) return fn;
  }
  const isTypeScript = parsed.lang === "ts" || parsed.lang === "tsx";
  if (isTypeScript) {
    const text = parseFunctionText(fnText);
    const form = text === undefined ? undefined : canonical(text.fn);
    const same = form === undefined ? [] : candidates.filter(({ fn }) => canonical(fn) === form);
    // Identical forms hash identically, so which of several is taken only matters for Ignore types.
    if (same.length >= 1) return nearestOnLine(site, same) ?? same[0]!.fn;
  }
  return nearestOnLine(site);
}

function mappedPosition(site: StepCallSite): { line: number; column: number } | undefined {
  const path = toPath(site.file);
  if (path === undefined) return undefined;
  const map = findSourceMap(path) ?? findSourceMap(pathToFileURL(path).href);
  if (map === undefined) return undefined;
  const entry = map.findEntry(site.line - 1, site.column - 1);
  if (!("originalLine" in entry)) return undefined;
  const source = entry.originalSource;
  const sourcePath = source.startsWith("file:") ? fileURLToPath(source) : source;
  // A map into another file (a bundle) says nothing about positions in this one.
  if (isAbsolute(sourcePath) && sourcePath !== path) return undefined;
  return { line: entry.originalLine + 1, column: entry.originalColumn + 1 };
}

/** The function in `fn.toString()` text (a function or arrow expression, or a method), and the source it was parsed in. */
function parseFunctionText(fnText: string): { fn: AstNode; source: ParsedSource } | undefined {
  const asExpression = parseSource(`(${fnText}\n);`, "js");
  const expression = asExpression === undefined ? undefined : firstExpression(asExpression);
  if (asExpression !== undefined && isFunctionNode(expression))
    return { fn: expression, source: asExpression };
  // Methods print as `name(args) { ... }`, valid only inside an object literal.
  const asMethod = parseSource(`({${fnText}\n});`, "js");
  const object = asMethod === undefined ? undefined : firstExpression(asMethod);
  const property = isAstNode(object) ? (object.properties as unknown[] | undefined)?.[0] : undefined;
  const value = isAstNode(property) ? property.value : undefined;
  return asMethod !== undefined && isFunctionNode(value) ? { fn: value, source: asMethod } : undefined;
}

function firstExpression(parsed: ParsedSource): unknown {
  const statement = (parsed.program.body as AstNode[])[0];
  return statement?.type === "ExpressionStatement" ? unwrapExpression(statement.expression) : undefined;
}

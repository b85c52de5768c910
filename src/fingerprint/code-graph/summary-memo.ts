/**
 * Module summaries remembered across runs, by the content of the file they were made from (and
 * the summary form): a run whose sources did not change reads and hashes each file but never
 * loads the parser. An unreadable or foreign memo file is an empty memo; failing to save costs
 * the next run a parse, never a wrong version, because an entry's key is its whole input.
 */
import { createHash } from "node:crypto";
import { FileMemo } from "../../common/file-memo.js";
import type { SourceLang } from "../../common/specifiers.js";
import { SUMMARY_FORM } from "./summarize.js";
import type { ModuleSummary, UnitReferences, UnitSummary } from "./types.js";

const MEMO_VERSION = `1:${SUMMARY_FORM}`;

/** The memo key of a source text: everything its summary is computed from. */
export function summaryKey(text: string | Buffer, lang: SourceLang): string {
  return createHash("sha256").update(`${SUMMARY_FORM}\0${lang}\0`).update(text).digest("hex");
}

/** Module summaries by `summaryKey`; `file` absent: in memory only. */
export class SummaryMemo extends FileMemo<ModuleSummary> {
  constructor(file?: string) {
    super(file, { version: MEMO_VERSION, isValue: isModuleSummary });
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isStrings(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === "string");
}

function isRecordOf(value: unknown, check: (item: unknown) => boolean): boolean {
  return isRecord(value) && Object.values(value).every(check);
}

function isBinding(value: unknown): boolean {
  return (
    isRecord(value) &&
    (typeof value.local === "string" ||
      (typeof value.specifier === "string" && typeof value.imported === "string"))
  );
}

export function isReferences(value: unknown): value is UnitReferences {
  return (
    isRecord(value) &&
    isStrings(value.names) &&
    isRecordOf(value.members, isStrings) &&
    isStrings(value.bare) &&
    isStrings(value.dynamicImports) &&
    isStrings(value.computedImports)
  );
}

function isUnit(value: unknown): value is UnitSummary {
  return (
    isRecord(value) &&
    typeof value.name === "string" &&
    typeof value.hash === "string" &&
    Array.isArray(value.ranges) &&
    value.ranges.every(
      (range) =>
        Array.isArray(range) && range.length === 2 && range.every((offset) => typeof offset === "number"),
    ) &&
    isReferences(value.references)
  );
}

/** A damaged entry would mislead the graph, not crash it: each is checked before use. */
function isModuleSummary(value: unknown): value is ModuleSummary {
  return (
    isRecord(value) &&
    Array.isArray(value.units) &&
    value.units.every(isUnit) &&
    isRecordOf(value.bindings, (item) => typeof item === "string") &&
    isRecordOf(value.imports, isBinding) &&
    isStrings(value.sideEffectImports) &&
    isRecordOf(value.exports, isBinding) &&
    isStrings(value.exportAll) &&
    (value.exportAssignment === undefined || typeof value.exportAssignment === "string")
  );
}

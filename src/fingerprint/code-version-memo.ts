/**
 * Code versions remembered across runs, by everything a version is computed from (the source
 * text of the files involved, the export name or call site, the function's text, the canonical
 * form and this package's version). A run whose step sources did not change takes each version
 * from here and never loads the parser (~15 ms) or walks a syntax tree. Kept in
 * `.formed/code-versions.json`; an unreadable file is an empty memo, and a failure to save it
 * costs the next run a parse, never a wrong version.
 */
import { FileMemo } from "../common/file-memo.js";
import { isReferences } from "./code-graph/summary-memo.js";
import type { CodeInfo } from "./code-version.js";

const MEMO_VERSION = 1;

export class CodeVersionMemo extends FileMemo<CodeInfo> {
  /** The memo kept in `file` (created on save). */
  static open(file: string): CodeVersionMemo {
    return new CodeVersionMemo(file, { version: MEMO_VERSION, isValue: isCodeInfo });
  }
}

function isCodeInfo(value: unknown): value is CodeInfo {
  if (typeof value !== "object" || value === null) return false;
  const info = value as Partial<CodeInfo>;
  return (
    typeof info.version === "string" &&
    Array.isArray(info.ignoredArguments) &&
    info.ignoredArguments.every((name) => typeof name === "string") &&
    (info.located === "export" || info.located === "call-site" || info.located === "text") &&
    (info.references === undefined || isReferences(info.references))
  );
}

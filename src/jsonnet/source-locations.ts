/**
 * Source positions from the Jsonnet engine: its answers to `locate` requests, and the
 * `file:line:column` that go-jsonnet writes in an error message. Lines are 1-based; columns
 * are 1-based in UTF-16 code units, as editors count them (go-jsonnet counts bytes).
 */
import { readFile } from "node:fs/promises";
import type { PathLocation, SourceSpan } from "./engine.js";

/** The engine's `locations` (see engine/jsonnet/locate.go); undefined when it gave none. */
export function pathLocationsFromEngine(raw: unknown): PathLocation[] | undefined {
  if (!Array.isArray(raw)) return undefined;
  return raw.flatMap((entry): PathLocation[] => {
    if (typeof entry !== "object" || entry === null) return [];
    const { path, found, file, line, column, endLine, endColumn, template } = entry as Record<
      string,
      unknown
    >;
    if (typeof path !== "string" || typeof found !== "string") return [];
    const numbers = [line, column, endLine, endColumn];
    const span =
      typeof file === "string" && numbers.every((n) => typeof n === "number" && n > 0)
        ? ({ file, line, column, endLine, endColumn } as SourceSpan)
        : undefined;
    return [
      { path, found, ...(span === undefined ? {} : { span }), ...(template === true ? { template } : {}) },
    ];
  });
}

/**
 * go-jsonnet's places in an error: `FILE:L:C`, `FILE:L:C-C2` or `FILE:(L:C)-(L2:C2)`, at the
 * start of a line (a static error) or after a tab (a runtime error's stack, innermost first).
 */
const PLACE = /(?:^|\t)(\S[^\t\n]*?):(?:(\d+):(\d+)(?:-(\d+))?|\((\d+):(\d+)\)-\((\d+):(\d+)\))(?=[\s:]|$)/m;

/**
 * The first place an error message names; undefined when it names none. go-jsonnet counts
 * columns in bytes (`byteColumns`): they are turned into UTF-16 ones by reading the file.
 */
export async function errorLocation(message: string, byteColumns = true): Promise<SourceSpan | undefined> {
  const match = PLACE.exec(message);
  if (match === null) return undefined;
  const [, file, line, column, endColumn, line1, column1, line2, column2] = match;
  const numbers =
    line !== undefined
      ? [line, column, line, endColumn ?? column].map(Number)
      : [line1, column1, line2, column2].map(Number);
  const [startLine, startColumn, lastLine, lastColumn] = numbers as [number, number, number, number];
  const text = byteColumns ? await readFile(file!, "utf8").catch(() => undefined) : undefined;
  const toUtf16 = (lineNumber: number, byteColumn: number) =>
    text === undefined ? byteColumn : utf16Column(text, lineNumber, byteColumn);
  return {
    file: file!,
    line: startLine,
    column: toUtf16(startLine, startColumn),
    endLine: lastLine,
    endColumn: toUtf16(lastLine, lastColumn),
  };
}

/** A 1-based byte column of a line as a 1-based UTF-16 column. */
export function utf16Column(text: string, line: number, byteColumn: number): number {
  const lineText = text.replace(/^\uFEFF/, "").split("\n")[line - 1];
  if (lineText === undefined) return byteColumn;
  const bytes = Buffer.from(lineText, "utf8").subarray(0, Math.max(0, byteColumn - 1));
  return bytes.toString("utf8").length + 1;
}

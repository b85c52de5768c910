/** How module specifiers and source files are told apart, the same for loading modules and for following their code. */
import { isAbsolute } from "node:path";

/** `./x`, `../x`, `.`, `..` (either separator): resolved against the importing file's folder. */
export function isRelativeSpecifier(specifier: string): boolean {
  return (
    specifier === "." ||
    specifier === ".." ||
    specifier.startsWith("./") ||
    specifier.startsWith("../") ||
    specifier.startsWith(".\\") ||
    specifier.startsWith("..\\")
  );
}

/** A relative or absolute path, as opposed to a package name. */
export function isPathSpecifier(specifier: string): boolean {
  return isRelativeSpecifier(specifier) || isAbsolute(specifier);
}

export type SourceLang = "js" | "jsx" | "ts" | "tsx";

/** The parser language of a source file, by its extension; undefined for anything else (declaration files too). */
export function sourceLangOf(path: string): SourceLang | undefined {
  const dot = path.lastIndexOf(".");
  switch (dot < 0 ? "" : path.slice(dot).toLowerCase()) {
    case ".ts":
    case ".mts":
    case ".cts":
      return path.toLowerCase().endsWith(".d.ts") ? undefined : "ts";
    case ".tsx":
      return "tsx";
    case ".jsx":
      return "jsx";
    case ".js":
    case ".mjs":
    case ".cjs":
      return "js";
    default:
      return undefined;
  }
}

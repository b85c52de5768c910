import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

let version: string | undefined;

/**
 * The version of the installed `typescript`, read from its package.json rather than by loading
 * the compiler (a quarter of a second or more): a cached analysis must not pay for it.
 */
export function compilerAnalyzerVersion(): string {
  if (version === undefined) {
    const file = createRequire(import.meta.url).resolve("typescript/package.json");
    const json = JSON.parse(readFileSync(file, "utf8")) as { version?: unknown };
    version = `typescript-${String(json.version)}`;
  }
  return version;
}

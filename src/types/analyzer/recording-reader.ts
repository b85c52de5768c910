import { dirname } from "node:path";
import ts from "typescript";
import { type FileStamp, stampFile } from "./file-stamp.js";

/**
 * Reads files for the compiler and for the analyzer's own lookups (package.json files), and
 * stamps each one as it is read, so the cache is keyed by exactly the content the analysis saw.
 */
export class RecordingReader {
  readonly #stamps = new Map<string, FileStamp>();
  // The compiler's own lib files are fixed by its version, which is in the cache key.
  readonly #libDir = dirname(ts.getDefaultLibFilePath({})).replaceAll("\\", "/");

  readonly readFile = (path: string): string | undefined => {
    const text = ts.sys.readFile(path);
    if (
      text !== undefined &&
      !this.#stamps.has(path) &&
      !path.replaceAll("\\", "/").startsWith(this.#libDir)
    ) {
      this.#stamps.set(path, stampFile(path, text));
    }
    return text;
  };

  stamps(): FileStamp[] {
    return [...this.#stamps.values()];
  }
}

import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ProjectTypes } from "../type-description.js";
import { contentHash, type FileStamp, stampMatches } from "./file-stamp.js";

/** What is stored per analysis input: the stamps of the files it read, and its result. */
interface CacheEntry {
  readonly key: string;
  readonly files: readonly FileStamp[];
  readonly types: ProjectTypes;
}

/**
 * Analysis results on disk, one file per input (working directory, steps, analyzer and compiler
 * version). An entry is used only while every file the analysis read still matches its stamp,
 * so a run with unchanged sources costs reading the entry and hashing the user's files.
 */
export class AnalysisCache {
  constructor(private readonly dir: string) {}

  static key(parts: unknown): string {
    return contentHash(JSON.stringify(parts));
  }

  /** The cached result for `key`, if every file it was read from is unchanged. */
  get(key: string): ProjectTypes | undefined {
    let entry: CacheEntry;
    try {
      entry = JSON.parse(readFileSync(this.#file(key), "utf8")) as CacheEntry;
    } catch {
      return undefined;
    }
    if (entry.key !== key || !Array.isArray(entry.files)) return undefined;
    return entry.files.every(stampMatches) ? entry.types : undefined;
  }

  /** Stores a result; a cache that cannot be written is only slower, never an error. */
  set(key: string, files: readonly FileStamp[], types: ProjectTypes): void {
    try {
      mkdirSync(this.dir, { recursive: true });
      const entry: CacheEntry = { key, files, types };
      // Written aside and renamed: a concurrent run never reads half an entry.
      const temporary = `${this.#file(key)}.${process.pid}.${Date.now()}.tmp`;
      writeFileSync(temporary, JSON.stringify(entry));
      renameSync(temporary, this.#file(key));
    } catch {
      // Read-only or missing cache folder: analyze again next time.
    }
  }

  #file(key: string): string {
    return join(this.dir, `${key.slice(0, 32)}.json`);
  }
}

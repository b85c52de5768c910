import { mkdirSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomicSync } from "../../common/atomic-write.js";
import { sha256Hex } from "../../fingerprint/fingerprint.js";
import type { ProjectTypes } from "../type-description.js";
import { type FileStamp, stampMatches } from "./file-stamp.js";

/** What is stored per analysis input: the stamps of the files it read, and its result. */
interface CacheEntry {
  readonly key: string;
  readonly files: readonly FileStamp[];
  readonly types: ProjectTypes;
}

/** Entries kept: the least recently written beyond this are removed when one is added. */
export const MAX_ANALYSIS_ENTRIES = 256;

/**
 * Analysis results on disk, one file per input (working directory, steps, analyzer and compiler
 * version). An entry is used only while every file the analysis read still matches its stamp,
 * so a run with unchanged sources costs reading the entry and hashing the user's files. The
 * folder is shared by all of a user's projects, so it is kept to MAX_ANALYSIS_ENTRIES.
 */
export class AnalysisCache {
  constructor(private readonly dir: string) {}

  static key(parts: unknown): string {
    return sha256Hex(JSON.stringify(parts));
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
      // Atomic: a concurrent run never reads half an entry.
      writeFileAtomicSync(this.#file(key), JSON.stringify(entry));
      this.#prune();
    } catch {
      // Read-only or missing cache folder: analyze again next time.
    }
  }

  /** Removes the oldest entries beyond MAX_ANALYSIS_ENTRIES (runs only after an analysis, ~1 s anyway). */
  #prune(): void {
    const names = readdirSync(this.dir).filter((name) => name.endsWith(".json"));
    if (names.length <= MAX_ANALYSIS_ENTRIES) return;
    const byAge = names
      .map((name) => ({
        name,
        mtime: statSync(join(this.dir, name), { throwIfNoEntry: false })?.mtimeMs ?? 0,
      }))
      .sort((a, b) => a.mtime - b.mtime);
    for (const { name } of byAge.slice(0, names.length - MAX_ANALYSIS_ENTRIES)) {
      rmSync(join(this.dir, name), { force: true });
    }
  }

  #file(key: string): string {
    return join(this.dir, `${key.slice(0, 32)}.json`);
  }
}

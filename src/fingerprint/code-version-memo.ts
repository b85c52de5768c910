/**
 * Code versions remembered across runs, by everything a version is computed from (the source
 * text of the files involved, the export name or call site, the function's text, the canonical
 * form and this package's version). A run whose step sources did not change takes each version
 * from here and never loads the parser (~15 ms) or walks a syntax tree. Kept in
 * `.formed/code-versions.json`; an unreadable file is an empty memo, and a failure to save it
 * costs the next run a parse, never a wrong version.
 */
import { mkdirSync, readFileSync } from "node:fs";
import { dirname } from "node:path";
import { writeFileAtomicSync } from "../common/atomic-write.js";
import type { CodeInfo } from "./code-version.js";

const MEMO_VERSION = 1;

interface MemoFile {
  memo: typeof MEMO_VERSION;
  entries: Record<string, CodeInfo>;
}

export class CodeVersionMemo {
  readonly #file: string;
  readonly #entries: Map<string, CodeInfo>;
  /** Keys looked up by this process: saving keeps only these, so the file never grows stale. */
  readonly #used = new Set<string>();
  #changed = false;

  private constructor(file: string, entries: Map<string, CodeInfo>) {
    this.#file = file;
    this.#entries = entries;
  }

  /** The memo kept in `file` (created on save). */
  static open(file: string): CodeVersionMemo {
    return new CodeVersionMemo(file, readEntries(file));
  }

  get(key: string): CodeInfo | undefined {
    this.#used.add(key);
    return this.#entries.get(key);
  }

  set(key: string, info: CodeInfo): void {
    this.#used.add(key);
    this.#entries.set(key, info);
    this.#changed = true;
  }

  /** Writes the entries used by this process, when any was added or some were not used. */
  save(): void {
    if (!this.#changed && this.#used.size === this.#entries.size) return;
    const entries: Record<string, CodeInfo> = {};
    for (const key of [...this.#used].sort()) {
      const info = this.#entries.get(key);
      if (info !== undefined) entries[key] = info;
    }
    try {
      mkdirSync(dirname(this.#file), { recursive: true });
      writeFileAtomicSync(
        this.#file,
        `${JSON.stringify({ memo: MEMO_VERSION, entries } satisfies MemoFile)}\n`,
      );
      this.#changed = false;
    } catch {
      // A read-only or full disk: the next run computes the versions again.
    }
  }
}

function readEntries(file: string): Map<string, CodeInfo> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch {
    return new Map();
  }
  const entries = new Map<string, CodeInfo>();
  if (typeof parsed !== "object" || parsed === null || (parsed as MemoFile).memo !== MEMO_VERSION)
    return entries;
  const stored = (parsed as MemoFile).entries;
  if (typeof stored !== "object" || stored === null) return entries;
  for (const [key, info] of Object.entries(stored)) {
    if (isCodeInfo(info)) entries.set(key, info);
  }
  return entries;
}

function isCodeInfo(value: unknown): value is CodeInfo {
  if (typeof value !== "object" || value === null) return false;
  const info = value as Partial<CodeInfo>;
  return (
    typeof info.version === "string" &&
    Array.isArray(info.ignoredArguments) &&
    info.ignoredArguments.every((name) => typeof name === "string") &&
    (info.located === "export" || info.located === "call-site" || info.located === "text")
  );
}

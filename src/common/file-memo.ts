/**
 * Values remembered across runs in one JSON file, by a key that is the whole input they were
 * computed from (so an entry is never stale, only unused). Saving keeps only the entries this
 * process used, so the file never grows with old sources. An unreadable, foreign or damaged
 * file is an empty memo (each entry is checked before use), and failing to save costs the next
 * run a recomputation, never a wrong answer.
 */
import { mkdirSync, readFileSync } from "node:fs";
import { dirname } from "node:path";
import { writeFileAtomicSync } from "./atomic-write.js";

export interface FileMemoOptions<V> {
  /** The file's layout and the form of its values: a file of another version is ignored. */
  readonly version: string | number;
  /** Whether a stored value is well formed. */
  readonly isValue: (value: unknown) => value is V;
}

export class FileMemo<V> {
  readonly #file: string | undefined;
  readonly #options: FileMemoOptions<V>;
  #entries: Map<string, V> | undefined;
  readonly #used = new Set<string>();
  #changed = false;

  /** `file` absent: in memory only. The file is read on first use. */
  constructor(file: string | undefined, options: FileMemoOptions<V>) {
    this.#file = file;
    this.#options = options;
  }

  get(key: string): V | undefined {
    const value = this.#load().get(key);
    if (value !== undefined) this.#used.add(key);
    return value;
  }

  set(key: string, value: V): void {
    this.#load().set(key, value);
    this.#used.add(key);
    this.#changed = true;
  }

  /** Writes the entries used by this process, when one was added or some were not used. */
  save(): void {
    const entries = this.#entries;
    if (this.#file === undefined || entries === undefined) return;
    if (!this.#changed && this.#used.size === entries.size) return;
    const kept: Record<string, V> = {};
    for (const key of [...this.#used].sort()) kept[key] = entries.get(key)!;
    try {
      mkdirSync(dirname(this.#file), { recursive: true });
      writeFileAtomicSync(this.#file, `${JSON.stringify({ memo: this.#options.version, entries: kept })}\n`);
      this.#changed = false;
    } catch {
      // A read-only or full disk: the next run computes again.
    }
  }

  #load(): Map<string, V> {
    this.#entries ??= this.#file === undefined ? new Map() : readEntries(this.#file, this.#options);
    return this.#entries;
  }
}

function readEntries<V>(file: string, options: FileMemoOptions<V>): Map<string, V> {
  const entries = new Map<string, V>();
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch {
    return entries;
  }
  if (typeof parsed !== "object" || parsed === null) return entries;
  const { memo, entries: stored } = parsed as { memo?: unknown; entries?: unknown };
  if (memo !== options.version || typeof stored !== "object" || stored === null) return entries;
  for (const [key, value] of Object.entries(stored)) {
    if (options.isValue(value)) entries.set(key, value);
  }
  return entries;
}

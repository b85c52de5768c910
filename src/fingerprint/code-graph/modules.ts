/**
 * The modules of a graph, each read once: a file's text, its summary (from the memo by content,
 * or made by parsing), and its units by name. Paths are absolute; unit ids are relative to the
 * project root, so that two checkouts of the same project give the same ids.
 */
import { readFileSync } from "node:fs";
import { isAbsolute, relative, sep } from "node:path";
import { sourceLangOf } from "../../common/specifiers.js";
import { rawSummary, summarizeSource } from "./summarize.js";
import { type SummaryMemo, summaryKey } from "./summary-memo.js";
import type { ModuleSummary, UnitSummary } from "./types.js";

/** A unit's longest text kept for `explain`. */
const MAX_TEXT = 2000;

export interface LoadedModule {
  readonly path: string;
  /** Relative to the project root, "/" separators. */
  readonly file: string;
  readonly summary: ModuleSummary;
  readonly units: ReadonlyMap<string, UnitSummary>;
  /** The file's text, for units' text; undefined when unreadable. */
  readonly text: string | undefined;
}

export class ModuleStore {
  readonly #roots: readonly string[];
  readonly #memo: SummaryMemo;
  readonly #modules = new Map<string, LoadedModule>();

  /** `roots`: the project root as given, and its real path when that differs. */
  constructor(roots: readonly string[], memo: SummaryMemo) {
    this.#roots = roots;
    this.#memo = memo;
  }

  get(path: string): LoadedModule {
    let loaded = this.#modules.get(path);
    if (loaded === undefined) {
      loaded = this.#load(path);
      this.#modules.set(path, loaded);
    }
    return loaded;
  }

  /** `path` relative to the project root (or, for a workspace package, to the root's real path). */
  relativeFile(path: string): string {
    let best: string | undefined;
    for (const root of this.#roots) {
      const candidate = relative(root, path);
      const inside = !candidate.startsWith("..") && !isAbsolute(candidate);
      if (inside) return candidate.split(sep).join("/");
      best ??= candidate;
    }
    return (best ?? path).split(sep).join("/");
  }

  /** A unit's source text, when short enough to show. */
  unitText(module: LoadedModule, unit: UnitSummary): string | undefined {
    const text = module.text;
    if (text === undefined) return undefined;
    let length = 0;
    for (const [start, end] of unit.ranges) length += end - start;
    if (length > MAX_TEXT) return undefined;
    return unit.ranges.map(([start, end]) => text.slice(start, end)).join("\n");
  }

  #load(path: string): LoadedModule {
    let content: Buffer | undefined;
    try {
      content = readFileSync(path);
    } catch {
      content = undefined;
    }
    const lang = sourceLangOf(path);
    let summary: ModuleSummary;
    let text: string | undefined;
    if (content === undefined) {
      summary = rawSummary(undefined);
    } else if (lang === undefined) {
      summary = rawSummary(content);
      text = content.length <= MAX_TEXT ? content.toString("utf8") : undefined;
    } else {
      text = content.toString("utf8");
      const key = summaryKey(content, lang);
      const known = this.#memo.get(key);
      if (known !== undefined) {
        summary = known;
      } else {
        try {
          summary = summarizeSource(text, lang);
          this.#memo.set(key, summary);
        } catch {
          // The parser failed to load, or met a tree the summarizer did not foresee: the file
          // counts by its text for this run, and is not remembered that way.
          summary = rawSummary(text);
        }
      }
    }
    const units = new Map<string, UnitSummary>();
    for (const unit of summary.units) units.set(unit.name, unit);
    return { path, file: this.relativeFile(path), summary, units, text };
  }
}

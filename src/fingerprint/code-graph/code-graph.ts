/**
 * A step's code version from the code it can reach: the units (top-level declarations and each
 * module's other top-level code) reached from its roots through free references, imports,
 * re-exports and literal dynamic imports, the packages those imports name, and the dynamic
 * imports it cannot follow. Editing a helper a step calls changes the step's version; editing
 * code it cannot reach, or a comment, never does.
 *
 * A graph reads each file once: make a new one to see files edited since. Summaries are
 * remembered by file content (`memoFile`), so a run whose files did not change parses nothing.
 */
import { createHash } from "node:crypto";
import { realpathSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { Linker, type Target } from "./linker.js";
import { type LoadedModule, ModuleStore } from "./modules.js";
import { SpecifierResolver } from "./resolve-specifier.js";
import { SUMMARY_FORM } from "./summarize.js";
import { SummaryMemo } from "./summary-memo.js";
import { type CodeRoot, type CodeUnit, MODULE_UNIT, type StepCode } from "./types.js";

export type { CodeRoot, CodeUnit, StepCode, UnitReferences } from "./types.js";

export class CodeGraph {
  readonly #root: string;
  readonly #memo: SummaryMemo;
  readonly #store: ModuleStore;
  readonly #resolver = new SpecifierResolver();
  readonly #linker: Linker;

  /** `root`: the project directory (unit ids are relative to it, so two checkouts in different folders give the same version). `memoFile`: where summaries are remembered across runs (e.g. `.formed/code-graph.json`); absent = in memory only. */
  constructor(options: { root: string; memoFile?: string }) {
    this.#root = resolve(options.root);
    let real = this.#root;
    try {
      real = realpathSync(this.#root);
    } catch {
      // A root that does not exist: ids stay relative to it as given.
    }
    this.#memo = new SummaryMemo(options.memoFile);
    // Workspace packages are followed by their real paths: ids relative to the real root too.
    this.#store = new ModuleStore(real === this.#root ? [this.#root] : [this.#root, real], this.#memo);
    this.#linker = new Linker(this.#store, this.#resolver);
  }

  /** The code reached from all `roots` together (a step's function plus the classes its config builds). Never throws for unreadable/unparseable files: such a file is one unit whose hash is the hash of its raw text (or of "unreadable"). */
  stepCode(roots: readonly CodeRoot[]): StepCode {
    const units = new Map<string, CodeUnit>();
    const wholeModules = new Set<string>();
    const packages = new Map<string, Set<string>>();
    const notFollowed = new Map<string, { unit: string; text: string }>();
    const stack: Target[] = [];
    for (const root of roots) stack.push(...this.#rootTargets(root, units));

    for (let target = stack.pop(); target !== undefined; target = stack.pop()) {
      switch (target.kind) {
        case "unit": {
          const { module, unit } = target;
          const key = `${module.path}#${unit.name}`;
          if (units.has(key)) break;
          units.set(key, this.#codeUnit(module, unit.name));
          const moduleUnit = module.units.get(MODULE_UNIT);
          if (moduleUnit !== undefined && moduleUnit !== unit)
            stack.push({ kind: "unit", module, unit: moduleUnit });
          stack.push(...this.#linker.unitEdges(module, unit));
          break;
        }
        case "module":
          if (wholeModules.has(target.module.path)) break;
          wholeModules.add(target.module.path);
          stack.push(...this.#linker.wholeModule(target.module));
          break;
        case "package": {
          let versions = packages.get(target.name);
          if (versions === undefined) {
            versions = new Set();
            packages.set(target.name, versions);
          }
          versions.add(target.version);
          break;
        }
        case "notFollowed":
          notFollowed.set(`${target.unit}\0${target.text}`, { unit: target.unit, text: target.text });
          break;
      }
    }
    return this.#result(units, packages, notFollowed);
  }

  /** Writes the memo (atomically), keeping only entries used by this process; failures are ignored (a read-only disk costs the next run a parse, never a wrong version). */
  save(): void {
    this.#memo.save();
  }

  #rootTargets(root: CodeRoot, units: Map<string, CodeUnit>): Target[] {
    if (root.kind === "export") {
      // Resolution is from a file; from a directory, from a file (that need not exist) inside it.
      const importer = isDirectory(root.from) ? join(root.from, "[root]") : root.from;
      return this.#linker.root(root.specifier, importer, root.exportName);
    }
    const file = root.file === undefined ? undefined : resolve(root.file);
    const module = file === undefined ? undefined : this.#store.get(file);
    const id = `${module?.file ?? ""}#${root.name}`;
    // Keyed apart from real units: a function may share its name with a unit of its file.
    units.set(`function\0${file ?? ""}\0${root.name}\0${root.hash}`, {
      id,
      name: root.name,
      file: module?.file ?? "",
      hash: root.hash,
    });
    const targets = this.#linker.references(file ?? join(this.#root, "[root]"), module, root.references, id);
    const moduleUnit = module?.units.get(MODULE_UNIT);
    if (module !== undefined && moduleUnit !== undefined)
      targets.push({ kind: "unit", module, unit: moduleUnit });
    return targets;
  }

  #codeUnit(module: LoadedModule, name: string): CodeUnit {
    const unit = module.units.get(name)!;
    const text = this.#store.unitText(module, unit);
    return {
      id: `${module.file}#${name}`,
      name,
      file: module.file,
      hash: unit.hash,
      ...(text === undefined ? {} : { text }),
    };
  }

  #result(
    reached: Map<string, CodeUnit>,
    packageVersions: Map<string, Set<string>>,
    notFollowedByKey: Map<string, { unit: string; text: string }>,
  ): StepCode {
    const units = [...reached.values()].sort((a, b) => compare(a.id, b.id) || compare(a.hash, b.hash));
    // fromEntries defines own properties, whatever a specifier spells (`__proto__`).
    const packages: Record<string, string> = Object.fromEntries(
      [...packageVersions.keys()]
        .sort(compare)
        .map((name) => [name, [...packageVersions.get(name)!].sort(compare).join(", ")]),
    );
    const notFollowed = [...notFollowedByKey.values()].sort(
      (a, b) => compare(a.unit, b.unit) || compare(a.text, b.text),
    );
    const hash = createHash("sha256").update(`${SUMMARY_FORM}\n`);
    for (const unit of units) hash.update(`unit\0${unit.id}\0${unit.hash}\n`);
    for (const [name, version] of Object.entries(packages)) hash.update(`package\0${name}\0${version}\n`);
    for (const { unit, text } of notFollowed) hash.update(`not followed\0${unit}\0${text}\n`);
    return { version: hash.digest("hex"), units, packages, notFollowed };
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** By code unit, not locale: the same order on every machine. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

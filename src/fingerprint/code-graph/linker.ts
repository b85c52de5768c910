/**
 * The edges of the graph: what a unit's free references, a module's exports and a root mean,
 * as targets (units, whole modules, packages, imports not followed). Names resolve to a
 * top-level unit of the same module or through its imports, re-exports, `export *` and
 * namespaces; a name bound nowhere is a global and leads nowhere. Every answer is computed once
 * per graph.
 */
import type { LoadedModule, ModuleStore } from "./modules.js";
import type { SpecifierResolver } from "./resolve-specifier.js";
import { MODULE_UNIT, ownValue, type UnitReferences, type UnitSummary } from "./types.js";

export type Target =
  | { readonly kind: "unit"; readonly module: LoadedModule; readonly unit: UnitSummary }
  /** The whole module: `<module>` and everything it exports. */
  | { readonly kind: "module"; readonly module: LoadedModule }
  | { readonly kind: "package"; readonly name: string; readonly version: string }
  | { readonly kind: "notFollowed"; readonly unit: string; readonly text: string };

/** Which members of a namespace are used: some by name, or all (the namespace itself is used). */
type Members = readonly string[] | "all";

export class Linker {
  readonly #store: ModuleStore;
  readonly #resolver: SpecifierResolver;
  readonly #unitEdges = new Map<string, readonly Target[]>();
  readonly #exportEdges = new Map<string, readonly Target[]>();
  readonly #moduleEdges = new Map<string, readonly Target[]>();

  constructor(store: ModuleStore, resolver: SpecifierResolver) {
    this.#store = store;
    this.#resolver = resolver;
  }

  /** What a unit of `module` reaches directly (its module's `<module>` unit aside). */
  unitEdges(module: LoadedModule, unit: UnitSummary): readonly Target[] {
    const key = `${module.path}#${unit.name}`;
    let edges = this.#unitEdges.get(key);
    if (edges === undefined) {
      edges = this.references(module.path, module, unit.references, `${module.file}#${unit.name}`);
      if (unit.name === MODULE_UNIT) {
        edges = [...edges, ...this.#sideEffects(module)];
      }
      this.#unitEdges.set(key, edges);
    }
    return edges;
  }

  /**
   * What `references` reach from a unit `unitId` of `module` (undefined for code of no known
   * file: then only its imports, resolved from `importer`, lead anywhere).
   */
  references(
    importer: string,
    module: LoadedModule | undefined,
    references: UnitReferences,
    unitId: string,
  ): Target[] {
    const targets: Target[] = [];
    if (module !== undefined) {
      const bare = new Set(references.bare);
      for (const name of references.names) {
        const members = bare.has(name) ? "all" : (ownValue(references.members, name) ?? "all");
        targets.push(...(this.#binding(module, name, members, new Set()) ?? []));
      }
    }
    for (const specifier of references.dynamicImports) {
      const resolution = this.#resolver.resolve(specifier, importer);
      if (resolution.kind === "file")
        targets.push({ kind: "module", module: this.#store.get(resolution.path) });
      else if (resolution.kind === "package") targets.push(resolution);
    }
    for (const text of references.computedImports) targets.push({ kind: "notFollowed", unit: unitId, text });
    return targets;
  }

  /** What `exportName` of the module `specifier` names from `importer` means (roots: a whole export). */
  root(specifier: string, importer: string, exportName: string): Target[] {
    return this.#imported(importer, specifier, exportName, "all", new Set());
  }

  /** A whole module: its `<module>` unit, every export, and every module it exports `*` from. */
  wholeModule(module: LoadedModule): readonly Target[] {
    let edges = this.#moduleEdges.get(module.path);
    if (edges === undefined) {
      const summary = module.summary;
      const targets = this.#moduleUnit(module);
      if (summary.exportAssignment !== undefined)
        targets.push(...this.#unit(module, summary.exportAssignment));
      for (const name of Object.keys(summary.exports))
        targets.push(...this.#export(module, name, "all", new Set()));
      for (const specifier of summary.exportAll) {
        const resolution = this.#resolver.resolve(specifier, module.path);
        if (resolution.kind === "file")
          targets.push({ kind: "module", module: this.#store.get(resolution.path) });
        else if (resolution.kind === "package") targets.push(resolution);
      }
      edges = targets;
      this.#moduleEdges.set(module.path, edges);
    }
    return edges;
  }

  /** `import "./x"`: the imported module's `<module>` unit (which follows its own side-effect imports). */
  #sideEffects(module: LoadedModule): Target[] {
    const targets: Target[] = [];
    for (const specifier of module.summary.sideEffectImports) {
      const resolution = this.#resolver.resolve(specifier, module.path);
      if (resolution.kind === "file") targets.push(...this.#moduleUnit(this.#store.get(resolution.path)));
      else if (resolution.kind === "package") targets.push(resolution);
    }
    return targets;
  }

  /**
   * A top-level name of `module`: its own unit, or what its import means. Undefined when the
   * module binds it nowhere (a global, or an export of nothing).
   */
  #binding(module: LoadedModule, name: string, members: Members, seen: Set<string>): Target[] | undefined {
    const unitName = ownValue(module.summary.bindings, name);
    if (unitName !== undefined) return this.#unit(module, unitName);
    const imported = ownValue(module.summary.imports, name);
    if (imported === undefined) return undefined;
    return this.#imported(module.path, imported.specifier, imported.imported, members, seen);
  }

  /** What `importer`'s import of `name` ("default", "*" or an export name) from `specifier` means. */
  #imported(
    importer: string,
    specifier: string,
    name: string,
    members: Members,
    seen: Set<string>,
  ): Target[] {
    const resolution = this.#resolver.resolve(specifier, importer);
    if (resolution.kind === "none") return [];
    if (resolution.kind === "package") return [resolution];
    const module = this.#store.get(resolution.path);
    // Importing runs the module, even when it only passes a binding on.
    return [...this.#moduleUnit(module), ...this.#export(module, name, members, seen)];
  }

  /**
   * An export of `module` (or its namespace, "*"). An export the module does not have, such as a
   * name imported from CommonJS, reaches the whole module: it may be made at run time.
   */
  #export(module: LoadedModule, name: string, members: Members, seen: Set<string>): readonly Target[] {
    const cacheable = seen.size === 0;
    const key = `${module.path}\0${name}\0${members === "all" ? "*" : members.join("\0")}`;
    if (cacheable) {
      const known = this.#exportEdges.get(key);
      if (known !== undefined) return known;
    }
    const targets = this.#findExport(module, name, members, seen) ?? [
      { kind: "module", module } satisfies Target,
    ];
    // Answers found inside a cycle may lack what the cycle cut off: only whole lookups are kept.
    if (cacheable) this.#exportEdges.set(key, targets);
    return targets;
  }

  #findExport(module: LoadedModule, name: string, members: Members, seen: Set<string>): Target[] | undefined {
    if (name === "*") return this.#namespace(module, members, seen);
    const visit = `${module.path}\0${name}`;
    if (seen.has(visit)) return undefined;
    seen.add(visit);
    const summary = module.summary;
    if (summary.exportAssignment !== undefined) return this.#unit(module, summary.exportAssignment);
    const binding = ownValue(summary.exports, name);
    if (binding !== undefined) {
      if ("local" in binding) return this.#binding(module, binding.local, members, seen) ?? [];
      return this.#imported(module.path, binding.specifier, binding.imported, members, seen);
    }
    if (name === "default") return undefined;
    let found = false;
    const targets: Target[] = [];
    for (const specifier of summary.exportAll) {
      const resolution = this.#resolver.resolve(specifier, module.path);
      if (resolution.kind === "package") {
        // A package may provide the name: its version counts, whether it does or not.
        targets.push(resolution);
        found = true;
      } else if (resolution.kind === "file") {
        const from = this.#store.get(resolution.path);
        const inner = this.#findExport(from, name, members, seen);
        if (inner !== undefined) {
          targets.push(...this.#moduleUnit(from), ...inner);
          found = true;
        }
      }
    }
    return found ? targets : undefined;
  }

  /** `ns.a`, `ns.b`: those exports only; `ns` used otherwise: the whole module. */
  #namespace(module: LoadedModule, members: Members, seen: Set<string>): Target[] {
    if (members === "all") return [{ kind: "module", module }];
    const targets = this.#moduleUnit(module);
    for (const member of members) {
      const found = this.#findExport(module, member, "all", seen);
      targets.push(...(found ?? [{ kind: "module", module }]));
    }
    return targets;
  }

  #unit(module: LoadedModule, name: string): Target[] {
    const unit = module.units.get(name);
    return unit === undefined ? [] : [{ kind: "unit", module, unit }];
  }

  #moduleUnit(module: LoadedModule): Target[] {
    return this.#unit(module, MODULE_UNIT);
  }
}

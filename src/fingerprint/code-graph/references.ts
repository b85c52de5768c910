/** Operations on a unit's references, as the summarizer combines and trims them. */
import type { UnitReferences } from "./types.js";

/** The references of several declarations of one name (merged enums, a repeated `var`), as one unit's. */
export function mergeReferences(all: readonly UnitReferences[]): UnitReferences {
  const members = new Map<string, Set<string>>();
  const bare = new Set<string>();
  const dynamicImports = new Set<string>();
  const computedImports = new Set<string>();
  for (const references of all) {
    for (const [name, props] of Object.entries(references.members)) {
      const set = members.get(name) ?? new Set<string>();
      for (const prop of props) set.add(prop);
      members.set(name, set);
    }
    for (const name of references.bare) bare.add(name);
    for (const specifier of references.dynamicImports) dynamicImports.add(specifier);
    for (const text of references.computedImports) computedImports.add(text);
  }
  const sortedMembers: Record<string, string[]> = Object.create(null);
  for (const name of [...members.keys()].sort()) sortedMembers[name] = [...members.get(name)!].sort();
  return {
    names: [...new Set([...members.keys(), ...bare])].sort(),
    members: sortedMembers,
    bare: [...bare].sort(),
    dynamicImports: [...dynamicImports].sort(),
    computedImports: [...computedImports].sort(),
  };
}

/** `references` without the names `keep` rejects (their members and bare uses too). */
export function onlyNames(references: UnitReferences, keep: (name: string) => boolean): UnitReferences {
  if (references.names.every(keep)) return references;
  // A null prototype: a name may be `constructor` or `__proto__`.
  const members: Record<string, readonly string[]> = Object.create(null);
  for (const [name, props] of Object.entries(references.members)) if (keep(name)) members[name] = props;
  return { ...references, names: references.names.filter(keep), members, bare: references.bare.filter(keep) };
}

/**
 * Bare specifiers: which package an import names, where it is installed, its version, and
 * whether it is really local code (an npm workspace or `file:` dependency, symlinked into
 * node_modules from outside any node_modules folder), whose source is then followed.
 */
import { readFileSync, realpathSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, sep } from "node:path";

export interface InstalledPackage {
  readonly name: string;
  readonly version: string;
  /** The package folder, symlinks resolved. */
  readonly directory: string;
  /** True when `directory` is not inside a node_modules folder: its code is the project's. */
  readonly local: boolean;
  readonly manifest: Record<string, unknown>;
}

/** `@scope/name` or `name`, from `@scope/name/sub/path` or `name/sub/path`. */
export function packageName(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!;
}

export class PackageFinder {
  /** By `<directory>\0<name>`: each directory is looked at once per package name. */
  readonly #found = new Map<string, InstalledPackage | null>();

  /** The package `name` as Node finds it from a file in `directory`: the nearest node_modules up the tree. */
  find(name: string, directory: string): InstalledPackage | undefined {
    const key = `${directory}\0${name}`;
    let found = this.#found.get(key);
    if (found === undefined) {
      found = this.#read(name, join(directory, "node_modules", name));
      if (found === null) {
        const parent = dirname(directory);
        found = parent === directory ? null : (this.find(name, parent) ?? null);
      }
      this.#found.set(key, found);
    }
    return found ?? undefined;
  }

  #read(name: string, directory: string): InstalledPackage | null {
    let manifest: unknown;
    try {
      manifest = JSON.parse(readFileSync(join(directory, "package.json"), "utf8"));
    } catch {
      return null;
    }
    const record = (typeof manifest === "object" && manifest !== null ? manifest : {}) as Record<
      string,
      unknown
    >;
    let real = directory;
    try {
      real = realpathSync(directory);
    } catch {
      // Found a moment ago; keep the path as it was seen.
    }
    return {
      name,
      version: typeof record.version === "string" ? record.version : "unknown",
      directory: real,
      local: !real.split(sep).includes("node_modules"),
      manifest: record,
    };
  }
}

/**
 * The file a specifier of a local package means: Node's own resolution from the importing file
 * first, then the manifest's `exports["."]`, `module` or `main` (for the package itself), or the
 * subpath inside its folder, left to `resolveFile` for extensions.
 */
export function localPackageEntry(
  specifier: string,
  pkg: InstalledPackage,
  importer: string,
  resolveFile: (base: string) => string | undefined,
): string | undefined {
  const viaNode = requireResolve(specifier, importer);
  if (viaNode !== undefined) return viaNode;
  const subpath = specifier.slice(pkg.name.length + 1);
  if (subpath !== "") return resolveFile(join(pkg.directory, subpath));
  const manifest = pkg.manifest;
  for (const entry of [exportEntry(manifest.exports), manifest.module, manifest.main, "index"]) {
    if (typeof entry !== "string") continue;
    const file = resolveFile(join(pkg.directory, entry));
    if (file !== undefined) return file;
  }
  return undefined;
}

/** Node's CommonJS resolution from `importer`; undefined when it fails or names a built-in. */
export function requireResolve(specifier: string, importer: string): string | undefined {
  try {
    const resolved = createRequire(importer).resolve(specifier);
    return statSync(resolved).isFile() ? resolved : undefined;
  } catch {
    return undefined;
  }
}

/** The main entry of an `exports` field: a string, `{ ".": ... }`, or conditions (ESM ones first). */
function exportEntry(exports: unknown): string | undefined {
  if (typeof exports === "string") return exports;
  if (Array.isArray(exports)) {
    for (const item of exports) {
      const entry = exportEntry(item);
      if (entry !== undefined) return entry;
    }
    return undefined;
  }
  if (typeof exports !== "object" || exports === null) return undefined;
  const record = exports as Record<string, unknown>;
  if (Object.hasOwn(record, ".")) return exportEntry(record["."]);
  for (const condition of ["import", "module", "node", "default", "require"]) {
    if (Object.hasOwn(record, condition)) {
      const entry = exportEntry(record[condition]);
      if (entry !== undefined) return entry;
    }
  }
  return undefined;
}

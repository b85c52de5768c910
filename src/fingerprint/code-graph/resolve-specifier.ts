/**
 * What an import specifier means from a given file, the way tsx resolves it: a local file
 * (relative or absolute, `.js` written for `.ts`, extensionless, a folder's index, a tsconfig
 * `paths` alias, a local workspace package), an installed package (by name and version), or
 * nothing to follow (a node built-in, formed itself, a local file that does not exist).
 */
import { statSync } from "node:fs";
import { isBuiltin } from "node:module";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { isRelativeSpecifier } from "../../common/specifiers.js";
import { localPackageEntry, PackageFinder, packageName, requireResolve } from "./packages.js";
import { TsconfigPaths } from "./tsconfig-paths.js";

export type Resolution =
  | { readonly kind: "file"; readonly path: string }
  | { readonly kind: "package"; readonly name: string; readonly version: string }
  | { readonly kind: "none" };

const NONE: Resolution = { kind: "none" };

/** The TypeScript sources a JavaScript extension may stand for, as tsx and tsc read them. */
const SOURCE_FOR: Readonly<Record<string, readonly string[]>> = {
  ".js": [".ts", ".tsx"],
  ".jsx": [".tsx"],
  ".mjs": [".mts"],
  ".cjs": [".cts"],
};

const EXTENSIONS = [".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs"];

/** Packages that are never part of a step's code version: formed's effect is covered by format identities. */
const IGNORED_PACKAGES = new Set(["formed"]);

export class SpecifierResolver {
  readonly #resolved = new Map<string, Resolution>();
  readonly #files = new Map<string, boolean>();
  readonly #tsconfig = new TsconfigPaths();
  readonly #packages = new PackageFinder();

  /** `specifier` as imported by the file `importer` (absolute; need not exist when it stands for a directory). */
  resolve(specifier: string, importer: string): Resolution {
    const directory = dirname(importer);
    const key = `${directory}\0${specifier}`;
    let resolution = this.#resolved.get(key);
    if (resolution === undefined) {
      resolution = this.#resolve(specifier, importer, directory);
      this.#resolved.set(key, resolution);
    }
    return resolution;
  }

  #resolve(specifier: string, importer: string, directory: string): Resolution {
    if (specifier.startsWith("file:")) {
      try {
        return this.#local(fileURLToPath(specifier));
      } catch {
        return NONE;
      }
    }
    if (isRelativeSpecifier(specifier)) return this.#local(resolve(directory, specifier));
    if (isAbsolute(specifier)) return this.#local(specifier);
    if (isBuiltin(specifier) || specifier.startsWith("node:")) return NONE;
    const name = packageName(specifier);
    // Before tsconfig paths: every step file imports formed, and reading tsconfigs costs a cached run.
    if (IGNORED_PACKAGES.has(name)) return NONE;
    for (const candidate of this.#tsconfig.candidates(specifier, directory)) {
      const file = this.resolveFile(candidate);
      if (file !== undefined) return { kind: "file", path: file };
    }
    const pkg = specifier.startsWith("#") ? undefined : this.#packages.find(name, directory);
    if (pkg === undefined) {
      // Not installed under that name: a package.json `imports` alias (#x) or a package's import
      // of itself, which Node resolves to local files.
      const file = requireResolve(specifier, importer);
      if (file !== undefined && !file.split(/[\\/]/).includes("node_modules"))
        return { kind: "file", path: file };
      return { kind: "package", name, version: "unresolved" };
    }
    if (!pkg.local) return { kind: "package", name, version: pkg.version };
    const entry = localPackageEntry(specifier, pkg, importer, (base) => this.resolveFile(base));
    return entry === undefined
      ? { kind: "package", name, version: pkg.version }
      : { kind: "file", path: entry };
  }

  #local(path: string): Resolution {
    const file = this.resolveFile(path);
    return file === undefined ? NONE : { kind: "file", path: file };
  }

  /** The file `base` names: itself, its TypeScript source, with an extension added, or its folder's index. */
  resolveFile(base: string): string | undefined {
    const dot = base.lastIndexOf(".");
    const extension = dot > base.lastIndexOf("/") && dot > base.lastIndexOf("\\") ? base.slice(dot) : "";
    for (const source of SOURCE_FOR[extension] ?? []) {
      const candidate = base.slice(0, -extension.length) + source;
      if (this.#isFile(candidate)) return candidate;
    }
    if (this.#isFile(base)) return base;
    for (const added of EXTENSIONS) if (this.#isFile(base + added)) return base + added;
    for (const added of EXTENSIONS) {
      const index = join(base, `index${added}`);
      if (this.#isFile(index)) return index;
    }
    return undefined;
  }

  #isFile(path: string): boolean {
    let known = this.#files.get(path);
    if (known === undefined) {
      try {
        known = statSync(path, { throwIfNoEntry: false })?.isFile() === true;
      } catch {
        // ENOTDIR (a path through a file), EACCES: not a file to follow.
        known = false;
      }
      this.#files.set(path, known);
    }
    return known;
  }
}

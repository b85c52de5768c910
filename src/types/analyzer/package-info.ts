import { dirname, join, relative } from "node:path";
import type { RecordingReader } from "./recording-reader.js";

/** The package a file belongs to: its nearest package.json. */
export interface PackageInfo {
  readonly name: string | undefined;
  readonly dir: string;
  readonly json: Readonly<Record<string, unknown>>;
}

/** Finds the nearest package.json of files, remembering each folder's answer. */
export class PackageLocator {
  readonly #byDir = new Map<string, PackageInfo | undefined>();

  constructor(private readonly reader: RecordingReader) {}

  packageOf(file: string): PackageInfo | undefined {
    return this.#lookup(dirname(file));
  }

  /** The file's path inside its package, with `/` separators. */
  pathInPackage(file: string, pkg: PackageInfo): string {
    return relative(pkg.dir, file).replaceAll("\\", "/");
  }

  #lookup(dir: string): PackageInfo | undefined {
    if (this.#byDir.has(dir)) return this.#byDir.get(dir);
    let found: PackageInfo | undefined;
    const text = this.reader.readFile(join(dir, "package.json"));
    if (text !== undefined) {
      try {
        const json = JSON.parse(text) as Record<string, unknown>;
        found = { name: typeof json.name === "string" ? json.name : undefined, dir, json };
      } catch {
        found = { name: undefined, dir, json: {} };
      }
    } else {
      const parent = dirname(dir);
      found = parent === dir ? undefined : this.#lookup(parent);
    }
    this.#byDir.set(dir, found);
    return found;
  }
}

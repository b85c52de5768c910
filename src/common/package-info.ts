import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

let root: string | undefined;

/**
 * The folder of this package's package.json. Found by walking up, because this file runs both
 * compiled (dist/common) and as source (src/common, under vitest).
 */
export function packageRoot(): string {
  if (root !== undefined) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
      if (manifest.name === "formed") {
        root = dir;
        return dir;
      }
    } catch {
      // no package.json here: keep walking up
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error("cannot find the formed package root");
    dir = parent;
  }
}

let version: string | undefined;

/** This package's version (read once: it cannot change while the process runs). */
export function formedVersion(): string {
  version ??= JSON.parse(readFileSync(join(packageRoot(), "package.json"), "utf8")).version as string;
  return version;
}

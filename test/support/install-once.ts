import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { testCacheRoot } from "./test-cache.js";

/**
 * `<test cache>/<name>`, installed by `fill` if this machine has none yet: into a temporary
 * folder beside it first, then renamed into place, so a run never sees a half install, and
 * never deletes one that another run may be using. Concurrent runs may both install; the first
 * rename wins and the other's copy goes.
 */
export async function installOnce(
  name: string,
  fill: (folder: string) => void | Promise<void>,
): Promise<string> {
  const target = join(testCacheRoot(), name);
  if (existsSync(target)) return target;
  mkdirSync(testCacheRoot(), { recursive: true });
  const temporary = mkdtempSync(join(testCacheRoot(), `.${name}-`));
  try {
    await fill(temporary);
    try {
      renameSync(temporary, target);
    } catch (error) {
      if (!existsSync(target)) throw error;
    }
  } finally {
    rmSync(temporary, { recursive: true, force: true });
  }
  return target;
}

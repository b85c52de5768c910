import { readFileSync, statSync } from "node:fs";
import { sha256Hex } from "../../fingerprint/fingerprint.js";

/**
 * What the cache remembers of a file an analysis read. The user's files are known by their
 * content; installed packages by size and modification time, which is enough for them (they
 * change by reinstalling) and spares hashing many large declaration files on every run.
 */
export type FileStamp =
  | { readonly path: string; readonly hash: string }
  | { readonly path: string; readonly size: number; readonly mtimeMs: number };

/** The stamp of `path` whose `content` was just read. */
export function stampFile(path: string, content: string): FileStamp {
  if (isInstalledPackageFile(path)) {
    const stat = statSync(path);
    return { path, size: stat.size, mtimeMs: stat.mtimeMs };
  }
  return { path, hash: sha256Hex(content) };
}

/** Whether `path` still matches `stamp`; a missing or unreadable file does not. */
export function stampMatches(stamp: FileStamp): boolean {
  try {
    if ("hash" in stamp) return sha256Hex(readFileSync(stamp.path, "utf8")) === stamp.hash;
    const stat = statSync(stamp.path);
    return stat.size === stamp.size && stat.mtimeMs === stamp.mtimeMs;
  } catch {
    return false;
  }
}

export function isInstalledPackageFile(path: string): boolean {
  return path.replaceAll("\\", "/").includes("/node_modules/");
}

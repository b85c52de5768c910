import { homedir } from "node:os";
import { join, resolve } from "node:path";

/**
 * Where formed keeps what it derives from source files alone (the type analysis), shared by
 * every run of the user's projects: `FORMED_CACHE_DIR`, else `$XDG_CACHE_HOME/formed`, else
 * `~/.cache/formed`. Outside `.formed/`, so that clearing a project's results does not make the
 * next run pay for analyzing unchanged sources again (as Python keeps `__pycache__` beside the
 * sources). Entries are keyed by the content of every file they were derived from.
 */
export function userCacheDirectory(): string {
  const explicit = process.env.FORMED_CACHE_DIR;
  if (explicit !== undefined && explicit !== "") return resolve(explicit);
  const xdg = process.env.XDG_CACHE_HOME;
  return join(xdg !== undefined && xdg !== "" ? resolve(xdg) : join(homedir(), ".cache"), "formed");
}

/**
 * Where config paths are written in the file they came from, for `formed workflow check
 * --format json`: a JSON config with a parser that keeps positions, a YAML settings file
 * likewise, a Jsonnet config by the engine (it reads the program's syntax tree: see
 * engine/jsonnet/locate.go). Best effort: a path not written in the source (made by a function
 * call, or by `--overrides`) is located as far as the source goes, or not at all.
 */
import { readFile } from "node:fs/promises";
import { extname } from "node:path";
import { defaultJsonnetEngine } from "../../jsonnet/default-engine.js";
import type { JsonnetEngine, PathLocation } from "../../jsonnet/engine.js";
import { locateInJson } from "./json-paths.js";
import { locateInYaml } from "./yaml-paths.js";

/** path -> where it is; a path missing from the map could not be looked for (no engine, unreadable file). */
export async function locateConfigPaths(
  file: string,
  paths: readonly string[],
  engine: JsonnetEngine = defaultJsonnetEngine(),
): Promise<Map<string, PathLocation>> {
  const wanted = [...new Set(paths)];
  const located = await locate(file, wanted, engine).catch(() => undefined);
  return new Map((located ?? []).map((location) => [location.path, location]));
}

async function locate(
  file: string,
  paths: readonly string[],
  engine: JsonnetEngine,
): Promise<readonly PathLocation[] | undefined> {
  if (paths.length === 0) return [];
  switch (extname(file).toLowerCase()) {
    case ".json":
      return locateInJson(file, await readFile(file, "utf8"), paths);
    case ".yml":
    case ".yaml":
      return locateInYaml(file, await readFile(file, "utf8"), paths);
    default:
      return engine.locatePaths?.(file, paths);
  }
}

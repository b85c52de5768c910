/**
 * `formed workflow check --format json`: every problem of a config as JSON, each with the file
 * and, where it can be found, the line and column, so that editors and CI annotate the right
 * place. A config issue always has its config path; its position is where the longest part of
 * that path is written (`located`, when not the whole path; `template`, when that is an object
 * comprehension's field). Jsonnet evaluation errors have go-jsonnet's own position.
 */
import { locateConfigPaths } from "../config/locate/locate-config-paths.js";
import { ConfigurationError, FormedError } from "../errors.js";
import type { SourceSpan } from "../jsonnet/engine.js";
import { errorLocation } from "../jsonnet/source-locations.js";

export interface CheckProblem {
  code: string;
  message: string;
  hint?: string;
  /** The config path the problem is about (`steps.prepared.processor.size`). */
  path?: string;
  file?: string;
  /** 1-based; columns in UTF-16 code units, as editors count them. */
  line?: number;
  column?: number;
  endLine?: number;
  endColumn?: number;
  /** The part of `path` that `line` and `column` point at, when the source does not write all of it. */
  located?: string;
  /** The position is a comprehension's field, which generated this value and its siblings. */
  template?: true;
}

export interface CheckReport {
  /** The config file, absolute. */
  config: string;
  ok: boolean;
  /** How many steps the graph has, when it has no problem. */
  steps?: number;
  errors: CheckProblem[];
}

/** The problems an error of loading and checking `config` stands for (one per config issue). */
export async function checkProblems(error: unknown, config: string): Promise<CheckProblem[]> {
  if (error instanceof ConfigurationError) {
    const file = error.file ?? (error.code === "E_CONFIG" ? config : undefined);
    const located =
      file === undefined
        ? new Map()
        : await locateConfigPaths(
            file,
            error.issues.map((issue) => issue.path),
          );
    return error.issues.map((issue) => {
      const location = located.get(issue.path);
      const problem: CheckProblem = { code: error.code, message: issue.message, path: issue.path };
      if (file !== undefined) problem.file = file;
      if (location?.span !== undefined) {
        Object.assign(problem, position(location.span));
        if (location.found !== issue.path) problem.located = location.found;
        if (location.template === true) problem.template = true;
      }
      return problem;
    });
  }
  if (error instanceof FormedError) {
    const problem: CheckProblem = { code: error.code, message: error.message };
    if (error.hint !== undefined) problem.hint = error.hint;
    // Jsonnet's errors name their place (in bytes); a JSON config's syntax error names it too.
    const span =
      error.code === "E_JSONNET"
        ? await errorLocation(error.message)
        : error.code === "E_CONFIG"
          ? await errorLocation(error.message, false)
          : undefined;
    if (span !== undefined) Object.assign(problem, position(span));
    else if (error.code === "E_JSONNET" || error.code === "E_CONFIG") problem.file = config;
    return [problem];
  }
  return [{ code: "E_UNEXPECTED", message: error instanceof Error ? error.message : String(error) }];
}

function position(
  span: SourceSpan,
): Pick<CheckProblem, "file" | "line" | "column" | "endLine" | "endColumn"> {
  const { file, line, column, endLine, endColumn } = span;
  return { file, line, column, endLine, endColumn };
}

import { MAX_CONFIG_DEPTH } from "../config/config-depth.js";
import { ConfigurationError } from "../errors.js";

/**
 * Validation and construction follow the parameter's type, by recursion: a config within
 * MAX_CONFIG_DEPTH may still exhaust the call stack when each of its levels goes through
 * several types (a union of a class of an options object...). Each level calls this when
 * anything is thrown: a stack overflow (a RangeError, or a SyntaxError from a regular
 * expression compiled on the way) becomes a ConfigurationError naming the deepest path
 * that had stack left to name it; anything else passes through unchanged.
 */
export function rethrowStackOverflow(error: unknown, path: string, what: "check" | "build"): never {
  // No regular expression here: with the stack exhausted, compiling one fails too (V8 then
  // throws a SyntaxError "Invalid regular expression: ...: Maximum call stack size exceeded").
  if (error instanceof Error && error.message.includes("Maximum call stack size exceeded")) {
    throw new ConfigurationError(
      [
        {
          path: shortPath(path),
          message: `nested too deeply to ${what} against its type (the call stack ran out ${levelsDown(path)} levels down); a config may nest at most ${MAX_CONFIG_DEPTH.toLocaleString("en-US")} levels, fewer where each level is a union, a class or a Lazy`,
        },
      ],
      { cause: error },
    );
  }
  throw error;
}

/** Levels below the step config (`steps.NAME.` is where a path starts). */
function levelsDown(path: string): number {
  const segments = path.split(".").length;
  return path.startsWith("steps.") ? Math.max(segments - 2, 0) : segments;
}

/** The path of a value deep enough to overflow the stack is itself too long to read. */
function shortPath(path: string): string {
  const segments = path.split(".");
  return segments.length > 8 ? `${segments.slice(0, 8).join(".")}...` : path;
}

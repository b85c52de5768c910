import { readFile, stat } from "node:fs/promises";
import { extname, resolve } from "node:path";
import { ConfigurationError, FormedError } from "../errors.js";
import { defaultJsonnetEngine } from "../jsonnet/default-engine.js";
import type { JsonnetEngine } from "../jsonnet/engine.js";
import { applyOverrides } from "./overrides.js";
import { configDepthIssues, validateWorkflowConfigShape, type WorkflowConfig } from "./workflow-config.js";

export interface LoadWorkflowConfigOptions {
  /** Jsonnet evaluator; the shared go-jsonnet engine by default. */
  engine?: JsonnetEngine;
  /** `std.extVar` values (e.g. from `--ext-var K=V`); they win over environment variables of the same name. */
  extVars?: Record<string, string>;
  /** Top-level arguments of a config that is a function: as strings (`--tla-str`) and as Jsonnet code (`--tla-code`). */
  tlaVars?: Record<string, string>;
  tlaCodes?: Record<string, string>;
  /** A Jsonnet object of dotted paths to values (`--overrides`), applied before validation. */
  overrides?: string;
  /** Directory a relative `file` is resolved against; `process.cwd()` by default. */
  cwd?: string;
}

export interface LoadedWorkflowConfig {
  /** Absolute path of the config file. */
  file: string;
  config: WorkflowConfig;
}

/**
 * Reads a workflow config: `.json` with JSON.parse, anything else as Jsonnet with every environment
 * variable available to `std.extVar`. Overrides are applied, then the outer shape is validated.
 */
export async function loadWorkflowConfig(
  file: string,
  options: LoadWorkflowConfigOptions = {},
): Promise<LoadedWorkflowConfig> {
  const absolute = resolve(options.cwd ?? process.cwd(), file);
  const info = await stat(absolute).catch(() => undefined);
  if (info === undefined || !info.isFile()) {
    throw new FormedError("E_NOT_FOUND", `config file not found: ${absolute}`, {
      hint: info === undefined ? undefined : "The path is a directory; name the .jsonnet or .json file.",
    });
  }

  const engine = options.engine ?? defaultJsonnetEngine();
  const extVars = { ...environmentVariables(), ...options.extVars };
  let value: unknown =
    extname(absolute).toLowerCase() === ".json"
      ? parseJsonFile(absolute, await readFile(absolute, "utf8"))
      : await engine.evaluateFile(absolute, {
          extVars,
          ...(options.tlaVars === undefined ? {} : { tlaVars: options.tlaVars }),
          ...(options.tlaCodes === undefined ? {} : { tlaCodes: options.tlaCodes }),
        });

  if (options.overrides !== undefined && options.overrides.trim() !== "") {
    // Overrides copy the config (structuredClone recurses): a too-deep one is refused before.
    const tooDeep = configDepthIssues(value);
    if (tooDeep.length > 0) throw new ConfigurationError(tooDeep, { file: absolute });
    value = await applyOverrides(value, options.overrides, engine, { extVars });
  }
  return { file: absolute, config: validateWorkflowConfigShape(value, absolute) };
}

function environmentVariables(): Record<string, string> {
  const variables: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined) variables[name] = value;
  }
  return variables;
}

function parseJsonFile(file: string, text: string): unknown {
  // A UTF-8 byte order mark is legal in files but not in JSON.parse input.
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  try {
    return JSON.parse(source);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const offset = reportedOffset(reason) ?? firstJsonErrorOffset(source);
    const { line, column } = lineAndColumn(source, offset);
    throw new FormedError("E_CONFIG", `${file}:${line}:${column}: invalid JSON: ${shortReason(reason)}`, {
      cause: error,
    });
  }
}

/** V8 names the position in most messages ("... in JSON at position 12"), not in all of them. */
function reportedOffset(message: string): number | undefined {
  const match = /at position (\d+)/.exec(message);
  if (match !== null) return Number(match[1]);
  if (message.includes("Unexpected end of JSON input")) return Number.POSITIVE_INFINITY;
  return undefined;
}

/** V8's messages quote the whole input or repeat the position; the file:line:col prefix says it better. */
function shortReason(message: string): string {
  return message
    .replace(/,\s*(\.\.\.)?"[\s\S]*" is not valid JSON$/, "")
    .replace(/\s*in JSON at position \d+(\s*\(line \d+ column \d+\))?/, "")
    .trim();
}

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const end = Math.min(offset, text.length);
  let line = 1;
  let lineStart = 0;
  for (let index = 0; index < end; index++) {
    if (text.charCodeAt(index) === 10) {
      line++;
      lineStart = index + 1;
    }
  }
  return { line, column: end - lineStart + 1 };
}

/**
 * Offset of the first syntax error, for the V8 messages that omit it. A small recursive-descent
 * scan of the JSON grammar; returns the text length when it finds none.
 */
function firstJsonErrorOffset(text: string): number {
  let at = 0;
  class Stop {
    constructor(readonly offset: number) {}
  }
  const stop = (): never => {
    throw new Stop(at);
  };
  const skipSpace = (): void => {
    while (at < text.length && " \t\n\r".includes(text[at]!)) at++;
  };
  const literal = (word: string): void => {
    for (const char of word) {
      if (text[at] !== char) stop();
      at++;
    }
  };
  const string = (): void => {
    at++; // opening quote
    for (;;) {
      if (at >= text.length) stop();
      const code = text.charCodeAt(at);
      if (code === 0x22) {
        at++;
        return;
      }
      if (code < 0x20) stop();
      if (code === 0x5c) {
        at++;
        const escaped = text[at];
        if (escaped === "u") {
          at++;
          for (let digit = 0; digit < 4; digit++, at++) if (!/[0-9a-fA-F]/.test(text[at] ?? "")) stop();
          continue;
        }
        if (escaped === undefined || !'"\\/bfnrt'.includes(escaped)) stop();
      }
      at++;
    }
  };
  const number = (): void => {
    const match = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(text.slice(at));
    if (match === null) stop();
    else at += match[0].length;
  };
  const value = (): void => {
    skipSpace();
    const char = text[at];
    if (char === "{") {
      at++;
      skipSpace();
      if (text[at] === "}") {
        at++;
        return;
      }
      for (;;) {
        skipSpace();
        if (text[at] !== '"') stop();
        string();
        skipSpace();
        if (text[at] !== ":") stop();
        at++;
        value();
        skipSpace();
        if (text[at] === ",") {
          at++;
          continue;
        }
        if (text[at] === "}") {
          at++;
          return;
        }
        stop();
      }
    } else if (char === "[") {
      at++;
      skipSpace();
      if (text[at] === "]") {
        at++;
        return;
      }
      for (;;) {
        value();
        skipSpace();
        if (text[at] === ",") {
          at++;
          continue;
        }
        if (text[at] === "]") {
          at++;
          return;
        }
        stop();
      }
    } else if (char === '"') string();
    else if (char === "t") literal("true");
    else if (char === "f") literal("false");
    else if (char === "n") literal("null");
    else if (char === "-" || (char !== undefined && char >= "0" && char <= "9")) number();
    else stop();
  };
  try {
    value();
    skipSpace();
    if (at < text.length) stop();
    return text.length;
  } catch (error) {
    if (error instanceof Stop) return error.offset;
    throw error;
  }
}

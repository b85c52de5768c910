import { spawn } from "node:child_process";
import { join } from "node:path";
import { packageRoot } from "../common/package-info.js";
import { FormedError } from "../errors.js";
import type { JsonnetEngine, JsonnetOptions } from "./engine.js";

export interface GoJsonnetEngineOptions {
  /** Path of the formed-jsonnet binary; default FORMED_JSONNET_BIN or `<package root>/engine/bin/formed-jsonnet`. */
  binary?: string;
  /** Jsonnet call-stack depth before "max stack frames exceeded"; go-jsonnet's default is 500. */
  maxStack?: number;
  /** Kill the evaluation after this many milliseconds (an endless Jsonnet loop would otherwise hang); none by default. */
  timeoutMs?: number;
}

interface EngineRequest {
  filename: string;
  code: string | null;
  extVars: Record<string, string>;
  extCodes: Record<string, string>;
  tlaVars: Record<string, string>;
  tlaCodes: Record<string, string>;
  jpath: string[];
  maxStack: number;
}

type EngineResponse = { ok: true; json: string } | { ok: false; error: string };

const BUILD_HINT = "Run `npm run build` in the formed package to build the Jsonnet engine (needs Go 1.22+).";

/**
 * Evaluates Jsonnet with go-jsonnet in a child process: the native addon crashed on valid input
 * and needed a long C++ build, and a separate process means no Jsonnet program can take the CLI down.
 */
export class GoJsonnetEngine implements JsonnetEngine {
  private readonly explicitBinary: string | undefined;
  private readonly maxStack: number;
  private readonly timeoutMs: number | undefined;
  private resolvedBinary: string | undefined;

  constructor(options: GoJsonnetEngineOptions = {}) {
    this.explicitBinary = options.binary ?? nonEmpty(process.env.FORMED_JSONNET_BIN);
    this.maxStack = options.maxStack ?? 0;
    this.timeoutMs = options.timeoutMs;
  }

  /** The binary this engine runs (resolved on first use, so constructing never fails). */
  get binary(): string {
    this.resolvedBinary ??= this.explicitBinary ?? defaultBinaryPath();
    return this.resolvedBinary;
  }

  evaluateFile(file: string, options: JsonnetOptions = {}): Promise<unknown> {
    return this.run(this.request(file, null, options));
  }

  evaluateSnippet(filename: string, code: string, options: JsonnetOptions = {}): Promise<unknown> {
    // A byte order mark pasted along with the code: go-jsonnet's lexer rejects it.
    return this.run(this.request(filename, code.replace(/^\uFEFF/, ""), options));
  }

  private request(filename: string, code: string | null, options: JsonnetOptions): EngineRequest {
    return {
      filename,
      code,
      extVars: options.extVars ?? {},
      extCodes: options.extCodes ?? {},
      tlaVars: options.tlaVars ?? {},
      tlaCodes: options.tlaCodes ?? {},
      jpath: options.jpath ?? [],
      maxStack: this.maxStack,
    };
  }

  private run(request: EngineRequest): Promise<unknown> {
    const binary = this.binary;
    const what = request.code === null ? request.filename : `snippet ${request.filename}`;
    return new Promise((resolve, reject) => {
      const child = spawn(binary, [], { stdio: ["pipe", "pipe", "pipe"], windowsHide: true });
      const stdout: Buffer[] = [];
      const stderr: Buffer[] = [];
      let settled = false;
      let timedOut = false;
      const timer =
        this.timeoutMs === undefined
          ? undefined
          : setTimeout(() => {
              timedOut = true;
              child.kill("SIGKILL");
            }, this.timeoutMs);
      const fail = (error: FormedError): void => {
        if (settled) return;
        settled = true;
        if (timer !== undefined) clearTimeout(timer);
        reject(error);
      };

      child.on("error", (error: NodeJS.ErrnoException) => {
        if (error.code === "ENOENT" || error.code === "EACCES") {
          fail(
            new FormedError(
              "E_JSONNET",
              `the Jsonnet engine binary is missing or not executable: ${binary}`,
              {
                hint: BUILD_HINT,
                cause: error,
              },
            ),
          );
        } else {
          fail(
            new FormedError("E_JSONNET", `could not start the Jsonnet engine ${binary}: ${error.message}`, {
              cause: error,
            }),
          );
        }
      });
      // The child may die before reading its request; the close handler reports that, not EPIPE.
      child.stdin.on("error", () => {});
      child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
      child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
      child.on("close", (code, signal) => {
        if (settled) return;
        const output = Buffer.concat(stdout).toString("utf8");
        const errorText = Buffer.concat(stderr).toString("utf8").trim();
        const response = parseResponse(output);
        if (response === undefined && !timedOut && signal === null && STACK_OVERFLOW.test(errorText)) {
          fail(
            new FormedError(
              "E_JSONNET",
              `${request.filename}: the Jsonnet engine ran out of stack evaluating ${request.code === null ? "this file" : "this snippet"}`,
              { hint: DEPTH_HINT },
            ),
          );
          return;
        }
        if (response === undefined) {
          const how = timedOut
            ? `was stopped after ${this.timeoutMs} ms`
            : signal !== null
              ? `was killed by signal ${signal}`
              : `exited with code ${code} without an answer`;
          fail(
            new FormedError(
              "E_JSONNET",
              `the Jsonnet engine ${how} while evaluating ${what}${errorText === "" ? "" : `: ${lastLines(errorText)}`}`,
            ),
          );
          return;
        }
        if (!response.ok) {
          fail(evaluationError(request.filename, response.error.trimEnd()));
          return;
        }
        settled = true;
        if (timer !== undefined) clearTimeout(timer);
        try {
          resolve(JSON.parse(response.json));
        } catch (error) {
          reject(
            new FormedError("E_JSONNET", `the Jsonnet engine returned invalid JSON for ${what}`, {
              cause: error,
            }),
          );
        }
      });
      child.stdin.end(JSON.stringify(request));
    });
  }
}

/** What a Go program prints when its stack passes the runtime's limit (deeply nested input). */
const STACK_OVERFLOW = /goroutine stack exceeds|fatal error: stack overflow/;

const DEPTH_HINT =
  "Jsonnet evaluates at most 500 nested calls or values: look for a function that calls itself without end, or values nested that deep.";

/**
 * go-jsonnet's message, prefixed with the file when the message does not name it (errors of
 * manifestation and of the top-level call name no file), and with a hint for the failures a
 * message alone does not explain.
 */
function evaluationError(filename: string, message: string): FormedError {
  const text = message.includes(filename) ? message : `${filename}: ${message}`;
  const missing = /Missing argument: (\S+)/.exec(message);
  if (missing !== null) {
    const name = missing[1]!;
    return new FormedError("E_JSONNET", text, {
      hint: `This config is a function of its top-level arguments: give "${name}" with --tla-str ${name}=VALUE or --tla-code ${name}=CODE.`,
    });
  }
  if (message.includes("max stack frames exceeded")) {
    return new FormedError("E_JSONNET", text, { hint: DEPTH_HINT });
  }
  return new FormedError("E_JSONNET", text);
}

function parseResponse(output: string): EngineResponse | undefined {
  if (output === "") return undefined;
  try {
    const value: unknown = JSON.parse(output);
    if (typeof value !== "object" || value === null) return undefined;
    const record = value as Record<string, unknown>;
    if (record.ok === true && typeof record.json === "string") return { ok: true, json: record.json };
    if (record.ok !== true && typeof record.error === "string") return { ok: false, error: record.error };
    return undefined;
  } catch {
    return undefined;
  }
}

function lastLines(text: string): string {
  return text.split("\n").slice(-5).join("\n");
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}

/** `<package root>/engine/bin/formed-jsonnet`; works from both src/ (vitest) and dist/ (built). */
function defaultBinaryPath(): string {
  const name = process.platform === "win32" ? "formed-jsonnet.exe" : "formed-jsonnet";
  return join(packageRoot(), "engine", "bin", name);
}

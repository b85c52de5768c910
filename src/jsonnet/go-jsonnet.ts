import { spawn } from "node:child_process";
import { FormedError } from "../errors.js";
import type { JsonnetEngine, JsonnetOptions, PathLocation } from "./engine.js";
import { type EngineLocation, locateJsonnetEngine } from "./engine-locator.js";
import { pathLocationsFromEngine } from "./source-locations.js";

export interface GoJsonnetEngineOptions {
  /** Path of the formed-jsonnet binary; default: found by `locateJsonnetEngine` (FORMED_JSONNET_ENGINE, the platform package, engine/bin, the wasm build). */
  binary?: string;
  /** Where the engine is (instead of `binary`), e.g. `{ kind: "wasm", ... }` from `locateJsonnetEngine`. */
  location?: EngineLocation;
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
  /** Paths to find in the source instead of evaluating (an engine older than this evaluates). */
  locate?: readonly string[];
}

type EngineResponse =
  | { ok: true; json?: string; locations?: readonly unknown[] }
  | { ok: false; error: string };

const BUILD_HINT =
  "Set FORMED_JSONNET_ENGINE to an existing formed-jsonnet binary (or unset it), or run `npm run build` in a clone of formed (needs Go 1.24+).";

/** How Node dies of a Go wasm program's runaway recursion; another signal (Ctrl-C, a supervisor's) is not that. */
const WASM_CRASH: ReadonlySet<string> = new Set(["SIGSEGV", "SIGTRAP", "SIGBUS", "SIGILL", "SIGABRT"]);

let fallbackAnnounced = false;

/** Says once per process, on stderr, that the slower WebAssembly engine is used, and why. */
function announceFallback(location: EngineLocation): void {
  if (location.kind !== "wasm" || location.fallbackReason === undefined || fallbackAnnounced) return;
  fallbackAnnounced = true;
  process.stderr.write(
    `formed: using the WebAssembly Jsonnet engine, slower to start than the native one (${location.fallbackReason}); FORMED_JSONNET_ENGINE=wasm keeps it without this note\n`,
  );
}

/**
 * Evaluates Jsonnet with go-jsonnet in a child process: the native addon crashed on valid input
 * and needed a long C++ build, and a separate process means no Jsonnet program can take the CLI down.
 */
export class GoJsonnetEngine implements JsonnetEngine {
  private resolved: EngineLocation | undefined;
  private readonly maxStack: number;
  private readonly timeoutMs: number | undefined;

  constructor(options: GoJsonnetEngineOptions = {}) {
    this.resolved =
      options.location ??
      (options.binary === undefined
        ? undefined
        : { kind: "native", binary: options.binary, source: "option" });
    this.maxStack = options.maxStack ?? 0;
    this.timeoutMs = options.timeoutMs;
  }

  /** Where the engine is (found on first use, so constructing never fails; throws when there is none). */
  get location(): EngineLocation {
    this.resolved ??= locateJsonnetEngine();
    return this.resolved;
  }

  /** The binary this engine runs: the native program, or the .wasm file Node runs. */
  get binary(): string {
    const location = this.location;
    return location.kind === "native" ? location.binary : location.wasm;
  }

  evaluateFile(file: string, options: JsonnetOptions = {}): Promise<unknown> {
    return this.run(this.request(file, null, options));
  }

  evaluateSnippet(filename: string, code: string, options: JsonnetOptions = {}): Promise<unknown> {
    // A byte order mark pasted along with the code: go-jsonnet's lexer rejects it.
    return this.run(this.request(filename, code.replace(/^\uFEFF/, ""), options));
  }

  /** undefined when the engine is older than `locate` requests (it evaluated instead). */
  async locatePaths(
    file: string,
    paths: readonly string[],
    options: JsonnetOptions = {},
  ): Promise<PathLocation[] | undefined> {
    if (paths.length === 0) return [];
    const answer = await this.run({ ...this.request(file, null, options), locate: paths });
    return pathLocationsFromEngine(answer);
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
    let location: EngineLocation;
    try {
      location = this.location;
    } catch (error) {
      return Promise.reject(error);
    }
    announceFallback(location);
    const binary = location.kind === "native" ? location.binary : location.wasm;
    const [file, args] =
      location.kind === "native"
        ? [location.binary, []]
        : // Liftoff only: the baseline compiler starts the 7 MB module ~4x faster, and each
          // evaluation is short. The worker in run.mjs holds the instance (see there).
          [process.execPath, ["--liftoff-only", "--no-warnings", location.runner, location.wasm]];
    const what = request.code === null ? request.filename : `snippet ${request.filename}`;
    return new Promise((resolve, reject) => {
      const child = spawn(file, args, { stdio: ["pipe", "pipe", "pipe"], windowsHide: true });
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
        // Node crashes (SIGSEGV, or SIGTRAP when growing the wasm memory fails) where a Go wasm
        // program recurses very deeply: that is the native engine's stack overflow.
        const wasmCrash = location.kind === "wasm" && !timedOut && signal !== null && WASM_CRASH.has(signal);
        if (
          response === undefined &&
          !timedOut &&
          (wasmCrash || (signal === null && STACK_OVERFLOW.test(errorText)))
        ) {
          fail(
            new FormedError(
              "E_JSONNET",
              `${request.filename}: the Jsonnet engine ran out of stack${wasmCrash ? " or memory" : ""} evaluating ${request.code === null ? "this file" : "this snippet"}`,
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
        if (request.locate !== undefined) {
          resolve(response.locations);
          return;
        }
        try {
          resolve(JSON.parse(response.json ?? ""));
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
    if (record.ok === true && Array.isArray(record.locations))
      return { ok: true, locations: record.locations };
    if (record.ok !== true && typeof record.error === "string") return { ok: false, error: record.error };
    return undefined;
  } catch {
    return undefined;
  }
}

function lastLines(text: string): string {
  return text.split("\n").slice(-5).join("\n");
}

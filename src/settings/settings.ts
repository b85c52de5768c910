import { readFile, stat } from "node:fs/promises";
import { join as joinPath, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { ErrorObject, ValidateFunction } from "ajv";
import { parseDocument } from "yaml";
import { packageRoot } from "../common/package-info.js";
import { type ConfigIssue, ConfigurationError, describeValue, FormedError } from "../errors.js";
import { settingsSchema } from "./settings-schema.js";

/** An organizer or executor: its registered `type` and that type's options. */
export interface ComponentSettings {
  type: string;
  [key: string]: unknown;
}

export type LogLevel = "debug" | "info" | "warn" | "error";

/** `workflow.remote_cache`: an S3 (or S3-compatible) store shared behind the local cache. */
export interface RemoteCacheSettings {
  type: "s3";
  bucket: string;
  /** "" or a prefix ending in "/" (normalized). */
  prefix: string;
  /** Default: the AWS SDK's (AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, else Amazon S3). */
  endpoint?: string;
  /** Default: AWS_REGION, AWS_DEFAULT_REGION, else us-east-1. */
  region?: string;
  /** Bucket in the path rather than the host name (most S3-compatible stores want it). */
  forcePathStyle: boolean;
}

export interface FormedSettings {
  /** Absolute path of the settings file that was read; absent when the defaults were used. */
  file?: string;
  workflow: { organizer: ComponentSettings; executor: ComponentSettings; remoteCache?: RemoteCacheSettings };
  /** As written (package names or paths); relative paths are relative to the settings file's directory. */
  requiredModules: string[];
  /** Values already turned into strings, ready for process.env. */
  environment: Record<string, string>;
  logging: { level: LogLevel; file?: string };
}

export interface LoadSettingsOptions {
  /** An explicit settings file (`--settings`); it must exist. */
  file?: string;
  /** Where `formed.yml` (or `formed.yaml`) is looked for, and what a relative `file` is resolved against. */
  cwd: string;
}

/** The settings file as written, after validation. */
interface RawSettings {
  workflow?: {
    organizer?: string | ComponentSettings;
    executor?: string | ComponentSettings;
    remote_cache?: RawRemoteCache;
  };
  required_modules?: string[];
  environment?: Record<string, string | number | boolean>;
  logging?: { level?: LogLevel; file?: string };
}

interface RawRemoteCache {
  type: "s3";
  bucket: string;
  prefix?: string;
  endpoint?: string;
  region?: string;
  force_path_style?: boolean;
}

const DEFAULT_FILE_NAMES = ["formed.yml", "formed.yaml"];

export function defaultSettings(): FormedSettings {
  return {
    workflow: { organizer: { type: "filesystem" }, executor: { type: "default" } },
    requiredModules: [],
    environment: {},
    logging: { level: "info" },
  };
}

/**
 * Reads formed.yml: the explicit `file`, else `formed.yml`/`formed.yaml` in `cwd`, else the defaults.
 * Every problem of the file is reported at once as a ConfigurationError with code E_SETTINGS.
 */
export async function loadSettings(options: LoadSettingsOptions): Promise<FormedSettings> {
  const file = await findSettingsFile(options);
  if (file === undefined) return defaultSettings();

  const raw = validate(await settingsValidator(), parseYaml(file, await readFile(file, "utf8")), file);
  const defaults = defaultSettings();
  const environment: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw.environment ?? {})) environment[name] = String(value);
  const logging: FormedSettings["logging"] = { level: raw.logging?.level ?? defaults.logging.level };
  if (raw.logging?.file !== undefined) logging.file = raw.logging.file;
  const remoteCache = raw.workflow?.remote_cache;
  return {
    file,
    workflow: {
      organizer: component(raw.workflow?.organizer) ?? defaults.workflow.organizer,
      executor: component(raw.workflow?.executor) ?? defaults.workflow.executor,
      ...(remoteCache === undefined ? {} : { remoteCache: remoteCacheSettings(remoteCache) }),
    },
    requiredModules: raw.required_modules ?? [],
    environment,
    logging,
  };
}

/** Puts the settings' `environment` into process.env; the settings win over variables already set. */
export function applyEnvironment(settings: FormedSettings): void {
  for (const [name, value] of Object.entries(settings.environment)) process.env[name] = value;
}

async function findSettingsFile(options: LoadSettingsOptions): Promise<string | undefined> {
  if (options.file !== undefined) {
    const file = resolve(options.cwd, options.file);
    if (!(await isFile(file))) throw new FormedError("E_NOT_FOUND", `settings file not found: ${file}`);
    return file;
  }
  for (const name of DEFAULT_FILE_NAMES) {
    const file = resolve(options.cwd, name);
    if (await isFile(file)) return file;
  }
  return undefined;
}

async function isFile(file: string): Promise<boolean> {
  const info = await stat(file).catch(() => undefined);
  return info?.isFile() ?? false;
}

function parseYaml(file: string, text: string): unknown {
  const document = parseDocument(text);
  if (document.errors.length > 0) {
    const issues = document.errors.map((error): ConfigIssue => {
      // With prettyErrors (the default) the message ends in " at line L, column C:" and a source excerpt.
      const reason = error.message.split(/ at line \d+, column \d+/)[0] ?? error.message;
      const position = error.linePos?.[0];
      const where = position === undefined ? "" : ` at line ${position.line}, column ${position.col}`;
      return { path: "", message: `YAML syntax error${where}: ${reason.trim()}` };
    });
    throw new ConfigurationError(issues, { file, code: "E_SETTINGS" });
  }
  try {
    // An empty (or comments-only) file means "all defaults".
    return document.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) ?? {};
  } catch (error) {
    // The yaml package refuses aliases that expand exponentially ("billion laughs"); anything
    // else it throws here is a document it cannot turn into values either.
    const reason = error instanceof Error ? error.message : String(error);
    const message = /alias count/i.test(reason)
      ? "YAML aliases (*name) expand into too many values, as in a resource exhaustion attack; write the values out or use fewer aliases"
      : `YAML cannot be read as values: ${reason}`;
    throw new ConfigurationError([{ path: "", message }], { file, code: "E_SETTINGS", cause: error });
  }
}

/** The yaml package's default: far more alias uses than any formed.yml needs. */
const MAX_ALIAS_COUNT = 100;

/** The options the schema is compiled with, here and by scripts/build-settings-validator.mjs. */
export const SETTINGS_AJV_OPTIONS = {
  allErrors: true,
  verbose: true,
  strict: true,
  allowUnionTypes: true,
} as const;

// Built into dist/settings/ by `npm run build` (ajv standalone code): loading ajv and compiling
// the schema costs ~90 ms, on every command. Run from source (tests), the schema is compiled.
// Named from the package root, since the compiled code runs from the bundle, dist/formed.js.
let validator: Promise<ValidateFunction> | undefined;

function settingsValidator(): Promise<ValidateFunction> {
  if (validator !== undefined) return validator;
  if (import.meta.url.endsWith(".ts")) {
    validator = compileSettingsValidator();
  } else {
    const precompiled = joinPath(packageRoot(), "dist", "settings", "settings-validator.js");
    validator = import(pathToFileURL(precompiled).href)
      .then((module: { validate: ValidateFunction }) => module.validate)
      .catch(compileSettingsValidator);
  }
  return validator;
}

async function compileSettingsValidator(): Promise<ValidateFunction> {
  const { Ajv } = await import("ajv");
  return new Ajv(SETTINGS_AJV_OPTIONS).compile(settingsSchema);
}

function validate(compiled: ValidateFunction, value: unknown, file: string): RawSettings {
  if (compiled(value)) return value as RawSettings;
  const issues: ConfigIssue[] = [];
  const seen = new Set<string>();
  for (const error of compiled.errors ?? []) {
    const issue = toIssue(error);
    const key = `${issue.path}\u0000${issue.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    issues.push(issue);
  }
  throw new ConfigurationError(issues, { file, code: "E_SETTINGS" });
}

function toIssue(error: ErrorObject): ConfigIssue {
  const path = pointerToPath(error.instancePath);
  const parent = (error.parentSchema ?? {}) as {
    description?: string;
    properties?: Record<string, { description?: string }>;
  };
  switch (error.keyword) {
    case "additionalProperties": {
      const key = String((error.params as { additionalProperty: string }).additionalProperty);
      const allowed = Object.keys(parent.properties ?? {})
        .map((name) => JSON.stringify(name))
        .join(", ");
      return { path: join(path, key), message: `unknown key; expected one of ${allowed}` };
    }
    case "required": {
      const key = String((error.params as { missingProperty: string }).missingProperty);
      const expected = parent.properties?.[key]?.description;
      return {
        path: join(path, key),
        message: `missing${expected === undefined ? "" : `; expected ${expected}`}`,
      };
    }
    case "enum": {
      const allowed = (error.params as { allowedValues: unknown[] }).allowedValues
        .map((item) => JSON.stringify(item))
        .join(", ");
      return { path, message: `expected one of ${allowed}, got ${describeValue(error.data)}` };
    }
    case "pattern":
    case "minLength":
      return {
        path,
        message: `expected ${parent.description ?? "another value"}, got ${describeValue(error.data)}`,
      };
    case "type": {
      const expected = parent.description ?? `a ${String((error.params as { type: unknown }).type)}`;
      return { path, message: `expected ${expected}, got ${describeValue(error.data)}` };
    }
    default:
      return { path, message: `${error.message ?? "is invalid"}, got ${describeValue(error.data)}` };
  }
}

function pointerToPath(pointer: string): string {
  if (pointer === "") return "";
  return pointer
    .slice(1)
    .split("/")
    .map((segment) => segment.replace(/~1/g, "/").replace(/~0/g, "~"))
    .join(".");
}

function join(path: string, key: string): string {
  return path === "" ? key : `${path}.${key}`;
}

function component(value: string | ComponentSettings | undefined): ComponentSettings | undefined {
  if (value === undefined) return undefined;
  return typeof value === "string" ? { type: value } : { ...value };
}

function remoteCacheSettings(raw: RawRemoteCache): RemoteCacheSettings {
  // Keys are "<prefix><name>": a prefix is a folder, whether or not it was written with its "/".
  const prefix = (raw.prefix ?? "").replace(/^\/+/, "");
  return {
    type: raw.type,
    bucket: raw.bucket,
    prefix: prefix === "" || prefix.endsWith("/") ? prefix : `${prefix}/`,
    ...(raw.endpoint === undefined ? {} : { endpoint: raw.endpoint }),
    ...(raw.region === undefined ? {} : { region: raw.region }),
    forcePathStyle: raw.force_path_style ?? false,
  };
}

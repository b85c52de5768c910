/**
 * Loads the modules of `required_modules` (packages, files, folders), TypeScript included,
 * with no build step.
 *
 * TypeScript goes through tsx (esbuild) hooks on Node's own module loader, chosen over jiti.
 * Measured on Node 20.20 (median of 5 fresh processes; 6 TypeScript files importing each other,
 * one class decorator, an enum and a parameter property):
 *
 *   |                                 | tsx 4.23        | jiti 2.7     |
 *   | first start (import + register) | 115-155 ms      | 45 ms        |
 *   | cold load (no transform cache)  | 43-95 ms        | 273 ms       |
 *   | warm load (transform cached)    | 24 ms           | 57 ms        |
 *   | whole process, warm / cold      | 260 / 250-317 ms | 194 / 403 ms |
 *
 * jiti starts faster, but tsx is faster on every load after that, and above all it keeps
 * modules in Node's own module system: `"formed"` in a step file is the same module instance as
 * the running CLI's (one step context, one set of registries), where jiti evaluates its own copy.
 * (The "first start" row is tsx's ES module hooks; a CommonJS project, the common case for `.ts`
 * without `"type": "module"`, only needs tsx's in-thread CJS hooks, ~45 ms.) Decorators are TC39 standard decorators (TypeScript 5's default), or legacy ones
 * when the project's tsconfig.json sets `experimentalDecorators`.
 */

import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { createRequire, isBuiltin } from "node:module";
import { dirname, extname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { oxcParser } from "../common/lazy-packages.js";
import { isPathSpecifier } from "../common/specifiers.js";
import { FormedError } from "../errors.js";
import type { LoadedModule } from "./loaded-module.js";
import { installCommonJsHooks, installEsmHooks, preloadFormedNamespace } from "./typescript-hooks.js";

const MODULE_EXTENSIONS = [".ts", ".mts", ".cts", ".js", ".mjs", ".cjs"];

/** Loads every module named by `specifiers`, in order; a module reached twice is loaded once. */
export async function loadRequiredModules(
  specifiers: string[],
  options: { cwd: string; settingsFile?: string },
): Promise<LoadedModule[]> {
  const cwd = resolve(options.cwd);
  const targets: Omit<LoadedModule, "exports">[] = [];
  const seen = new Set<string>();
  for (const [index, specifier] of specifiers.entries()) {
    for (const target of resolveRequired(specifier, index, cwd, options.settingsFile)) {
      if (seen.has(target.file)) continue;
      seen.add(target.file);
      targets.push(target);
    }
  }
  if (targets.length === 0) return [];
  await preloadFormedNamespace();
  const loaded: LoadedModule[] = [];
  for (const target of targets) {
    loaded.push({ ...target, exports: await importModule(target, cwd) });
  }
  return loaded;
}

/**
 * Imports one module as a user's file would: a Node built-in, a package resolved from `fromDir`,
 * or a file path relative to it (TypeScript included). Used to build `type: 'module:Export'`
 * values and classes from config.
 */
export async function importModuleFrom(specifier: string, fromDir: string): Promise<Record<string, unknown>> {
  if (isBuiltin(specifier)) return { ...((await import(specifier)) as Record<string, unknown>) };
  const cwd = resolve(fromDir);
  const [target] = resolveSpecifier(specifier, cwd);
  if (target === undefined)
    throw new FormedError("E_MODULE", `"${specifier}" names a folder with no module in it`);
  await preloadFormedNamespace();
  return importModule(target, cwd);
}

/** `resolveSpecifier`, its errors naming the settings file and the entry of required_modules. */
function resolveRequired(
  specifier: string,
  index: number,
  cwd: string,
  settingsFile: string | undefined,
): Omit<LoadedModule, "exports">[] {
  const where = `${settingsFile ?? "formed.yml"}: [required_modules.${index}]`;
  if (specifier.trim() === "") {
    throw new FormedError(
      "E_SETTINGS",
      `${where} is empty; expected a package name or a file or folder path`,
    );
  }
  try {
    return resolveSpecifier(specifier, cwd);
  } catch (error) {
    if (!(error instanceof FormedError)) throw error;
    throw new FormedError(error.code, `${where} ${error.message}`, {
      cause: error,
      ...(error.hint === undefined ? {} : { hint: error.hint }),
    });
  }
}

function resolveSpecifier(specifier: string, cwd: string): Omit<LoadedModule, "exports">[] {
  const tried: string[] = [];
  if (!isPathSpecifier(specifier)) {
    const file = resolvePackage(specifier, cwd, tried);
    if (file !== undefined) return [{ specifier, file, id: specifier }];
  }
  const files = resolvePath(specifier, cwd, tried);
  if (files !== undefined) {
    return files.map((file) => ({ specifier, file, id: relative(cwd, file).split(sep).join("/") }));
  }
  throw new FormedError(
    "E_MODULE",
    `cannot find module "${specifier}" from ${cwd}; tried:\n${tried.map((what) => `  ${what}`).join("\n")}`,
    {
      hint: "give a package installed in the project, or a file or folder path relative to the working directory",
    },
  );
}

function resolvePath(specifier: string, cwd: string, tried: string[]): string[] | undefined {
  const base = resolve(cwd, specifier);
  for (const candidate of [base, ...MODULE_EXTENSIONS.map((extension) => base + extension)]) {
    tried.push(candidate);
    const stats = statSync(candidate, { throwIfNoEntry: false });
    if (stats?.isFile()) return [candidate];
    if (stats?.isDirectory()) return modulesUnder(candidate);
  }
  return undefined;
}

/** Every module file under `folder`, in sorted order of their paths. */
function modulesUnder(folder: string): string[] {
  const found: string[] = [];
  const visit = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name.startsWith(".") || entry.name === "node_modules") continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) visit(path);
      else if (entry.isFile() && isModuleFile(entry.name)) found.push(path);
    }
  };
  visit(folder);
  const key = (file: string) => relative(folder, file).split(sep).join("/");
  return found.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

function isModuleFile(name: string): boolean {
  if (/\.d\.[mc]?ts$/.test(name)) return false;
  return MODULE_EXTENSIONS.includes(extname(name));
}

/**
 * The entry file of a package as the project in `cwd` would import it. Node's CommonJS resolver
 * handles most packages; one that exports only an `import` condition is read from its manifest.
 */
function resolvePackage(specifier: string, cwd: string, tried: string[]): string | undefined {
  const require = createRequire(join(cwd, "__formed_required_modules__.js"));
  try {
    return require.resolve(specifier);
  } catch {
    // fall through to the ESM-only case
  }
  const [name, subpath] = splitPackageSpecifier(specifier);
  for (let dir = cwd; ; dir = dirname(dir)) {
    const packageDir = join(dir, "node_modules", name);
    tried.push(join(packageDir, "package.json"));
    if (existsSync(join(packageDir, "package.json"))) {
      const manifest = JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8")) as {
        exports?: unknown;
        main?: string;
      };
      const target =
        manifest.exports === undefined
          ? subpath === "."
            ? (manifest.main ?? "index.js")
            : subpath
          : exportTarget(manifest.exports, subpath);
      const file = target === undefined ? undefined : join(packageDir, target);
      if (file !== undefined && existsSync(file)) return file;
      return undefined;
    }
    if (dirname(dir) === dir) return undefined;
  }
}

function splitPackageSpecifier(specifier: string): [string, string] {
  const parts = specifier.split("/");
  const length = specifier.startsWith("@") ? 2 : 1;
  const rest = parts.slice(length).join("/");
  return [parts.slice(0, length).join("/"), rest === "" ? "." : `./${rest}`];
}

const CONDITIONS = ["import", "node", "default"];

function exportTarget(exports: unknown, subpath: string): string | undefined {
  const isSubpathMap =
    typeof exports === "object" &&
    exports !== null &&
    Object.keys(exports).some((key) => key.startsWith("."));
  const entry = isSubpathMap
    ? (exports as Record<string, unknown>)[subpath]
    : subpath === "."
      ? exports
      : undefined;
  return conditionalTarget(entry);
}

function conditionalTarget(entry: unknown): string | undefined {
  if (typeof entry === "string") return entry;
  if (Array.isArray(entry)) return entry.map(conditionalTarget).find((target) => target !== undefined);
  if (typeof entry !== "object" || entry === null) return undefined;
  for (const [condition, value] of Object.entries(entry)) {
    if (CONDITIONS.includes(condition)) {
      const target = conditionalTarget(value);
      if (target !== undefined) return target;
    }
  }
  return undefined;
}

/**
 * CommonJS modules (a `.cts` file, or `.ts`/`.js` in a package without `"type": "module"`) are
 * required in this thread; ES modules are imported through the module hooks.
 */
async function importModule(
  target: Omit<LoadedModule, "exports">,
  cwd: string,
): Promise<Record<string, unknown>> {
  if (isCommonJs(target.file)) {
    installCommonJsHooks();
    try {
      return commonJsExports({ default: createRequire(target.file)(target.file) });
    } catch (error) {
      throw loadError(target, error);
    }
  }
  await installEsmHooks(cwd);
  try {
    return { ...((await import(pathToFileURL(target.file).href)) as Record<string, unknown>) };
  } catch (error) {
    throw loadError(target, error);
  }
}

/**
 * A CommonJS module's namespace has `module.exports` as `default`, beside the names Node's
 * lexer found (all of them, or none, depending on how the source was transpiled). Its exports
 * are `module.exports`' own properties, as `require()` gives them, unless it is not an object
 * (`module.exports = step(...)`).
 */
function commonJsExports(namespace: Record<string, unknown>): Record<string, unknown> {
  const { default: moduleExports, "module.exports": _same, ...named } = namespace;
  if (typeof moduleExports !== "object" || moduleExports === null) {
    return moduleExports === undefined ? named : { default: moduleExports, ...named };
  }
  const { __esModule: _flag, ...own } = moduleExports as Record<string, unknown>;
  return { ...named, ...own };
}

/** Whether Node runs `file` as CommonJS: by extension, else by the nearest package.json's `type`. */
function isCommonJs(file: string): boolean {
  const extension = extname(file);
  if (extension === ".cjs" || extension === ".cts") return true;
  if (extension !== ".js" && extension !== ".ts") return false;
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest)) {
      try {
        return (JSON.parse(readFileSync(manifest, "utf8")) as { type?: unknown }).type !== "module";
      } catch {
        return true;
      }
    }
    if (dirname(dir) === dir) return true;
  }
}

function loadError(target: Omit<LoadedModule, "exports">, error: unknown): FormedError {
  const message = error instanceof Error ? error.message : String(error);
  const where = locate(target.file, error) ?? syntaxErrorAt(target.file, error);
  const place = where === undefined || message.includes(where) ? target.file : where;
  const via = target.specifier === target.id ? "" : ` (required as "${target.specifier}")`;
  return new FormedError("E_MODULE", `cannot load module ${place}${via}: ${message}`, {
    cause: error,
    hint: "fix the error in that module, or remove it from required_modules",
  });
}

/** `file:line:column` of the error in `file`, from the error's message or stack, when they say. */
function locate(file: string, error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const texts = [error.message, error.stack ?? ""];
  for (const text of texts) {
    for (const line of text.split("\n")) {
      const match = /((?:file:\/\/)?[^\s()]+?):(\d+)(?::(\d+))?/.exec(line);
      if (match === null) continue;
      const found = match[1]!.startsWith("file:") ? safePath(match[1]!) : match[1]!;
      if (found !== file) continue;
      return match[3] === undefined ? `${file}:${match[2]}` : `${file}:${match[2]}:${match[3]}`;
    }
  }
  return undefined;
}

/**
 * V8 keeps the position of a syntax error in an ES module out of the error's message and stack,
 * so the file is parsed again to find it.
 */
function syntaxErrorAt(file: string, error: unknown): string | undefined {
  if (!(error instanceof SyntaxError)) return undefined;
  try {
    const text = readFileSync(file, "utf8");
    const offset = oxcParser().parseSync(file, text).errors[0]?.labels[0]?.start;
    if (offset === undefined) return undefined;
    const before = text.slice(0, offset).split("\n");
    return `${file}:${before.length}:${before[before.length - 1]!.length + 1}`;
  } catch {
    return undefined;
  }
}

function safePath(url: string): string | undefined {
  try {
    return fileURLToPath(url);
  } catch {
    return undefined;
  }
}

import { existsSync } from "node:fs";
import Module, { register } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { tsxCommonJsApi, tsxModuleApi } from "../common/lazy-packages.js";
import { packageRoot } from "../common/package-info.js";

/**
 * Runs in Node's loader thread. `formed` and `formed/...` are resolved as if imported from inside
 * this package (a self-reference through its `exports`), so users' step files get the very
 * instance the CLI runs, with no `formed` in their own node_modules.
 */
const RESOLVE_HOOK = `
let parentURL;
export function initialize(data) { parentURL = data.parentURL; }
export async function resolve(specifier, context, nextResolve) {
  if (specifier === "formed" || specifier.startsWith("formed/")) {
    return nextResolve(specifier, { ...context, parentURL });
  }
  return nextResolve(specifier, context);
}
`;

// Symbol.for: two copies of this module in one process must not register twice.
const REGISTERED_CJS = Symbol.for("formed.modules.typescript-hooks.cjs");
const REGISTERED_ESM = Symbol.for("formed.modules.typescript-hooks.esm");

// The hooks below make TypeScript loadable (tsx, transpiling with esbuild) and resolve `formed`
// to this package. Each kind is installed once per process, when first needed: Node's hooks
// cannot be scoped to one call. The first ES module caller's `tsconfig.json` (in `cwd`), if any,
// sets compiler options such as `experimentalDecorators`; without one, decorators are TC39
// standard decorators.

/**
 * What `require()` of TypeScript needs: tsx's CommonJS hooks, in this thread. Enough for the
 * common case of `.ts` files in a project without `"type": "module"`.
 */
export function installCommonJsHooks(): void {
  const holder = globalThis as { [REGISTERED_CJS]?: true };
  if (holder[REGISTERED_CJS]) return;
  holder[REGISTERED_CJS] = true;
  tsxCommonJsApi().register();
  patchRequire(packageRoot());
}

/**
 * What `import()` of TypeScript as ES modules needs: tsx's module hooks, which Node runs in a
 * thread of their own (starting it costs ~80 ms, so only ES module projects pay it).
 */
export function installEsmHooks(cwd: string): Promise<void> {
  const holder = globalThis as { [REGISTERED_ESM]?: Promise<void> };
  holder[REGISTERED_ESM] ??= (async () => {
    const tsconfig = join(cwd, "tsconfig.json");
    (await tsxModuleApi()).register({ tsconfig: existsSync(tsconfig) ? tsconfig : false });
    // Registered after tsx so that it runs first: hooks chain last-in, first-out.
    register(`data:text/javascript,${encodeURIComponent(RESOLVE_HOOK)}`, {
      data: { parentURL: pathToFileURL(join(packageRoot(), "package.json")).href },
    });
  })();
  return holder[REGISTERED_ESM];
}

type ResolveFilename = (request: string, parent: unknown, isMain: boolean, options?: unknown) => string;
type Load = (request: string, parent: unknown, isMain: boolean) => unknown;

// Symbol.for: the namespace is shared with every copy of this module in the process.
const FORMED_NAMESPACE = Symbol.for("formed.modules.namespace");

/**
 * Gives CommonJS `require("formed")` the package's already-loaded ES module namespace. Without
 * it, require(esm) walks the package's whole module graph through the hooks thread, one
 * synchronous round trip per module: ~150 ms on every run of a project without
 * `"type": "module"`.
 */
export async function preloadFormedNamespace(): Promise<void> {
  const holder = globalThis as { [FORMED_NAMESPACE]?: unknown };
  holder[FORMED_NAMESPACE] ??= await import(pathToFileURL(join(packageRoot(), "dist", "index.js")).href);
}

/**
 * CommonJS `require("formed")` (a `.cts` file, or a `.ts` file in a package without
 * `"type": "module"`) does not go through the hook above. The package exports ESM only, so
 * its entry is named directly; Node ≥ 20.19 can `require()` it.
 */
function patchRequire(root: string): void {
  const loader = Module as unknown as { _resolveFilename: ResolveFilename };
  const original = loader._resolveFilename;
  const entries: Record<string, string> = {
    formed: join(root, "dist", "index.js"),
    "formed/package.json": join(root, "package.json"),
  };
  loader._resolveFilename = function (this: unknown, request, parent, isMain, options) {
    const entry = entries[request];
    return entry !== undefined ? entry : original.call(this, request, parent, isMain, options);
  };
  const withLoad = Module as unknown as { _load: Load };
  const originalLoad = withLoad._load;
  withLoad._load = function (this: unknown, request, parent, isMain) {
    const namespace =
      request === "formed" ? (globalThis as { [FORMED_NAMESPACE]?: unknown })[FORMED_NAMESPACE] : undefined;
    return namespace !== undefined ? namespace : originalLoad.call(this, request, parent, isMain);
  };
}

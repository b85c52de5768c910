/**
 * Dependencies loaded on first use, not when the CLI starts: a fully cached run needs none of
 * them, and loading them costs ~15 ms (oxc-parser, with its native binding), ~20 ms (tsx's
 * CommonJS hooks) and ~4 ms more (tsx's module hooks); jsdiff and get-tsconfig are rarely needed
 * and would only add to the bundle every command parses. Required synchronously where the caller is synchronous.
 */
import { createRequire } from "node:module";

const requireHere = createRequire(import.meta.url);

export function oxcParser(): typeof import("oxc-parser") {
  return requireHere("oxc-parser") as typeof import("oxc-parser");
}

/** jsdiff: only `explain` shows a diff. */
export function jsDiff(): typeof import("diff") {
  return requireHere("diff") as typeof import("diff");
}

/** tsconfig reading: only the code graph's import resolution needs it, when a bare import is not memoized. */
export function getTsconfigPackage(): typeof import("get-tsconfig") {
  return requireHere("get-tsconfig") as typeof import("get-tsconfig");
}

export function tsxCommonJsApi(): typeof import("tsx/cjs/api") {
  return requireHere("tsx/cjs/api") as typeof import("tsx/cjs/api");
}

/** Imported, not required: the CommonJS build of tsx's module API names its hooks file wrongly. */
export function tsxModuleApi(): Promise<typeof import("tsx/esm/api")> {
  return import("tsx/esm/api");
}

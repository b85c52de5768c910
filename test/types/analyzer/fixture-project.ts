import { join } from "node:path";
import { userCacheDirectory } from "../../../src/common/user-cache.js";
import { tempDir, write } from "../../support/files.js";

/**
 * A minimal `formed` for the compiler inside a fixture project: only the type information
 * matters to the analyzer, and a stub does not depend on what src/index.ts exports today.
 */
const FORMED_STUB = `
export type Ignore<T> = T;
export interface Lazy<T> { construct(...args: unknown[]): T; }
export type StepFunction<A, R> = (args: A) => R;
export type Step<A, R> = ((args: A) => R) & { readonly fn: StepFunction<A, R> };
export interface StepOptions { name?: string; version?: string; format?: string }
export declare function step<A, R>(fn: StepFunction<A, R>): Step<A, R>;
export declare function step<A, R>(options: StepOptions, fn: StepFunction<A, R>): Step<A, R>;
export declare abstract class Registrable {
  static register(name: string): <C>(cls: C, context?: unknown) => C;
  static register<C>(name: string, cls: C): C;
}
`;

/** A temp project with the formed stub installed and the given files written. */
export function fixtureProject(files: Record<string, string>): string {
  const dir = tempDir("formed-analyzer-");
  write(dir, "package.json", JSON.stringify({ name: "fixture", type: "module" }));
  write(dir, "node_modules/formed/package.json", JSON.stringify({ name: "formed", types: "index.d.ts" }));
  write(dir, "node_modules/formed/index.d.ts", FORMED_STUB);
  for (const [name, text] of Object.entries(files)) write(dir, name, text);
  return dir;
}

/** Where analyses are cached by default: the user cache (the test run's own, see global-setup.ts). */
export function defaultCacheDir(): string {
  return join(userCacheDirectory(), "types");
}

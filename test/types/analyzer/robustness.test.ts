import { describe, expect, it } from "vitest";
import { analyzeProjectTypes } from "../../../src/types/analyzer/index.js";
import { fixtureProject } from "./fixture-project.js";

describe("analyzer: what it cannot describe", () => {
  it("gives any, never throws, for missing files and exports, unresolved imports and odd types", async () => {
    const dir = fixtureProject({
      "steps.ts": `
import { step } from "formed";
import { Missing } from "not-installed";
type Keys = keyof { a: 1; b: 2 };
export const odd = step(({ m, k, s, re }: { m: Missing; k: Keys; s: symbol; re: RegExp }) => m);
export const notAStep = 42;
`,
    });
    const types = await analyzeProjectTypes({
      cwd: dir,
      steps: [
        { name: "odd", file: "steps.ts", exportName: "odd" },
        { name: "absent", file: "steps.ts", exportName: "nope" },
        { name: "number", file: "steps.ts", exportName: "notAStep" },
        { name: "nofile", file: "missing.ts", exportName: "x" },
      ],
    });
    expect(types.steps.odd?.parameter).toEqual({
      kind: "object",
      properties: [
        { name: "m", type: { kind: "any" }, optional: false },
        {
          name: "k",
          type: {
            kind: "union",
            members: [
              { kind: "literal", value: "a" },
              { kind: "literal", value: "b" },
            ],
          },
          optional: false,
        },
        { name: "s", type: { kind: "any" }, optional: false },
        // A built-in class: built from a 'module:Export' reference only, never from plain config.
        { name: "re", type: { kind: "builtin", name: "RegExp" }, optional: false },
      ],
    });
    for (const name of ["absent", "number", "nofile"]) {
      expect(types.steps[name]).toEqual({ name, parameter: { kind: "any" }, returns: { kind: "any" } });
    }
  });

  it("recognizes Registrable, Lazy and Ignore only when they come from formed", async () => {
    const dir = fixtureProject({
      "steps.ts": `
import { step } from "formed";
type Ignore<T> = T;
interface Lazy<T> { get(): T }
abstract class Registrable { static register(name: string) { return <C>(c: C) => c; } }
export class Base extends Registrable {}
Base.register("x")(class extends Base {});
export const own = step(({ a, b, c }: { a: Ignore<string>; b: Lazy<number>; c: Base }) => a);
`,
    });
    const types = await analyzeProjectTypes({
      cwd: dir,
      steps: [{ name: "own", file: "steps.ts", exportName: "own" }],
    });
    const parameter = types.steps.own?.parameter as unknown as {
      properties: { name: string; ignored?: boolean; type: unknown }[];
    };
    expect(parameter.properties[0]?.ignored).toBeUndefined();
    expect(parameter.properties[1]?.type).toMatchObject({ kind: "object" });
    const base = Object.values(types.definitions).find((definition) => definition.name === "Base");
    expect(base).toMatchObject({ kind: "class", registrable: false });
    expect(base).not.toHaveProperty("registered");
  });
});

// biome-ignore-all lint/suspicious/noTemplateCurlyInString: source texts with template literals, as test data.
import { rmSync } from "node:fs";
import { afterAll, describe, expect, test } from "vitest";
import { summarizeSource } from "../../src/fingerprint/code-graph/summarize.js";
import type { ModuleSummary } from "../../src/fingerprint/code-graph/types.js";
import { codeVersion } from "../../src/fingerprint/code-version.js";
import { tempDir, write } from "../support/files.js";

const dir = tempDir("formed-code-graph-summary-");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function unit(summary: ModuleSummary, name: string) {
  const found = summary.units.find((each) => each.name === name);
  if (found === undefined) throw new Error(`no unit ${name} in ${summary.units.map((each) => each.name)}`);
  return found;
}

/** Plain objects, whatever prototype the summary's records have. */
const plain = (value: unknown) => JSON.parse(JSON.stringify(value));

describe("module summaries", () => {
  const source = `import def, { named as local, type T } from "./a";
import * as ns from "./b";
import type { Only } from "./types";
import "./side-effect";
import legacy = require("./legacy");

export function f(x: T): number { return local(x) + ns.one + helper(x); }
function helper(x: number) { return x; }
function over(a: string): void;
function over(a: unknown) { return a; }
export class C extends def { m() { return legacy.run(); } }
export const { low, high } = ns.limits, single = 1;
export enum E { A = 1 }
declare const ambient: number;
interface I { a: number }
type Alias = string;
export type { Alias };
var counter = 0;
counter++;
if (counter) { var flagged = true; }
export { helper as renamed, single as default };
export { x as y, default as z } from "./c";
export * from "./d";
export * as spaced from "./e";
export type * from "./types";
`;
  const summary = summarizeSource(source, "ts");

  test("units: declarations, one per declarator (destructuring binds several names), <module> for the rest", () => {
    expect(summary.units.map((each) => each.name)).toEqual([
      "f",
      "helper",
      "over",
      "C",
      "low,high",
      "single",
      "E",
      "counter",
      "<module>",
    ]);
    expect(plain(summary.bindings)).toEqual({
      f: "f",
      helper: "helper",
      over: "over",
      C: "C",
      low: "low,high",
      high: "low,high",
      single: "single",
      E: "E",
      counter: "counter",
      flagged: "<module>",
    });
  });

  test("imports, side-effect imports and exports; type-only ones left out", () => {
    expect(plain(summary.imports)).toEqual({
      def: { specifier: "./a", imported: "default" },
      local: { specifier: "./a", imported: "named" },
      ns: { specifier: "./b", imported: "*" },
      legacy: { specifier: "./legacy", imported: "*" },
    });
    expect(summary.sideEffectImports).toEqual(["./side-effect"]);
    expect(plain(summary.exports)).toEqual({
      f: { local: "f" },
      C: { local: "C" },
      low: { local: "low" },
      high: { local: "high" },
      single: { local: "single" },
      E: { local: "E" },
      renamed: { local: "helper" },
      default: { local: "single" },
      y: { specifier: "./c", imported: "x" },
      z: { specifier: "./c", imported: "default" },
      spaced: { specifier: "./e", imported: "*" },
    });
    expect(summary.exportAll).toEqual(["./d"]);
  });

  test("references: free names, namespace members, bare uses; locals and the unit's own names left out", () => {
    expect(plain(unit(summary, "f").references)).toEqual({
      names: ["helper", "local", "ns"],
      members: { ns: ["one"] },
      bare: ["helper", "local"],
      dynamicImports: [],
      computedImports: [],
    });
    expect(unit(summary, "C").references.names).toEqual(["def", "legacy"]);
    expect(plain(unit(summary, "low,high").references.members)).toEqual({ ns: ["limits"] });
    expect(unit(summary, "<module>").references.names).toEqual(["counter"]);
  });

  test("export default expressions, export =, namespaces and merged declarations", () => {
    const other = summarizeSource(
      `export default { run: () => helper() };\nfunction helper() { return 1; }\nnamespace N { export const a = helper(); }\nenum M { A }\nenum M { B = 2 }\n`,
      "ts",
    );
    expect(other.units.map((each) => each.name)).toEqual(["default", "helper", "N", "M"]);
    expect(unit(other, "default").references.names).toEqual(["helper"]);
    expect(unit(other, "N").references.names).toContain("helper");
    expect(unit(other, "M").ranges).toHaveLength(2);
    const assigned = summarizeSource(`const impl = () => 1;\nexport = impl;\n`, "ts");
    expect(assigned.exportAssignment).toBe("export=");
    expect(unit(assigned, "export=").references.names).toEqual(["impl"]);
  });

  test("dynamic imports and requires: literal ones followed, computed ones kept as text", () => {
    const dynamic = summarizeSource(
      "export async function load(name) {\n  const a = await import('./a.js');\n  const b = require(`./b`);\n  const c = await import(`./plugins/${name}.js`);\n  return [a, b, c, require('./d/' + name)];\n}\n",
      "js",
    );
    expect(plain(unit(dynamic, "load").references)).toMatchObject({
      dynamicImports: ["./a.js", "./b"],
      computedImports: ["import(`./plugins/${name}.js`)", "require('./d/' + name)"],
    });
  });

  test("JSX: components are references, intrinsic elements are not; .js files may hold JSX", () => {
    const jsx = summarizeSource(
      `import { Chart } from "./chart";\nexport const View = () => <div className="x"><Chart /></div>;\n`,
      "js",
    );
    expect(unit(jsx, "View").references.names).toEqual(["Chart"]);
  });

  test("a unit's hash does not depend on its position, comments or types", () => {
    const one = summarizeSource(`export function f(x: number) { return x + 1; }\n`, "ts");
    const two = summarizeSource(
      `\n\n// moved down\nconst other = 2;\nexport function f(y: string | number): number {\n  /* same */ return (y as number) + 1;\n}\n`,
      "ts",
    );
    expect(unit(two, "f").hash).toBe(unit(one, "f").hash);
  });

  test("a text that does not parse is one raw unit", () => {
    const broken = summarizeSource("export const = ;", "ts");
    expect(broken.units.map((each) => each.name)).toEqual(["<module>"]);
    expect(summarizeSource("export const = ; ", "ts").units[0]!.hash).not.toBe(broken.units[0]!.hash);
  });
});

describe("a step function's references in its code info", () => {
  test("by call site and by export, the free names it uses", () => {
    const file = write(
      dir,
      "steps.ts",
      `import { step } from "formed";\nimport * as h from "./h";\nregister(step((x: number) => triple(x) + h.double(x) + import("./p.ts")));\nexport const s = step((y: number) => y);\n`,
    );
    const bySite = codeVersion({ definedAt: { file, line: 3, column: 10 }, fnText: "" });
    expect(bySite.located).toBe("call-site");
    expect(bySite.references).toEqual({
      names: ["h", "triple"],
      members: { h: ["double"] },
      bare: ["triple"],
      dynamicImports: ["./p.ts"],
      computedImports: [],
    });
    expect(codeVersion({ file, exportName: "s", fnText: "" }).references?.names).toEqual([]);
  });
});

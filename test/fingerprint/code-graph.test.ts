// biome-ignore-all lint/suspicious/noTemplateCurlyInString: source texts with template literals, as test data.
import { mkdirSync, rmSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { CodeGraph, type CodeRoot, type StepCode } from "../../src/fingerprint/code-graph/code-graph.js";
import { tempDir, write } from "../support/files.js";

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

type Files = Record<string, string>;

/** Writes `files` into a fresh project folder. */
function project(files: Files): string {
  const dir = tempDir("formed-code-graph-");
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) write(dir, name, text);
  return dir;
}

/** The step exported as `exportName` from `file` of the project. */
function stepRoot(dir: string, file = "steps.ts", exportName = "s"): CodeRoot {
  return { kind: "export", specifier: `./${file}`, from: dir, exportName };
}

/** A fresh graph (each reads files once) over `dir`. */
function stepCode(dir: string, roots: readonly CodeRoot[] = [stepRoot(dir)]): StepCode {
  return new CodeGraph({ root: dir }).stepCode(roots);
}

/** The step's code before and after `edit` is written over the project. */
function beforeAfter(files: Files, edit: Files, setup?: (dir: string) => void) {
  const dir = project(files);
  setup?.(dir);
  const before = stepCode(dir);
  for (const [name, text] of Object.entries(edit)) write(dir, name, text);
  const after = stepCode(dir);
  return { before, after, dir };
}

const head = `import { step } from "formed";\n`;

/** A step file whose step `s` calls `call` (an expression of `x`), after `imports`. */
const steps = (imports: string, call: string, rest = "") =>
  `${head}${imports}\nexport const s = step(({ x }: { x: number }) => ${call});\n${rest}`;

function ids(code: StepCode): string[] {
  return code.units.map((unit) => unit.id);
}

describe("the code version changes when reachable code changes", () => {
  const rows: [string, Files, Files][] = [
    [
      "a helper in the same file",
      { "steps.ts": steps("", "helper(x)", "function helper(x: number) { return x + 1; }\n") },
      { "steps.ts": steps("", "helper(x)", "function helper(x: number) { return x + 2; }\n") },
    ],
    [
      "a helper in a file two imports away",
      {
        "steps.ts": steps(`import { a } from "./a";`, "a(x)"),
        "a.ts": `import { b } from "./b.js";\nexport function a(x: number) { return b(x) * 2; }\n`,
        "b.ts": `export function b(x: number) { return x + 1; }\n`,
      },
      { "b.ts": `export function b(x: number) { return x - 1; }\n` },
    ],
    [
      "a helper through a re-export",
      {
        "steps.ts": steps(`import { h } from "./barrel";`, "h(x)"),
        "barrel.ts": `export { impl as h } from "./impl";\n`,
        "impl.ts": `export const impl = (x: number) => x + 1;\n`,
      },
      { "impl.ts": `export const impl = (x: number) => x + 10;\n` },
    ],
    [
      "a helper through export *",
      {
        "steps.ts": steps(`import { h } from "./barrel";`, "h(x)"),
        "barrel.ts": `export * from "./other";\nexport * from "./impl";\n`,
        "other.ts": `export const unrelated = 1;\n`,
        "impl.ts": `export const h = (x: number) => x + 1;\n`,
      },
      { "impl.ts": `export const h = (x: number) => x + 10;\n` },
    ],
    [
      "a helper through a tsconfig paths alias (with extends)",
      {
        "tsconfig.json": `{ "extends": "./tsconfig.base.json" }\n`,
        "tsconfig.base.json": `{ "compilerOptions": { "baseUrl": ".", "paths": { "@lib/*": ["lib/*"] } } }\n`,
        "steps.ts": steps(`import { triple } from "@lib/math";`, "triple(x)"),
        "lib/math.ts": `export const triple = (x: number) => x * 3;\n`,
      },
      { "lib/math.ts": `export const triple = (x: number) => x * 4;\n` },
    ],
    [
      "a folder's index.ts",
      {
        "steps.ts": steps(`import { f } from "./utils";`, "f(x)"),
        "utils/index.ts": `export function f(x: number) { return x; }\n`,
      },
      { "utils/index.ts": `export function f(x: number) { return -x; }\n` },
    ],
    [
      "a default export (function)",
      {
        "steps.ts": steps(`import helper from "./helper";`, "helper(x)"),
        "helper.ts": `export default function (x: number) { return x + 1; }\n`,
      },
      { "helper.ts": `export default function (x: number) { return x + 2; }\n` },
    ],
    [
      "a default export (expression naming a constant)",
      {
        "steps.ts": steps(`import helper from "./helper";`, "helper.scale * x"),
        "helper.ts": `const config = { scale: 2 };\nexport default config;\n`,
      },
      { "helper.ts": `const config = { scale: 3 };\nexport default config;\n` },
    ],
    [
      "a method of a class reached",
      {
        "steps.ts": steps(`import { Model } from "./model";`, "new Model().run(x)"),
        "model.ts": `export class Model {\n  run(x: number) { return this.other(x); }\n  other(x: number) { return x; }\n}\n`,
      },
      {
        "model.ts": `export class Model {\n  run(x: number) { return this.other(x); }\n  other(x: number) { return x * 2; }\n}\n`,
      },
    ],
    [
      "a constant used by a helper",
      {
        "steps.ts": steps(`import { scale } from "./helpers";`, "scale(x)"),
        "helpers.ts": `import { FACTOR } from "./constants";\nexport const scale = (x: number) => x * FACTOR;\n`,
        "constants.ts": `export const FACTOR = 3;\nexport const OTHER = 1;\n`,
      },
      { "constants.ts": `export const FACTOR = 4;\nexport const OTHER = 1;\n` },
    ],
    [
      "an enum member",
      {
        "steps.ts": steps(`import { Mode } from "./mode";`, "x === Mode.Fast ? 1 : 0"),
        "mode.ts": `export enum Mode { Fast = 1, Slow = 2 }\n`,
      },
      { "mode.ts": `export enum Mode { Fast = 1, Slow = 3 }\n` },
    ],
    [
      "mutual recursion across two files (the even side)",
      {
        "steps.ts": steps(`import { isEven } from "./even";`, "isEven(x)"),
        "even.ts": `import { isOdd } from "./odd";\nexport function isEven(n: number): boolean { return n === 0 || isOdd(n - 1); }\n`,
        "odd.ts": `import { isEven } from "./even";\nexport function isOdd(n: number): boolean { return n !== 0 && isEven(n - 1); }\n`,
      },
      {
        "even.ts": `import { isOdd } from "./odd";\nexport function isEven(n: number): boolean { return n <= 0 || isOdd(n - 1); }\n`,
      },
    ],
    [
      "mutual recursion across two files (the odd side)",
      {
        "steps.ts": steps(`import { isEven } from "./even";`, "isEven(x)"),
        "even.ts": `import { isOdd } from "./odd";\nexport function isEven(n: number): boolean { return n === 0 || isOdd(n - 1); }\n`,
        "odd.ts": `import { isEven } from "./even";\nexport function isOdd(n: number): boolean { return n !== 0 && isEven(n - 1); }\n`,
      },
      {
        "odd.ts": `import { isEven } from "./even";\nexport function isOdd(n: number): boolean { return n > 0 && isEven(n - 1); }\n`,
      },
    ],
    [
      "the target of a literal dynamic import",
      {
        "steps.ts": steps("", `import("./plugin.ts").then((plugin) => plugin.run(x))`),
        "plugin.ts": `export const run = (x: number) => x;\n`,
      },
      { "plugin.ts": `export const run = (x: number) => x + 1;\n` },
    ],
    [
      "the target of a template-literal dynamic import without expressions",
      {
        "steps.ts": steps("", "import(`./plugin.js`).then((plugin) => plugin.run(x))"),
        "plugin.ts": `export const run = (x: number) => x;\n`,
      },
      { "plugin.ts": `export const run = (x: number) => x + 1;\n` },
    ],
    [
      "a side-effect import's module code",
      {
        "steps.ts": steps(
          `import { Tokenizer } from "./tokenizer";\nimport "./register";`,
          "Tokenizer.get(x)",
        ),
        "tokenizer.ts": `export class Tokenizer {\n  static all = new Map<unknown, unknown>();\n  static register(key: unknown, value: unknown) { Tokenizer.all.set(key, value); }\n  static get(key: unknown) { return Tokenizer.all.get(key); }\n}\n`,
        "register.ts": `import { Tokenizer } from "./tokenizer";\nimport { CharTokenizer } from "./char";\nTokenizer.register("chars", CharTokenizer);\n`,
        "char.ts": `export class CharTokenizer { split(s: string) { return [...s]; } }\n`,
      },
      { "char.ts": `export class CharTokenizer { split(s: string) { return s.split(""); } }\n` },
    ],
    [
      "the top-level code of a module a helper comes from",
      {
        "steps.ts": steps(`import { lookup } from "./table";`, "lookup(x)"),
        "table.ts": `const table = new Map<number, number>();\ntable.set(1, 10);\nexport const lookup = (x: number) => table.get(x);\n`,
      },
      {
        "table.ts": `const table = new Map<number, number>();\ntable.set(1, 11);\nexport const lookup = (x: number) => table.get(x);\n`,
      },
    ],
    [
      "a member used through a namespace import",
      {
        "steps.ts": steps(`import * as math from "./math";`, "math.double(x)"),
        "math.ts": `export const double = (x: number) => x * 2;\nexport const half = (x: number) => x / 2;\n`,
      },
      {
        "math.ts": `export const double = (x: number) => x * 2.5;\nexport const half = (x: number) => x / 2;\n`,
      },
    ],
    [
      "any export of a namespace used as a whole",
      {
        "steps.ts": steps(`import * as math from "./math";`, "Object.keys(math).length + x"),
        "math.ts": `export const double = (x: number) => x * 2;\nexport const half = (x: number) => x / 2;\n`,
      },
      {
        "math.ts": `export const double = (x: number) => x * 2;\nexport const half = (x: number) => x / 3;\n`,
      },
    ],
    [
      "a namespace re-exported with export * as",
      {
        "steps.ts": steps(`import { math } from "./barrel";`, "math.double(x)"),
        "barrel.ts": `export * as math from "./math";\n`,
        "math.ts": `export const double = (x: number) => x * 2;\n`,
      },
      { "math.ts": `export const double = (x: number) => x * 3;\n` },
    ],
    [
      "a function a class field calls (decorators and static blocks count)",
      {
        "steps.ts": steps(`import { Model } from "./model";`, "Model.size + x"),
        "model.ts": `import { tag, initial } from "./util";\n@tag\nexport class Model {\n  static size = 0;\n  static { Model.size = initial(); }\n}\n`,
        "util.ts": `export function tag(target: unknown) { return target; }\nexport function initial() { return 1; }\n`,
      },
      {
        "util.ts": `export function tag(target: unknown) { return target; }\nexport function initial() { return 2; }\n`,
      },
    ],
    [
      "a destructured constant (one unit binds several names)",
      {
        "steps.ts": steps(`import { low } from "./limits";`, "x > low"),
        "limits.ts": `export const { low, high } = { low: 1, high: 9 };\n`,
      },
      { "limits.ts": `export const { low, high } = { low: 1, high: 8 };\n` },
    ],
    [
      "JavaScript with CommonJS require",
      {
        "steps.ts": steps("", `require("./legacy.cjs").scale(x)`),
        "legacy.cjs": `const { factor } = require("./factor");\nfunction scale(x) { return x * factor; }\nmodule.exports = { scale };\n`,
        "factor.js": `exports.factor = 3;\n`,
      },
      { "factor.js": `exports.factor = 4;\n` },
    ],
    [
      "a JavaScript module imported with its .js extension",
      {
        "steps.ts": steps(`import { f } from "./lib.mjs";`, "f(x)"),
        "lib.mjs": `import { g } from "./g.js";\nexport const f = (x) => g(x);\n`,
        "g.js": `export function g(x) { return x; }\n`,
      },
      { "g.js": `export function g(x) { return x + 1; }\n` },
    ],
    [
      "a .mts source imported as .mjs",
      {
        "steps.ts": steps(`import { f } from "./lib.mjs";`, "f(x)"),
        "lib.mts": `export const f = (x: number) => x;\n`,
      },
      { "lib.mts": `export const f = (x: number) => x * 2;\n` },
    ],
    [
      "a .cts source imported as .cjs",
      {
        "steps.ts": steps(`import { f } from "./lib.cjs";`, "f(x)"),
        "lib.cts": `export const f = (x: number) => x;\n`,
      },
      { "lib.cts": `export const f = (x: number) => x * 2;\n` },
    ],
    [
      "a module imported by its absolute path",
      {
        "steps.ts": steps(`import { f } from "ABSOLUTE/lib";`, "f(x)"),
        "lib.ts": `export const f = (x: number) => x;\n`,
      },
      { "lib.ts": `export const f = (x: number) => x * 2;\n` },
    ],
  ];
  for (const [what, files, edit] of rows) {
    test(what, () => {
      const { before, after } = beforeAfter(files, edit, (dir) => {
        write(dir, "steps.ts", files["steps.ts"]!.replace("ABSOLUTE", dir));
      });
      expect(after.version).not.toBe(before.version);
    });
  }

  test("a package's version in node_modules/<pkg>/package.json", () => {
    const manifest = (version: string) => JSON.stringify({ name: "tiny-pkg", version, main: "index.js" });
    const { before, after } = beforeAfter(
      {
        "steps.ts": steps(`import { f } from "tiny-pkg/sub";`, "f(x)"),
        "node_modules/tiny-pkg/package.json": manifest("1.0.0"),
        "node_modules/tiny-pkg/index.js": "exports.f = (x) => x;\n",
      },
      { "node_modules/tiny-pkg/package.json": manifest("1.0.1") },
    );
    expect(before.packages).toEqual({ "tiny-pkg": "1.0.0" });
    expect(after.packages).toEqual({ "tiny-pkg": "1.0.1" });
    expect(after.version).not.toBe(before.version);
    // The package's code is covered by its version, not followed.
    expect(after.units.every((unit) => !unit.file.includes("node_modules"))).toBe(true);
  });

  test("a workspace package's source (symlinked into node_modules)", () => {
    const { before, after } = beforeAfter(
      {
        "steps.ts": steps(`import { f } from "@work/lib";`, "f(x)"),
        "packages/lib/package.json": JSON.stringify({
          name: "@work/lib",
          version: "0.0.0",
          main: "src/index.ts",
        }),
        "packages/lib/src/index.ts": `export { f } from "./f";\n`,
        "packages/lib/src/f.ts": `export const f = (x: number) => x;\n`,
      },
      { "packages/lib/src/f.ts": `export const f = (x: number) => x + 1;\n` },
      (dir) => {
        mkdirSync(join(dir, "node_modules", "@work"), { recursive: true });
        symlinkSync(join(dir, "packages", "lib"), join(dir, "node_modules", "@work", "lib"), "dir");
      },
    );
    expect(after.version).not.toBe(before.version);
    expect(before.packages).toEqual({});
    expect(ids(before)).toContain("packages/lib/src/f.ts#f");
  });

  test("an ESM-only workspace package is followed through its exports field", () => {
    const { before, after } = beforeAfter(
      {
        "steps.ts": steps(`import { f } from "esm-lib";`, "f(x)"),
        "packages/esm-lib/package.json": JSON.stringify({
          name: "esm-lib",
          version: "1.0.0",
          type: "module",
          exports: { ".": { import: "./src/index.ts" } },
        }),
        "packages/esm-lib/src/index.ts": `export const f = (x: number) => x;\n`,
      },
      { "packages/esm-lib/src/index.ts": `export const f = (x: number) => x * 2;\n` },
      (dir) => {
        mkdirSync(join(dir, "node_modules"), { recursive: true });
        symlinkSync(join(dir, "packages", "esm-lib"), join(dir, "node_modules", "esm-lib"), "dir");
      },
    );
    expect(after.version).not.toBe(before.version);
    expect(ids(before)).toContain("packages/esm-lib/src/index.ts#f");
  });
});

describe("the code version stays when nothing reachable changes", () => {
  const helpers = `import { CONSTANT } from "./constants";
/** Used by the step. */
export function used(x: number): number {
  const doubled = x * 2; // twice
  return doubled + CONSTANT;
}

export function unused(x: number) { return x - 1; }
`;
  const base: Files = {
    "steps.ts": steps(
      `import { used } from "./helpers";`,
      "used(x)",
      `export const other = step(({ x }: { x: number }) => otherHelper(x));\nfunction otherHelper(x: number) { return x; }\n`,
    ),
    "helpers.ts": helpers,
    "constants.ts": `export const CONSTANT = 1;\nexport const UNUSED = 2;\n`,
    "types.ts": `export interface Shape { size: number }\n`,
  };
  const rows: [string, Files][] = [
    ["an unreachable helper edited", { "helpers.ts": helpers.replace("x - 1", "x - 2") }],
    [
      "an unused constant of a reached module edited",
      { "constants.ts": base["constants.ts"]!.replace("2", "3") },
    ],
    [
      "a comment or the formatting of a helper",
      {
        "helpers.ts": helpers
          .replace("/** Used by the step. */", "// Used by the step, reformatted.")
          .replace("const doubled = x * 2; // twice", "const doubled=(x*2)"),
      },
    ],
    ["a local renamed in a helper", { "helpers.ts": helpers.replaceAll("doubled", "twice") }],
    [
      "another step in the same file, and its own helper",
      {
        "steps.ts": base["steps.ts"]!.replace("otherHelper(x)", "otherHelper(x) + 1").replace(
          "return x;",
          "return x * 5;",
        ),
      },
    ],
    [
      "a type-only edit (annotations, an interface, import type)",
      {
        "helpers.ts": `import { CONSTANT } from "./constants";\nimport type { Shape } from "./types";\n/** Used by the step. */\nexport function used(x: number | Shape["size"]): number {\n  const doubled: number = (x as number) * 2; // twice\n  return doubled + CONSTANT;\n}\n\nexport function unused(x: number) { return x - 1; }\n`,
        "types.ts": `export interface Shape { size: number; name: string }\nexport type Other = string;\n`,
      },
    ],
    [
      "a node built-in import added to a reached module",
      {
        "helpers.ts": `import { readFileSync } from "node:fs";\nimport { join } from "path";\n${helpers}export const read = (file: string) => readFileSync(join(".", file));\n`,
      },
    ],
  ];
  for (const [what, edit] of rows) {
    test(what, () => {
      const { before, after } = beforeAfter(base, edit);
      expect(after.version).toBe(before.version);
      expect(after.units).toEqual(
        before.units.map((unit, index) => ({ ...unit, text: after.units[index]?.text })),
      );
    });
  }

  test("a node built-in used by a helper is neither a unit nor a package", () => {
    const dir = project({
      "steps.ts": steps(`import { base } from "./paths";`, "base(String(x))"),
      "paths.ts": `import { basename } from "node:path";\nimport * as fs from "fs";\nexport const base = (p: string) => basename(p) + fs.constants.F_OK;\n`,
    });
    const code = stepCode(dir);
    expect(code.packages).toEqual({});
    expect(ids(code)).toEqual(["paths.ts#base", "steps.ts#s"]);
  });

  test("a namespace member the step does not use", () => {
    const { before, after } = beforeAfter(
      {
        "steps.ts": steps(`import * as math from "./math";`, "math.double(x)"),
        "math.ts": `export const double = (x: number) => x * 2;\nexport const half = (x: number) => x / 2;\n`,
      },
      {
        "math.ts": `export const double = (x: number) => x * 2;\nexport const half = (x: number) => x / 3;\n`,
      },
    );
    expect(after.version).toBe(before.version);
  });

  test("a helper used only by another step in another file", () => {
    const { before, after } = beforeAfter(
      {
        "steps.ts": steps(`import { mine } from "./shared";`, "mine(x)"),
        "other-steps.ts": `${head}import { theirs } from "./shared";\nexport const t = step(() => theirs());\n`,
        "shared.ts": `export const mine = (x: number) => x;\nexport const theirs = () => 1;\n`,
      },
      { "shared.ts": `export const mine = (x: number) => x;\nexport const theirs = () => 2;\n` },
    );
    expect(after.version).toBe(before.version);
  });
});

describe("what the graph reports", () => {
  test("a computed dynamic import is not followed, and counts in the version", () => {
    const { before, after } = beforeAfter(
      { "steps.ts": steps("", "import(`./plugins/${x}.ts`)") },
      { "steps.ts": steps("", "import(`./plugin/${x}.ts`)") },
    );
    expect(before.notFollowed).toEqual([{ unit: "steps.ts#s", text: "import(`./plugins/${x}.ts`)" }]);
    expect(after.version).not.toBe(before.version);
    const required = stepCode(project({ "steps.ts": steps("", `require("./x" + x)`) }));
    expect(required.notFollowed).toEqual([{ unit: "steps.ts#s", text: `require("./x" + x)` }]);
  });

  test("unit ids, names, files, hashes and text", () => {
    const dir = project({
      "steps.ts": steps(`import { f } from "./src/lib";`, "f(x)"),
      "src/lib.ts": `// header\nconst table = [1, 2];\ntable.push(3);\nexport function f(x: number) {\n  return table[x];\n}\nexport const long = () => "${"y".repeat(2100)}";\n`,
    });
    const code = stepCode(dir, [
      stepRoot(dir),
      { kind: "export", specifier: "./src/lib.ts", from: dir, exportName: "long" },
    ]);
    expect(ids(code)).toEqual([
      "src/lib.ts#<module>",
      "src/lib.ts#f",
      "src/lib.ts#long",
      "src/lib.ts#table",
      "steps.ts#s",
    ]);
    const byId = new Map(code.units.map((unit) => [unit.id, unit]));
    expect(byId.get("src/lib.ts#f")).toMatchObject({
      name: "f",
      file: "src/lib.ts",
      text: "export function f(x: number) {\n  return table[x];\n}",
    });
    expect(byId.get("src/lib.ts#<module>")?.text).toBe("table.push(3);");
    expect(byId.get("steps.ts#s")?.text).toBe("export const s = step(({ x }: { x: number }) => f(x));");
    expect(byId.get("src/lib.ts#long")?.text).toBeUndefined();
    for (const unit of code.units) expect(unit.hash).toMatch(/^[0-9a-f]{32}$/);
    expect(code.version).toMatch(/^[0-9a-f]{64}$/);
  });

  test("two copies of a project in different folders give the same version", () => {
    const files: Files = {
      "steps.ts": steps(`import { f } from "@lib/f";\nimport { g } from "dep";`, "f(x) + g(x)"),
      "tsconfig.json": `{ "compilerOptions": { "paths": { "@lib/*": ["./lib/*"] } } }\n`,
      "lib/f.ts": `export const f = (x: number) => x;\n`,
      "node_modules/dep/package.json": JSON.stringify({ name: "dep", version: "2.0.0" }),
    };
    const first = stepCode(project(files));
    const second = stepCode(project(files));
    expect(second).toEqual(first);
    expect(first.packages).toEqual({ dep: "2.0.0" });
  });

  test("an import through a file, or of a folder, is nothing to follow", () => {
    const dir = project({
      "steps.ts": steps(`import { f } from "./lib.ts/inner";\nimport { g } from "./folder";`, "f(x) + g(x)"),
      "lib.ts": `export const f = (x: number) => x;\n`,
      "folder/readme.md": "no index here\n",
    });
    expect(ids(stepCode(dir))).toEqual(["steps.ts#s"]);
  });

  test("a package that cannot be found is recorded as unresolved; formed itself never", () => {
    const code = stepCode(project({ "steps.ts": steps(`import { g } from "@missing/pkg/sub";`, "g(x)") }));
    expect(code.packages).toEqual({ "@missing/pkg": "unresolved" });
  });

  test("unreadable and unparseable files are one unit each, never an error", () => {
    const { before, after } = beforeAfter(
      {
        "steps.ts": steps(`import { f } from "./broken";\nimport data from "./data.json";`, "f(x) + data.n"),
        "broken.ts": "export const f = (x: number) => {{ x;\n",
        "data.json": `{ "n": 1 }\n`,
      },
      { "broken.ts": "export const f = (x: number) => {{ x + 1;\n" },
    );
    expect(ids(before)).toEqual(["broken.ts#<module>", "data.json#<module>", "steps.ts#s"]);
    expect(after.version).not.toBe(before.version);
    const missing = stepCode(project({ "steps.ts": steps("", "x") }), [
      { kind: "export", specifier: "/no/such/file.ts", from: "/no/such", exportName: "s" },
    ]);
    expect(missing.units).toEqual([]);
  });

  test("a function root: its own hash, references resolved in its file, and that file's module code", () => {
    const dir = project({
      "steps.ts": `${head}import { triple } from "./helpers";\nregister(step((x: number) => triple(x)));\nfunction register(s: unknown) { return s; }\n`,
      "helpers.ts": `export const triple = (x: number) => x * 3;\n`,
    });
    const root: CodeRoot = {
      kind: "function",
      name: "step s",
      file: join(dir, "steps.ts"),
      hash: "f".repeat(64),
      references: {
        names: ["triple"],
        members: {},
        bare: ["triple"],
        dynamicImports: [],
        computedImports: [],
      },
    };
    const code = stepCode(dir, [root]);
    expect(ids(code)).toEqual([
      "helpers.ts#triple",
      "steps.ts#<module>",
      "steps.ts#register",
      "steps.ts#step s",
    ]);
    expect(code.units.find((unit) => unit.id === "steps.ts#step s")?.hash).toBe("f".repeat(64));
    const otherHash = stepCode(dir, [{ ...root, hash: "e".repeat(64) }]);
    expect(otherHash.version).not.toBe(code.version);
  });

  test("several roots: the step and a class its config builds, from a package or a file", () => {
    const dir = project({
      "steps.ts": steps("", "x"),
      "model.ts": `export class Model { run() { return 1; } }\n`,
      "node_modules/lib/package.json": JSON.stringify({ name: "lib", version: "3.1.0" }),
    });
    const code = stepCode(dir, [
      stepRoot(dir),
      { kind: "export", specifier: join(dir, "model.ts"), from: join(dir, "steps.ts"), exportName: "Model" },
      { kind: "export", specifier: "lib/models", from: dir, exportName: "Other" },
      { kind: "export", specifier: "node:fs", from: dir, exportName: "readFileSync" },
      { kind: "export", specifier: "formed", from: dir, exportName: "step" },
    ]);
    expect(ids(code)).toEqual(["model.ts#Model", "steps.ts#s"]);
    expect(code.packages).toEqual({ lib: "3.1.0" });
  });
});

import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, test } from "vitest";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const harness = join(root, "test/modules/fixtures/run-loader.ts");
const tsxCli = join(root, "node_modules/tsx/dist/cli.mjs");
const temps: string[] = [];
afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

/** A temp project with `files` (path -> content), and no node_modules unless given. */
function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "formed-modules-"));
  temps.push(dir);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

interface Loaded {
  modules?: { specifier: string; file: string; id: string; exports: Record<string, unknown> }[];
  error?: { code: string; message: string; cause?: string };
}

// Loading runs in its own process: vitest's module runner would take over `import()`.
async function load(cwd: string, ...specifiers: string[]): Promise<Loaded> {
  const { stdout } = await promisify(execFile)(process.execPath, [tsxCli, harness, cwd, ...specifiers], {
    cwd: root,
  });
  return JSON.parse(stdout.trim().split("\n").pop()!) as Loaded;
}

const ESM = { "package.json": JSON.stringify({ type: "module" }) };
const distEntry = join(root, "dist", "index.js");

describe("loadRequiredModules", () => {
  test("a TypeScript file importing another, with `formed` resolved to this package", async () => {
    const cwd = project({
      ...ESM,
      "helper.ts": "export const plusOne = (x: number): number => x + 1;\n",
      "meta.ts": `import { plusOne } from "./helper.js";
import manifest from "formed/package.json" with { type: "json" };
export const formedName: string = manifest.name;
export const two = plusOne(1);
`,
    });
    const result = await load(cwd, "./meta.ts");
    expect(result.error).toBeUndefined();
    expect(result.modules).toEqual([
      {
        specifier: "./meta.ts",
        file: join(cwd, "meta.ts"),
        id: "meta.ts",
        exports: { formedName: "formed", two: 2 },
      },
    ]);
  });

  for (const [kind, files] of [
    ["an ES module project", ESM],
    ["a project without package.json (CommonJS)", {}],
  ] as const) {
    test(`steps.ts with \`import { step } from "formed"\`, in ${kind}`, async () => {
      const cwd = project({
        ...files,
        "helper.ts": "export const plusOne = (x: number): number => x + 1;\n",
        "steps.ts": `import { step } from "formed";
import { plusOne } from "./helper.js";
export const next = step(({ x }: { x: number }) => plusOne(x));
`,
      });
      const result = await load(cwd, "steps.ts");
      if (existsSync(distEntry)) {
        expect(result.error).toBeUndefined();
        expect(result.modules?.[0]?.exports).toEqual({ next: "[step]" });
      } else {
        // dist/ not built: what is left to check is that `formed` led to this package's entry.
        expect(result.error?.message).toContain(distEntry);
      }
    });
  }

  test("a folder: every module under it, recursively and sorted, skipping .d.ts, dot-folders and node_modules", async () => {
    const cwd = project({
      ...ESM,
      "lib/b.ts": "export const b = 'b';\n",
      "lib/a.js": "export const a = 'a';\n",
      "lib/sub/c.mts": "export const c: string = 'c';\n",
      "lib/sub/d.cjs": "exports.d = 'd';\n",
      "lib/types.d.ts": "export declare const t: string;\n",
      "lib/readme.md": "# not a module\n",
      "lib/.hidden/x.ts": "throw new Error('hidden');\n",
      "lib/node_modules/y/index.js": "throw new Error('node_modules');\n",
    });
    const result = await load(cwd, "./lib");
    expect(result.error).toBeUndefined();
    expect(result.modules?.map((module) => [module.id, module.exports])).toEqual([
      ["lib/a.js", { a: "a" }],
      ["lib/b.ts", { b: "b" }],
      ["lib/sub/c.mts", { c: "c" }],
      ["lib/sub/d.cjs", { d: "d" }],
    ]);
    expect(new Set(result.modules?.map((module) => module.specifier))).toEqual(new Set(["./lib"]));
  });

  test("packages in the project's node_modules, including a subpath and an import-only export", async () => {
    const cwd = project({
      ...ESM,
      "node_modules/my-steps/package.json": JSON.stringify({
        name: "my-steps",
        type: "module",
        exports: { ".": { import: "./index.js" }, "./extra": "./extra.js" },
      }),
      "node_modules/my-steps/index.js": "export const fromPackage = 1;\n",
      "node_modules/my-steps/extra.js": "export const extra = 2;\n",
      "node_modules/@scope/cjs-steps/package.json": JSON.stringify({
        name: "@scope/cjs-steps",
        main: "main.js",
      }),
      "node_modules/@scope/cjs-steps/main.js": "exports.fromCjs = 3;\n",
    });
    const result = await load(cwd, "my-steps", "my-steps/extra", "@scope/cjs-steps");
    expect(result.error).toBeUndefined();
    expect(result.modules?.map((module) => [module.id, module.file, module.exports])).toEqual([
      ["my-steps", join(cwd, "node_modules/my-steps/index.js"), { fromPackage: 1 }],
      ["my-steps/extra", join(cwd, "node_modules/my-steps/extra.js"), { extra: 2 }],
      ["@scope/cjs-steps", join(cwd, "node_modules/@scope/cjs-steps/main.js"), { fromCjs: 3 }],
    ]);
  });

  test("a class decorator `@Base.register(name)` (TC39 standard decorators)", async () => {
    const cwd = project({
      ...ESM,
      "registry.ts": `export class Base {
  static readonly registered = new Map<string, unknown>();
  static semantics = "";
  static register(name: string) {
    return <T extends abstract new (...args: never[]) => unknown>(cls: T, context?: ClassDecoratorContext): T => {
      Base.semantics = context?.kind === "class" ? "tc39" : "legacy";
      Base.registered.set(name, cls);
      return cls;
    };
  }
}
`,
      "models.ts": `import { Base } from "./registry.js";
@Base.register("my-model")
export class Model extends Base {
  constructor(readonly size: number) { super(); }
}
export const names = [...Base.registered.keys()];
export const semantics = Base.semantics;
export const sameClass = Base.registered.get("my-model") === Model;
`,
    });
    const result = await load(cwd, "./models.ts");
    expect(result.error).toBeUndefined();
    expect(result.modules?.[0]?.exports).toEqual({
      Model: "[function]",
      names: ["my-model"],
      semantics: "tc39",
      sameClass: true,
    });
  });

  test("a missing path or package: E_MODULE naming the specifier, the cwd and what was tried", async () => {
    const cwd = project({ ...ESM });
    const missingPath = await load(cwd, "./missing/steps.ts");
    expect(missingPath.error?.code).toBe("E_MODULE");
    expect(missingPath.error?.message).toContain('"./missing/steps.ts"');
    expect(missingPath.error?.message).toContain(cwd);
    expect(missingPath.error?.message).toContain(join(cwd, "missing/steps.ts"));
    const missingPackage = await load(cwd, "no-such-package");
    expect(missingPackage.error?.code).toBe("E_MODULE");
    expect(missingPackage.error?.message).toContain('"no-such-package"');
    expect(missingPackage.error?.message).toContain(join(cwd, "node_modules/no-such-package/package.json"));
  });

  test("a module that throws while loading: E_MODULE naming the file, with the cause", async () => {
    const cwd = project({
      ...ESM,
      "broken.ts": "const ready: boolean = false;\nif (!ready) throw new Error('database is down');\n",
    });
    const result = await load(cwd, "./broken.ts");
    expect(result.error?.code).toBe("E_MODULE");
    expect(result.error?.message).toContain(join(cwd, "broken.ts"));
    expect(result.error?.message).toContain("database is down");
    expect(result.error?.cause).toBe("database is down");
  });

  test("a syntax error: E_MODULE naming the file and the line", async () => {
    const cwd = project({
      ...ESM,
      "typo-ts.ts": "export const a = 1;\nexport const b = (;\n",
      "typo-js.js": "export const a = 1;\nexport const b = (;\n",
    });
    for (const file of ["./typo-ts.ts", "./typo-js.js"]) {
      const result = await load(cwd, file);
      expect(result.error?.code).toBe("E_MODULE");
      expect(result.error?.message).toContain(`${join(cwd, file)}:2`);
      expect(result.error?.cause).toBeDefined();
    }
  });
});

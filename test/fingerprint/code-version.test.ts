import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { codeVersion } from "../../src/fingerprint/code-version.js";

const dir = mkdtempSync(join(tmpdir(), "formed-code-version-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let counter = 0;
/** Writes `source` to a fresh file and returns the version of its export `exportName`. */
function versionOf(source: string, exportName = "s", extension = ".ts") {
  const file = join(dir, `step-${counter++}${extension}`);
  writeFileSync(file, source);
  const info = codeVersion({ file, exportName, fnText: "() => 0" });
  expect(info.located).toBe("export");
  return info.version;
}

const head = `import { step, type Ignore } from "formed";\n`;
const wrap = (fn: string) => `${head}export const s = step(${fn});\n`;

const base = `({ init, scale }: { init: number; scale: number }): number => {
  const doubled = init * 2;
  let total = 0;
  for (const value of [doubled, scale]) total += Math.round(value);
  return total > 10 ? total : -1;
}`;

describe("code versions keep", () => {
  const keeps: [string, string][] = [
    [
      "comments",
      `/** doc */ ({ init, scale }: { init: number; scale: number }): number => {
  // twice
  const doubled = init * 2; /* inline */
  let total = 0;
  for (const value of [doubled, scale]) total += Math.round(value);
  return total > 10 ? total : -1; // end
}`,
    ],
    [
      "whitespace and formatting",
      `({init,scale}:{init:number;scale:number}):number=>{const doubled=(init*2);let total=0
for(const value of [doubled,scale])total+=Math.round(value)
return (total>10)?total:-1}`,
    ],
    [
      "local renames (parameters destructured under their key, let/const, loop variables)",
      `({ init: start, scale: factor }: { init: number; scale: number }): number => {
  const twice = start * 2;
  let sum = 0;
  for (const item of [twice, factor]) sum += Math.round(item);
  return sum > 10 ? sum : -1;
}`,
    ],
    [
      "type-only edits (annotations, as, satisfies, non-null, type arguments, interfaces)",
      `({ init, scale }: { init: number; scale: number; extra?: string }) => {
  interface Unused { a: number }
  type Alias = number;
  const doubled: Alias = (init as number) * 2;
  let total = 0 satisfies number;
  for (const value of [doubled, scale!] as Array<number>) total += Math.round<never>(value as never);
  return total > 10 ? total : <number>-1;
}`,
    ],
    ["quote style of string literals", `() => "a" + 'b'`],
  ];
  for (const [what, variant] of keeps) {
    test(what, () => {
      const original = what.startsWith("quote") ? `() => 'a' + "b"` : base;
      expect(versionOf(wrap(variant))).toBe(versionOf(wrap(original)));
    });
  }
});

describe("code versions change with", () => {
  const changes: [string, string][] = [
    ["a literal", base.replace("init * 2", "init * 3")],
    ["an operator", base.replace("total > 10", "total >= 10")],
    ["a call", base.replace("Math.round(value)", "Math.floor(value)")],
    ["a property name", base.replace("Math.round", "Math.rounded")],
    ["a free identifier", base.replace("Math.round", "MathX.round")],
    ["a destructured argument key", base.replace("{ init, scale }:", "{ init: scale, scale: init }:")],
    ["the function kind (async)", `async ${base}`],
  ];
  for (const [what, variant] of changes) {
    test(what, () => {
      expect(versionOf(wrap(variant))).not.toBe(versionOf(wrap(base)));
    });
  }

  test("the function kind (generator)", () => {
    const plain = versionOf(wrap("function ({ init }: { init: number }) { return init; }"));
    const generator = versionOf(wrap("function* ({ init }: { init: number }) { return init; }"));
    expect(generator).not.toBe(plain);
  });

  test("a local shadowing a free name is not confused with it", () => {
    const outer = versionOf(wrap("(x: number) => { { const y = 1; } return y; }"));
    const inner = versionOf(wrap("(x: number) => { { const z = 1; } return y; }"));
    const other = versionOf(wrap("(x: number) => { { const z = 1; } return z; }"));
    expect(inner).toBe(outer);
    expect(other).not.toBe(outer);
  });
});

describe("locating the step function", () => {
  const twoSteps = `${head}
export const first = step(({ a }: { a: number }) => a + 1);

export const second = step({ name: "x::second" }, async function ({ a }: { a: number }) {
  return a + 1;
});

const third = step(({ a }: { a: number }) => a + 2);
export { third, third as renamed };

export default step((args: { a: number }) => args.a * 2);
`;
  const file = join(dir, "two-steps.ts");
  writeFileSync(file, twoSteps);

  test("two steps in one file get different versions", () => {
    const first = codeVersion({ file, exportName: "first", fnText: "" });
    const second = codeVersion({ file, exportName: "second", fnText: "" });
    expect(first.located).toBe("export");
    expect(second.located).toBe("export");
    expect(first.version).not.toBe(second.version);
  });

  test("by export: const, export { x }, export { x as y }, default", () => {
    const third = codeVersion({ file, exportName: "third", fnText: "" });
    const renamed = codeVersion({ file, exportName: "renamed", fnText: "" });
    const fallback = codeVersion({ file, exportName: "default", fnText: "" });
    expect([third.located, renamed.located, fallback.located]).toEqual(["export", "export", "export"]);
    expect(renamed.version).toBe(third.version);
    expect(fallback.version).not.toBe(third.version);
  });

  test("by call site, when the export is not found", () => {
    const byExport = codeVersion({ file, exportName: "second", fnText: "" });
    const bySite = codeVersion({
      file,
      exportName: "missing",
      definedAt: { file, line: 5, column: 23 },
      fnText: "",
    });
    expect(bySite.located).toBe("call-site");
    expect(bySite.version).toBe(byExport.version);
    const first = codeVersion({ definedAt: { file: `file://${file}`, line: 3, column: 21 }, fnText: "" });
    expect(first.version).toBe(codeVersion({ file, exportName: "first", fnText: "" }).version);
  });

  test("by call site in TypeScript whose positions are not the source's, by the function text", () => {
    const bySite = codeVersion({
      definedAt: { file, line: 40, column: 1 },
      fnText: "async function({ a }) {\n  return a + 1;\n}",
    });
    expect(bySite.located).toBe("call-site");
    expect(bySite.version).toBe(codeVersion({ file, exportName: "second", fnText: "" }).version);
  });

  test("from the function text, when there is no file", () => {
    const byText = codeVersion({ fnText: "async function ({ a }) { return a + 1; }" });
    expect(byText.located).toBe("text");
    expect(byText.version).toBe(codeVersion({ file, exportName: "second", fnText: "" }).version);
    const method = codeVersion({ fnText: "run({ a }) { return a + 1; }" });
    expect(method.located).toBe("text");
    const native = codeVersion({ fnText: "function push() { [native code] }" });
    expect(native.located).toBe("text");
    expect(native.version).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe("ignored arguments", () => {
  test("inline type literal", () => {
    const file = join(dir, "ignore-inline.ts");
    writeFileSync(file, wrap("({ x, device }: { x: number; device: Ignore<string> }) => x"));
    expect(codeVersion({ file, exportName: "s", fnText: "" }).ignoredArguments).toEqual(["device"]);
  });

  test("named interface and type alias", () => {
    const file = join(dir, "ignore-named.ts");
    writeFileSync(
      file,
      `import { step, type Ignore as Skip } from "formed";
interface Args { x: number; device: Skip<string>; "log level"?: Skip<number> | undefined }
type Aliased = Args;
export const viaInterface = step(({ x }: Args) => x);
export const viaAlias = step(({ x }: Aliased) => x);
export const none = step(({ x }: { x: number }) => x);
`,
    );
    const ignored = (exportName: string) => codeVersion({ file, exportName, fnText: "" }).ignoredArguments;
    expect(ignored("viaInterface")).toEqual(["device", "log level"]);
    expect(ignored("viaAlias")).toEqual(["device", "log level"]);
    expect(ignored("none")).toEqual([]);
  });
});

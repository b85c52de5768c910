import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { codeVersion } from "../../src/fingerprint/code-version.js";
import { CodeVersionMemo } from "../../src/fingerprint/code-version-memo.js";

const dir = mkdtempSync(join(tmpdir(), "formed-code-version-memo-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const source = (body: string) =>
  `import { step, type Ignore } from "formed";\nexport const s = step(({ a, seed }: { a: number; seed: Ignore<number> }) => ${body});\n`;

function storedEntries(file: string): Record<string, { version: string }> {
  return (JSON.parse(readFileSync(file, "utf8")) as { entries: Record<string, { version: string }> }).entries;
}

describe("the code version memo", () => {
  test("a saved version is read back by the next process's memo, equal to computing it", () => {
    const file = join(dir, "a.ts");
    const memoFile = join(dir, "a-memo", "code-versions.json");
    writeFileSync(file, source("a + 1"));
    const input = { file, exportName: "s", fnText: "() => 0" };
    const first = CodeVersionMemo.open(memoFile);
    const computed = codeVersion(input, first);
    first.save();
    expect(computed).toEqual(codeVersion(input));
    expect(computed.ignoredArguments).toEqual(["seed"]);

    // Plant a different version under the same key: a reopened memo must answer from the file.
    const entries = storedEntries(memoFile);
    const [key] = Object.keys(entries);
    expect(Object.keys(entries)).toHaveLength(1);
    writeFileSync(
      memoFile,
      JSON.stringify({ memo: 1, entries: { [key!]: { ...computed, version: "planted" } } }),
    );
    expect(codeVersion(input, CodeVersionMemo.open(memoFile)).version).toBe("planted");
  });

  test("an edited source is a new key: its version is computed, and the old entry is dropped on save", () => {
    const file = join(dir, "b.ts");
    const memoFile = join(dir, "b-memo.json");
    writeFileSync(file, source("a + 1"));
    const input = { file, exportName: "s", fnText: "() => 0" };
    const memo = CodeVersionMemo.open(memoFile);
    const before = codeVersion(input, memo);
    memo.save();
    const oldKeys = Object.keys(storedEntries(memoFile));

    writeFileSync(file, source("a + 2"));
    const next = CodeVersionMemo.open(memoFile);
    const after = codeVersion(input, next);
    next.save();
    expect(after.version).not.toBe(before.version);
    expect(after).toEqual(codeVersion(input));
    const newKeys = Object.keys(storedEntries(memoFile));
    expect(newKeys).toHaveLength(1);
    expect(newKeys).not.toEqual(oldKeys);
  });

  test("a damaged or foreign memo file is an empty memo", () => {
    const file = join(dir, "c.ts");
    writeFileSync(file, source("a * 3"));
    const input = { file, exportName: "s", fnText: "() => 0" };
    for (const [name, text] of [
      ["garbage.json", "{not json"],
      ["other-version.json", JSON.stringify({ memo: 99, entries: {} })],
      ["bad-entry.json", JSON.stringify({ memo: 1, entries: { k: { version: 3 } } })],
    ] as const) {
      const memoFile = join(dir, name);
      writeFileSync(memoFile, text);
      const memo = CodeVersionMemo.open(memoFile);
      expect(codeVersion(input, memo)).toEqual(codeVersion(input));
      memo.save();
      expect(Object.values(storedEntries(memoFile)).map((entry) => entry.version)).toEqual([
        codeVersion(input).version,
      ]);
    }
  });
});

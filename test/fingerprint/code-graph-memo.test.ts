import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeEach, describe, expect, test, vi } from "vitest";
import { CodeGraph, type CodeRoot } from "../../src/fingerprint/code-graph/code-graph.js";
import { tempDir, write } from "../support/files.js";

// Counts what the graph asks of the parser, without a hook in production code.
const parser = vi.hoisted(() => ({ loads: 0, parses: 0 }));
vi.mock("../../src/common/lazy-packages.js", async (importOriginal) => {
  const original = await importOriginal<typeof import("../../src/common/lazy-packages.js")>();
  return {
    ...original,
    oxcParser: () => {
      parser.loads++;
      const real = original.oxcParser();
      return {
        ...real,
        parseSync: (...args: Parameters<typeof real.parseSync>) => {
          parser.parses++;
          return real.parseSync(...args);
        },
      };
    },
  };
});

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  parser.loads = 0;
  parser.parses = 0;
});

function project(): { dir: string; root: CodeRoot; memoFile: string } {
  const dir = tempDir("formed-code-graph-memo-");
  dirs.push(dir);
  write(
    dir,
    "steps.ts",
    `import { step } from "formed";\nimport { a } from "./a";\nexport const s = step((x: number) => a(x));\n`,
  );
  write(dir, "a.ts", `import { b } from "./b";\nexport const a = (x: number) => b(x) + 1;\n`);
  write(dir, "b.ts", `export const b = (x: number) => x * 2;\n`);
  return {
    dir,
    root: { kind: "export", specifier: "./steps.ts", from: dir, exportName: "s" },
    memoFile: join(dir, ".formed", "code-graph.json"),
  };
}

describe("the code graph memo", () => {
  test("a second graph over unchanged files parses nothing and does not load the parser", () => {
    const { dir, root, memoFile } = project();
    const first = new CodeGraph({ root: dir, memoFile });
    const before = first.stepCode([root]);
    first.save();
    expect(parser.parses).toBe(3);

    parser.loads = 0;
    parser.parses = 0;
    const second = new CodeGraph({ root: dir, memoFile });
    expect(second.stepCode([root])).toEqual(before);
    expect(parser.parses).toBe(0);
    expect(parser.loads).toBe(0);
  });

  test("only an edited file is parsed again, and the memo keeps only entries used", () => {
    const { dir, root, memoFile } = project();
    const first = new CodeGraph({ root: dir, memoFile });
    const before = first.stepCode([root]);
    first.save();
    const keys = () =>
      Object.keys((JSON.parse(readFileSync(memoFile, "utf8")) as { entries: object }).entries);
    expect(keys()).toHaveLength(3);

    write(dir, "b.ts", `export const b = (x: number) => x * 3;\n`);
    parser.parses = 0;
    const second = new CodeGraph({ root: dir, memoFile });
    const after = second.stepCode([root]);
    second.save();
    expect(parser.parses).toBe(1);
    expect(after.version).not.toBe(before.version);
    // The old summary of b.ts was not used by this process: it is gone.
    expect(keys()).toHaveLength(3);
  });

  test("files with the same content in different folders share a summary", () => {
    const first = project();
    const second = project();
    const memoFile = join(first.dir, "shared-memo.json");
    const graph = new CodeGraph({ root: first.dir, memoFile });
    graph.stepCode([first.root]);
    graph.save();
    parser.parses = 0;
    const other = new CodeGraph({ root: second.dir, memoFile });
    other.stepCode([second.root]);
    expect(parser.parses).toBe(0);
  });

  test("a damaged memo file is an empty memo; a memo that cannot be written is no error", () => {
    const { dir, root } = project();
    const memoFile = write(dir, "memo.json", "{ not json");
    const code = new CodeGraph({ root: dir, memoFile });
    const expected = code.stepCode([root]);
    code.save();
    expect(JSON.parse(readFileSync(memoFile, "utf8")).memo).toMatch(/^1:formed-code-graph-v/);

    const foreign = write(dir, "foreign.json", JSON.stringify({ memo: "1:other-form", entries: { x: {} } }));
    expect(new CodeGraph({ root: dir, memoFile: foreign }).stepCode([root])).toEqual(expected);

    // A folder that is a file: unwritable even for root, which ignores permissions.
    const blocked = write(dir, "blocked", "");
    const unwritable = new CodeGraph({ root: dir, memoFile: join(blocked, "sub", "memo.json") });
    expect(unwritable.stepCode([root])).toEqual(expected);
    expect(() => unwritable.save()).not.toThrow();
  });

  test("without a memo file, summaries are remembered in memory only", () => {
    const { dir, root } = project();
    const graph = new CodeGraph({ root: dir });
    graph.stepCode([root]);
    graph.stepCode([root]);
    expect(parser.parses).toBe(3);
    expect(() => graph.save()).not.toThrow();
  });
});

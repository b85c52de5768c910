import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { locateConfigPaths } from "../../src/config/locate/locate-config-paths.js";
import { FormedError } from "../../src/errors.js";
import { GoJsonnetEngine } from "../../src/jsonnet/go-jsonnet.js";
import { errorLocation } from "../../src/jsonnet/source-locations.js";
import { tempDir, write } from "../support/files.js";

const engine = new GoJsonnetEngine();

/** path -> "line:column found" (found: the part of the path the position is for). */
async function where(file: string, paths: string[]): Promise<Record<string, string>> {
  const located = await locateConfigPaths(file, paths, engine);
  return Object.fromEntries(
    paths.map((path) => {
      const location = located.get(path);
      const span = location?.span;
      const at = span === undefined ? "-" : `${span.line}:${span.column}`;
      return [path, `${at} ${location?.found ?? "?"}${location?.template === true ? " (template)" : ""}`];
    }),
  );
}

const EXAMPLES = join(import.meta.dirname, "..", "..", "examples");

describe("locating config paths in Jsonnet (the engine reads the syntax tree)", () => {
  it("finds the quick start's paths, through + and the comprehensions' templates", async () => {
    expect(
      await where(join(EXAMPLES, "collatz", "config.jsonnet"), [
        "steps.report.layout.columns.width",
        "steps.report.counts",
        "steps.count_27.sequence",
        "steps.summary.type",
        "steps.summary.3",
        "steps.nope.x",
        "",
      ]),
    ).toEqual({
      "steps.report.layout.columns.width": "25:67 steps.report.layout.columns.width",
      "steps.report.counts": "24:7 steps.report.counts",
      "steps.count_27.sequence": "10:43 steps.count_27.sequence (template)",
      // The left side writes `type`; the comprehension beside it only could.
      "steps.summary.type": "16:16 steps.summary.type",
      "steps.summary.3": "17:7 steps.summary.3 (template)",
      "steps.nope.x": "6:3 steps",
      "": "- ",
    });
  });

  it("follows locals, imports, a.b indexing, array elements and dotted names, and stops at calls", async () => {
    const dir = tempDir("formed-locate-");
    write(dir, "lib/base.libsonnet", "{\n  defaults: { limit: 10, tags: ['a', 'b'] },\n}\n");
    const file = write(
      dir,
      "config.jsonnet",
      [
        "local base = import 'lib/base.libsonnet';",
        "local make(n) = { type: 'count', n: n };",
        "local shared = { seed: 1 };",
        "{",
        "  steps: {",
        "    first: base.defaults { type: 'load' },",
        "    second: shared + { type: 'x', 'é😀': 1, after: 2 },",
        "    'a.b': { type: 'y', list: [1, { deep: true }] },",
        "    made: make(3),",
        "  } + (if std.extVar('FAST') == '1' then { fast: {} } else { slow: {} }),",
        "}",
      ].join("\n"),
    );
    expect(
      await where(file, [
        "steps.first.limit",
        "steps.first.tags.1",
        "steps.first.type",
        "steps.second.seed",
        "steps.second.after",
        "steps.a.b.list.1.deep",
        "steps.made.n",
        "steps.slow",
      ]),
    ).toEqual({
      "steps.first.limit": "2:15 steps.first.limit",
      "steps.first.tags.1": "2:38 steps.first.tags.1",
      "steps.first.type": "6:28 steps.first.type",
      "steps.second.seed": "3:18 steps.second.seed",
      // Columns count UTF-16 units, as editors do: é is one, 😀 two (bytes: 48).
      "steps.second.after": "7:45 steps.second.after",
      "steps.a.b.list.1.deep": "8:37 steps.a.b.list.1.deep",
      "steps.made.n": "9:5 steps.made",
      "steps.slow": "10:62 steps.slow",
    });
    const imported = (await locateConfigPaths(file, ["steps.first.limit"], engine)).get("steps.first.limit");
    expect(imported?.span?.file).toBe(join(dir, "lib/base.libsonnet"));
  });

  it("gives nothing for a file that does not parse; the evaluation's error says where", async () => {
    const dir = tempDir("formed-locate-");
    const file = write(dir, "config.jsonnet", "{\n  steps: {\n    a: { type: 'x' \n  }\n}\n");
    expect(await locateConfigPaths(file, ["steps.a"], engine)).toEqual(new Map());
    const error = await engine.evaluateFile(file).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(FormedError);
    expect(await errorLocation((error as FormedError).message)).toEqual({
      file,
      line: 6,
      column: 1,
      endLine: 6,
      endColumn: 1,
    });
  });
});

describe("errorLocation", () => {
  it("reads go-jsonnet's runtime error places, columns in UTF-16 units", async () => {
    const dir = tempDir("formed-locate-");
    const file = write(dir, "config.jsonnet", "{\n  steps: { 'é😀': { type: 'x', v: error 'boom' } },\n}\n");
    const error = (await engine.evaluateFile(file).catch((caught: unknown) => caught)) as FormedError;
    expect(error.message).toContain(`${file}:2:`);
    // `error 'boom'` starts at byte 38, UTF-16 unit 35 (é is 2 bytes, 1 unit; 😀 4 bytes, 2 units).
    expect(error.message).toContain(`${file}:2:38-50`);
    expect(await errorLocation(error.message)).toEqual({
      file,
      line: 2,
      column: 35,
      endLine: 2,
      endColumn: 47,
    });
    expect(await errorLocation("a.jsonnet:(3:4)-(5:6) x", false)).toEqual({
      file: "a.jsonnet",
      line: 3,
      column: 4,
      endLine: 5,
      endColumn: 6,
    });
    expect(await errorLocation("RUNTIME ERROR: no place here")).toBeUndefined();
  });
});

describe("locating config paths in JSON and YAML", () => {
  it("finds keys and elements in a JSON config, the last of a key written twice", async () => {
    const dir = tempDir("formed-locate-");
    const file = write(
      dir,
      "config.json",
      '{\n  "steps": {\n    "a": { "type": "x", "n": 1, "n": 2 },\n    "b": { "list": [1, "é", 3] }\n  }\n}\n',
    );
    expect(await where(file, ["steps.a.n", "steps.b.list.2", "steps.b.list.9", "steps.c"])).toEqual({
      "steps.a.n": "3:33 steps.a.n",
      "steps.b.list.2": "4:29 steps.b.list.2",
      "steps.b.list.9": "4:12 steps.b.list",
      "steps.c": "2:3 steps",
    });
  });

  it("finds keys in formed.yml", async () => {
    const dir = tempDir("formed-locate-");
    const file = write(
      dir,
      "formed.yml",
      "required_modules:\n  - ./steps.ts\nworkflow:\n  executor:\n    type: parallel\n    jobs: many\n",
    );
    expect(await where(file, ["workflow.executor.jobs", "required_modules.0", "logging"])).toEqual({
      "workflow.executor.jobs": "6:5 workflow.executor.jobs",
      "required_modules.0": "2:5 required_modules.0",
      logging: "- ",
    });
  });
});

import { describe, expect, it } from "vitest";
import { applyOverrides } from "../../src/config/overrides.js";
import { ConfigurationError } from "../../src/errors.js";
import { GoJsonnetEngine } from "../../src/jsonnet/go-jsonnet.js";
import { rejection } from "../support/files.js";

const engine = new GoJsonnetEngine();

function config() {
  return {
    steps: {
      result: { type: "sum", a: 1, b: 2 },
      x: { type: "list", items: [10, 20, 30], nested: { deep: { value: "old" } } },
    },
  };
}

describe("applyOverrides", () => {
  it("replaces a value at a dotted path without mutating the input", async () => {
    const input = config();
    const output = await applyOverrides(
      input,
      '{ "steps.result.a": 3, "steps.x.nested.deep": { value: "new" } }',
      engine,
    );
    expect(output.steps.result).toEqual({ type: "sum", a: 3, b: 2 });
    expect(output.steps.x.nested.deep).toEqual({ value: "new" });
    expect(input).toEqual(config());
  });

  it("adds a new leaf under an existing parent", async () => {
    const output = (await applyOverrides(config(), '{ "steps.result.c": [1, 2] }', engine)) as {
      steps: { result: Record<string, unknown> };
    };
    expect(output.steps.result.c).toEqual([1, 2]);
  });

  it("addresses array elements by index, and appends one past the end", async () => {
    const output = await applyOverrides(config(), '{ "steps.x.items.1": 99, "steps.x.items.3": 40 }', engine);
    expect(output.steps.x.items).toEqual([10, 99, 30, 40]);
  });

  it("evaluates the snippet as Jsonnet, with ext vars", async () => {
    const output = await applyOverrides(
      config(),
      '{ "steps.result.b": std.parseInt(std.extVar("B")) * 2 }',
      engine,
      {
        extVars: { B: "21" },
      },
    );
    expect(output.steps.result.b).toBe(42);
  });

  it("reports every key that does not fit, at once", async () => {
    const error = await rejection(
      applyOverrides(
        config(),
        '{ "steps.reslt.a": 1, "steps.x.items.7": 0, "steps.x.items.name": 0, "steps.result.a.b": 0, "steps.result.b": 5 }',
        engine,
      ),
    );
    expect(error).toBeInstanceOf(ConfigurationError);
    const issues = (error as ConfigurationError).issues;
    expect(issues).toHaveLength(4);
    expect(issues).toContainEqual({
      path: "steps.reslt.a",
      message: 'override does not match the config: "steps.reslt" does not exist',
    });
    expect(issues.map((issue) => issue.path).sort()).toEqual([
      "steps.reslt.a",
      "steps.result.a.b",
      "steps.x.items.7",
      "steps.x.items.name",
    ]);
    expect(issues.find((issue) => issue.path === "steps.result.a.b")?.message).toContain("is number 1");
    expect(issues.find((issue) => issue.path === "steps.x.items.7")?.message).toContain("out of range");
  });

  it("rejects a snippet that does not give an object", async () => {
    const error = await rejection(applyOverrides(config(), "[1, 2]", engine));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toContain("overrides must be an object");
    expect(error.message).toContain("got array of length 2");
  });

  it("reports a Jsonnet error in the snippet under <overrides>", async () => {
    const error = await rejection(applyOverrides(config(), "{ a: }", engine));
    expect(error.code).toBe("E_JSONNET");
    expect(error.message).toContain("<overrides>:1:");
  });
});

import { describe, expect, it } from "vitest";
import { validateStepArguments, validateValue } from "../../src/construct/validate.js";
import type { ProjectTypes, TypeDescription } from "../../src/types/type-description.js";
import { sampleTypes, t } from "./support/types.js";

const good = {
  processor: { name: "Alice" },
  tokenizer: { type: "whitespace", lowercase: true },
  texts: ["a b"],
};

function check(args: Record<string, unknown>, step = "prepare", options = {}) {
  return validateStepArguments(sampleTypes, step, args, `steps.${step}`, options);
}

function messages(args: Record<string, unknown>, step = "prepare", options = {}) {
  return check(args, step, options).map((issue) => `[${issue.path}] ${issue.message}`);
}

function valueMessages(type: TypeDescription, value: unknown, types: ProjectTypes = sampleTypes) {
  return validateValue(types, type, value, "v").map((issue) => `[${issue.path}] ${issue.message}`);
}

describe("validateStepArguments", () => {
  it("accepts a good config, with or without the step's own type key", () => {
    expect(check(good)).toEqual([]);
    expect(check({ type: "prepare", ...good, mode: "fast", when: "2024-01-02" })).toEqual([]);
    expect(check({ ...good, processor: { "*": ["Bob", 2] } })).toEqual([]);
    expect(check({ ...good, tokenizer: { type: "character" } })).toEqual([]);
  });

  it("says expected X, got Y with the exact path", () => {
    expect(check({ ...good, processor: { name: "Alice", size: "3" } })).toEqual([
      { path: "steps.prepare.processor.size", message: 'expected number, got string "3"' },
    ]);
    expect(messages({ ...good, texts: ["a", 2] })).toEqual([
      "[steps.prepare.texts.1] expected string, got number 2",
    ]);
    expect(messages({ ...good, texts: "a b" })).toEqual([
      '[steps.prepare.texts] expected string[], got string "a b"',
    ]);
  });

  it("reports unknown keys, with a did-you-mean when one is close", () => {
    expect(messages({ ...good, processor: { name: "A", sise: 3 } })).toEqual([
      '[steps.prepare.processor.sise] unknown key "sise"; did you mean "size"?',
    ]);
    expect(messages({ ...good, colour: "red" })).toEqual([
      '[steps.prepare.colour] unknown key "colour"; known keys: processor, tokenizer, texts, mode, when',
    ]);
    expect(messages({ x: 1 }, "load")).toEqual([
      '[steps.load.x] unknown key "x"; step "load" takes no arguments',
    ]);
  });

  it("reports missing required keys, of the step and of constructors", () => {
    expect(messages({ processor: {}, tokenizer: { type: "whitespace" } })).toEqual([
      '[steps.prepare.processor.name] missing required key "name", expected string',
      '[steps.prepare.texts] missing required key "texts", expected string[]',
    ]);
    expect(
      messages({ model: { processor: { name: "p" }, tokenizer: { type: "late" } }, counter: {} }, "train"),
    ).toEqual(['[steps.train.counter.start] missing required key "start", expected number']);
  });

  it("lists the members of a literal union", () => {
    expect(messages({ ...good, mode: "medium" })).toEqual([
      '[steps.prepare.mode] expected one of "fast" | "slow", got string "medium"',
    ]);
  });

  it("checks Registrable type names against the registered ones", () => {
    expect(messages({ ...good, tokenizer: { type: "x" } })).toEqual([
      '[steps.prepare.tokenizer.type] unknown type "x" for Tokenizer; registered: whitespace, character, late',
    ]);
    expect(messages({ ...good, tokenizer: { type: "whitespce" } })).toEqual([
      '[steps.prepare.tokenizer.type] unknown type "whitespce" for Tokenizer; did you mean "whitespace"? registered: whitespace, character, late',
    ]);
    expect(messages({ ...good, tokenizer: {} })).toEqual([
      '[steps.prepare.tokenizer.type] missing "type" to choose a Tokenizer; registered: whitespace, character, late',
    ]);
    expect(messages({ ...good, tokenizer: { type: "whitespace", lowercase: "yes" } })).toEqual([
      '[steps.prepare.tokenizer.lowercase] expected boolean, got string "yes"',
    ]);
    expect(messages({ ...good, tokenizer: { type: "character", limit: 1, max: 2 } })).toEqual([
      '[steps.prepare.tokenizer.max] unknown key "max"; known keys: limit',
    ]);
  });

  it("accepts type: 'module:Export' wherever a class or function is, checking only its syntax", () => {
    expect(check({ ...good, tokenizer: { type: "./my-tokenizer.ts:Mine", anything: [1] } })).toEqual([]);
    expect(check({ ...good, processor: { type: "node:url:URL", "*": ["https://x"] } })).toEqual([]);
    expect(messages({ ...good, processor: { type: "Processor2", name: "a" } })).toEqual([
      "[steps.prepare.processor.type] expected a 'module:Export' reference (Processor is not a Registrable base), got string \"Processor2\"",
    ]);
    expect(messages({ ...good, processor: { type: "node:url:URL", "*": "x" } })).toEqual([
      '[steps.prepare.processor.*] expected an array of positional arguments, got string "x"',
    ]);
    expect(
      messages({ model: { tokenizer: { type: "late" } }, callback: { type: "pkg:fn" } }, "train"),
    ).toEqual([]);
    expect(messages({ model: {}, callback: "fn" }, "train")).toEqual([
      "[steps.train.callback] expected a 'module:Export' reference to a function, got string \"fn\"",
    ]);
  });

  it('checks "*" positional arguments', () => {
    expect(messages({ ...good, processor: { "*": ["a", 1, 2] } })).toEqual([
      "[steps.prepare.processor.*] too many positional arguments: Processor takes 2, got 3",
    ]);
    expect(messages({ ...good, processor: { "*": [1] } })).toEqual([
      "[steps.prepare.processor.*.0] expected string, got number 1",
    ]);
    expect(messages({ ...good, processor: { "*": ["a"], name: "b" } })).toEqual([
      '[steps.prepare.processor.name] "name" is also given positionally in "*"',
    ]);
  });

  it("checks Dates from ISO strings", () => {
    expect(messages({ ...good, when: "yesterday" })).toEqual([
      '[steps.prepare.when] expected Date (an ISO 8601 string), got string "yesterday"',
    ]);
    expect(messages({ ...good, when: "2024-13-45" })).toHaveLength(1);
  });

  it("lets a Lazy config leave out what construct() supplies, but checks what it gives", () => {
    expect(check({ model: { tokenizer: { type: "whitespace" } } }, "train")).toEqual([]);
    expect(messages({ model: { processor: { name: 1 } } }, "train")).toEqual([
      "[steps.train.model.processor.name] expected string, got number 1",
    ]);
  });

  it("reports every error at once", () => {
    expect(
      messages({
        processor: { name: 3, sise: 1 },
        tokenizer: { type: "nope" },
        texts: [1, "ok", false],
        mode: "medium",
        extra: true,
      }),
    ).toEqual([
      "[steps.prepare.processor.name] expected string, got number 3",
      '[steps.prepare.processor.sise] unknown key "sise"; did you mean "size"?',
      '[steps.prepare.tokenizer.type] unknown type "nope" for Tokenizer; registered: whitespace, character, late',
      "[steps.prepare.texts.0] expected string, got number 1",
      "[steps.prepare.texts.2] expected string, got boolean false",
      '[steps.prepare.mode] expected one of "fast" | "slow", got string "medium"',
      '[steps.prepare.extra] unknown key "extra"; known keys: processor, tokenizer, texts, mode, when',
    ]);
  });

  it("accepts refs wherever a value is, and checks their type when it is known", () => {
    const ref = (name: string) => ({ type: "ref", ref: name });
    const outputs: Record<string, TypeDescription> = {
      load: t.array(t.string),
      numbers: t.array(t.number),
      nested: { kind: "object", properties: [{ name: "values", type: t.array(t.number), optional: false }] },
    };
    const refType = ({ step, field }: { step: string; field: string[] }) => {
      let type = outputs[step];
      for (const key of field) {
        type = type?.kind === "object" ? type.properties.find((p) => p.name === key)?.type : undefined;
      }
      return type;
    };
    expect(check({ data: ref("numbers") }, "count", { refType })).toEqual([]);
    expect(check({ data: ref("nested.values") }, "count", { refType })).toEqual([]);
    expect(check({ data: [1, ref("x")] }, "count", { refType })).toEqual([]);
    expect(check({ data: ref("load") }, "count")).toEqual([]);
    expect(messages({ data: ref("load") }, "count", { refType })).toEqual([
      '[steps.count.data] ref "load" gives string[], expected number[]',
    ]);
    expect(messages({ ...good, processor: ref("load"), texts: ref("load") }, "prepare", { refType })).toEqual(
      ['[steps.prepare.processor] ref "load" gives string[], expected Processor'],
    );
    // Step names with dots: the longest step name wins.
    const dotted = { refType: () => t.number, stepNames: new Set(["a.b"]) };
    expect(messages({ data: ref("a.b") }, "count", dotted)).toEqual([
      '[steps.count.data] ref "a.b" gives number, expected number[]',
    ]);
  });

  it("reports an unknown step type with a suggestion", () => {
    expect(check({}, "prepar")).toEqual([
      { path: "steps.prepar.type", message: 'unknown step type "prepar"; did you mean "prepare"?' },
    ]);
  });
});

describe("validateValue", () => {
  it("checks tuples, records, Maps, Sets, bigints and enums", () => {
    const tuple: TypeDescription = { kind: "tuple", elements: [t.string, t.number] };
    expect(valueMessages(tuple, ["a", 1])).toEqual([]);
    expect(valueMessages(tuple, ["a"])).toEqual([
      "[v] expected [string, number] (2 elements), got array of length 1",
    ]);
    expect(valueMessages({ kind: "record", value: t.number }, { a: 1, b: "2" })).toEqual([
      '[v.b] expected number, got string "2"',
    ]);
    const map: TypeDescription = { kind: "map", key: t.number, value: t.string };
    expect(valueMessages(map, { "1": "one" })).toEqual([]);
    expect(valueMessages(map, [[1, "one"]])).toEqual([]);
    expect(valueMessages(map, { x: "one" })).toEqual(['[v.x] key "x": expected number, got string "x"']);
    expect(valueMessages(map, [[1, 2], "x"])).toEqual([
      "[v.0.1] expected string, got number 2",
      '[v.1] expected a [key, value] pair, got string "x"',
    ]);
    expect(valueMessages({ kind: "set", element: t.number }, [1, "a"])).toEqual([
      '[v.1] expected number, got string "a"',
    ]);
    expect(valueMessages({ kind: "bigint" }, "12")).toEqual([]);
    expect(valueMessages({ kind: "bigint" }, 1.5)).toEqual([
      "[v] expected bigint (an integer or a string of digits), got number 1.5",
    ]);
    const color: TypeDescription = {
      kind: "enum",
      name: "Color",
      members: [
        { name: "Red", value: "red" },
        { name: "Blue", value: "blue" },
      ],
    };
    expect(valueMessages(color, "green")).toEqual([
      '[v] expected one of "red" | "blue" (Color), got string "green"',
    ]);
  });

  it("reports inside the union member a value is shaped like", () => {
    const either = t.union(t.string, t.cls("Processor"));
    expect(valueMessages(either, { name: 1 })).toEqual(["[v.name] expected string, got number 1"]);
    expect(valueMessages(either, 3)).toEqual(["[v] expected string | Processor, got number 3"]);
  });

  it("checks recursive named types", () => {
    const tree: TypeDescription = { kind: "named", id: "Tree" };
    expect(valueMessages(tree, { label: "a", children: [{ label: "b", children: [{ label: 3 }] }] })).toEqual(
      ["[v.children.0.children.0.label] expected string, got number 3"],
    );
  });
});

describe("built-in class positions", () => {
  const builtin: TypeDescription = { kind: "builtin", name: "URL" };

  it("accepts a module reference and a ref; refuses plain config with what to write instead", () => {
    expect(valueMessages(builtin, { type: "node:url:URL", "*": ["https://example.org"] })).toEqual([]);
    expect(valueMessages(builtin, { type: "ref", ref: "a" })).toEqual([]);
    expect(valueMessages(builtin, { "*": ["https://example.org"] })).toEqual([
      `[v] expected URL, which formed does not build from plain config: give { type: 'node:url:URL', "*": [...] } naming a class or function that makes one, or a ref; got object with keys ["*"]`,
    ]);
    expect(valueMessages({ kind: "array", element: { kind: "builtin", name: "RegExp" } }, ["a+"])).toEqual([
      `[v.0] expected RegExp, which formed does not build from plain config: give { type: 'module:Export', "*": [...] } naming a class or function that makes one, or a ref; got string "a+"`,
    ]);
  });

  it("turns a stack overflow on deep config into one issue with the path, not a crash", () => {
    let value: unknown = [];
    for (let i = 0; i < 20_000; i++) value = [value];
    const nested: TypeDescription = { kind: "named", id: "Nested" };
    const types: ProjectTypes = {
      steps: {},
      definitions: {
        Nested: { kind: "named", name: "Nested", type: { kind: "array", element: nested } },
      },
    };
    expect(() => validateValue(types, nested, value, "steps.a.x")).toThrow(
      /^\[steps\.a\.x\.0\.0\.0\.0\.0\.\.\.\] nested too deeply to check against its type/,
    );
  });
});

import { describe, expect, it } from "vitest";
import { isAssignable } from "../../src/construct/assignable.js";
import { typeText } from "../../src/construct/type-text.js";
import type { TypeDescription } from "../../src/types/type-description.js";
import { sampleTypes, t } from "./support/types.js";

const fits = (source: TypeDescription, target: TypeDescription) => isAssignable(source, target, sampleTypes);

describe("isAssignable", () => {
  it("matches primitives, literals and unions", () => {
    expect(fits(t.string, t.string)).toBe(true);
    expect(fits(t.string, t.number)).toBe(false);
    expect(fits(t.literal("a"), t.string)).toBe(true);
    expect(fits(t.string, t.literal("a"))).toBe(false);
    expect(
      fits(t.union(t.literal("a"), t.literal("b")), t.union(t.literal("a"), t.literal("b"), t.literal("c"))),
    ).toBe(true);
    expect(fits(t.union(t.string, t.number), t.string)).toBe(false);
    expect(fits(t.string, t.union(t.string, { kind: "null" }))).toBe(true);
  });

  it("is lenient on any, both ways", () => {
    expect(fits(t.any, t.array(t.number))).toBe(true);
    expect(fits(t.array(t.string), t.any)).toBe(true);
    expect(fits(t.array(t.any), t.array(t.cls("Processor")))).toBe(true);
  });

  it("compares containers structurally", () => {
    expect(fits(t.array(t.string), t.array(t.number))).toBe(false);
    expect(fits({ kind: "tuple", elements: [t.number, t.number] }, t.array(t.number))).toBe(true);
    expect(fits(t.array(t.number), { kind: "iterable", element: t.number })).toBe(true);
    expect(fits({ kind: "iterable", element: t.number }, t.array(t.number))).toBe(false);
    expect(fits(t.array(t.number), { kind: "set", element: t.number })).toBe(false);
    expect(
      fits({ kind: "map", key: t.string, value: t.number }, { kind: "map", key: t.string, value: t.number }),
    ).toBe(true);
    const point: TypeDescription = {
      kind: "object",
      properties: [
        { name: "x", type: t.number, optional: false },
        { name: "label", type: t.string, optional: true },
      ],
    };
    expect(
      fits({ kind: "object", properties: [{ name: "x", type: t.number, optional: false }] }, point),
    ).toBe(true);
    expect(fits({ kind: "object", properties: [] }, point)).toBe(false);
    expect(fits({ kind: "record", value: t.number }, { kind: "record", value: t.string })).toBe(false);
  });

  it("knows registered subclasses and recursive types", () => {
    expect(fits(t.cls("WhitespaceTokenizer"), t.cls("Tokenizer"))).toBe(true);
    expect(fits(t.cls("Tokenizer"), t.cls("WhitespaceTokenizer"))).toBe(false);
    expect(fits(t.cls("Processor"), t.cls("Tokenizer"))).toBe(false);
    expect(fits(t.string, t.cls("Processor"))).toBe(false);
    expect(fits({ kind: "named", id: "Tree" }, { kind: "named", id: "Tree" })).toBe(true);
  });
});

describe("typeText", () => {
  it("writes types as TypeScript would", () => {
    expect(typeText(t.array(t.union(t.string, t.number)))).toBe("(string | number)[]");
    expect(typeText({ kind: "map", key: t.string, value: t.cls("Processor") }, sampleTypes)).toBe(
      "Map<string, Processor>",
    );
    expect(typeText({ kind: "lazy", target: t.cls("Model") }, sampleTypes)).toBe("Lazy<Model>");
    expect(typeText({ kind: "tuple", elements: [t.string], rest: t.number })).toBe("[string, ...number[]]");
  });
});

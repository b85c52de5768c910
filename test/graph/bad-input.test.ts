import { describe, expect, it } from "vitest";
import { ConfigurationError } from "../../src/errors.js";
import { WorkflowGraph } from "../../src/graph/graph.js";
import { forEachRef, mapRefs, readField } from "../../src/graph/ref.js";
import { step } from "../../src/step/step.js";
import type { ProjectTypes, TypeDescription } from "../../src/types/type-description.js";
import { registries } from "../support/registries.js";

const produce = step(() => ({ inner: { a: 1 } }));
const consume = step(({ x }: { x: unknown }) => x);
const ref = (name: string) => ({ type: "ref", ref: name });

const number: TypeDescription = { kind: "number" };
const types: ProjectTypes = {
  steps: {
    produce: {
      name: "produce",
      returns: {
        kind: "object",
        properties: [
          {
            name: "inner",
            optional: false,
            type: { kind: "object", properties: [{ name: "a", type: number, optional: false }] },
          },
          { name: "scores", optional: false, type: { kind: "record", value: number } },
          { name: "count", optional: false, type: number },
        ],
      },
    },
    consume: {
      name: "consume",
      parameter: { kind: "object", properties: [{ name: "x", type: { kind: "any" }, optional: false }] },
      returns: { kind: "any" },
    },
  },
  definitions: {},
};

function issuesOf(steps: Record<string, Record<string, unknown>>, withTypes = true): string[] {
  try {
    WorkflowGraph.build({ steps } as never, {
      ...registries({ produce, consume }),
      ...(withTypes ? { types } : {}),
    });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return (error as ConfigurationError).issues.map((issue) => `[${issue.path}] ${issue.message}`);
  }
  return [];
}

describe("graph: step names", () => {
  it("refuses names that cannot be referenced unambiguously or make bad folder names, listing the rule", () => {
    const issues = issuesOf({
      "": { type: "produce" },
      "a/b": { type: "produce" },
      "../x": { type: "produce" },
      a: { type: "produce" },
      "a.b": { type: "produce" },
      "tab\there": { type: "produce" },
      "data.v1": { type: "produce" },
    });
    expect(issues.map((issue) => issue.slice(0, issue.indexOf(":")))).toEqual([
      '[steps.] invalid step name ""',
      '[steps.a/b] invalid step name "a/b"',
      '[steps.../x] invalid step name "../x"',
      '[steps.a.b] invalid step name "a.b"',
      '[steps.tab\there] invalid step name "tab\\there"',
    ]);
    expect(issues[3]).toContain('step "a" exists, so ref "a.b" could also mean field "b" of "a"');
    expect(issues[0]).toContain('a step name must be non-empty, without "/", "\\"');
  });
});

describe("graph: field refs", () => {
  it("reports a missing field of an object result type at check time, with a suggestion", () => {
    expect(
      issuesOf({
        obj: { type: "produce" },
        use: {
          type: "consume",
          x: { nested: [ref("obj.inner.nope"), ref("obj.inner.a"), ref("obj.scores.any")] },
        },
        prim: { type: "consume", x: ref("obj.count.digits") },
        typo: { type: "consume", x: ref("obj.iner") },
      }),
    ).toEqual([
      `[steps.use.x.nested.0] ref "obj.inner.nope" names no field of step "obj"'s result: "obj.inner" is { a: number }, without "nope" (fields: a)`,
      `[steps.prim.x] ref "obj.count.digits" names no field of step "obj"'s result: "obj.count" is number, which has no fields`,
      `[steps.typo.x] ref "obj.iner" names no field of step "obj"'s result: "obj" is { inner: { a: number }; scores: Record<string, number>; count: number }, without "iner"; did you mean "inner"?`,
    ]);
  });

  it("refuses prototype keys and empty field names in refs, with or without types", () => {
    expect(
      issuesOf(
        {
          obj: { type: "produce" },
          a: { type: "consume", x: ref("obj.__proto__") },
          b: { type: "consume", x: ref("obj.inner.constructor") },
          c: { type: "consume", x: ref("obj.prototype") },
          d: { type: "consume", x: ref("obj.inner..a") },
        },
        false,
      ),
    ).toEqual([
      '[steps.a.x] ref "obj.__proto__" reads "__proto__", which is never a field of a result (__proto__, constructor, prototype are refused)',
      '[steps.b.x] ref "obj.inner.constructor" reads "constructor", which is never a field of a result (__proto__, constructor, prototype are refused)',
      '[steps.c.x] ref "obj.prototype" reads "prototype", which is never a field of a result (__proto__, constructor, prototype are refused)',
      '[steps.d.x] ref "obj.inner..a" has an empty field name; write "<step>.<field>.<field>"',
    ]);
  });

  it("readField reads own properties only", () => {
    expect(readField({ inner: { a: 1 } }, ["inner", "a"])).toBe(1);
    expect(readField([1, 2], ["length"])).toBe(2);
    expect(readField(new Map([["k", 3]]), ["k"])).toBe(3);
    expect(() => readField({ a: 1 }, ["__proto__"])).toThrow('the result has no field "__proto__"');
    expect(() => readField({ a: 1 }, ["toString"])).toThrow('the result has no field "toString"');
    expect(() => readField({ a: {} }, ["a", "constructor"])).toThrow(
      'the result has no field "a.constructor"',
    );
  });
});

describe("graph: depth", () => {
  function deep(levels: number): unknown {
    let value: unknown = { leaf: true };
    for (let i = 1; i < levels; i++) value = { x: value };
    return value;
  }

  it("refuses a config nested deeper than 1,000 levels, with a shortened path", () => {
    expect(issuesOf({ a: { type: "consume", x: deep(10_000) } })).toEqual([
      "[steps.a.x.x.x.x.x.x...] nested deeper than 1,000 levels; a config may nest objects and arrays at most 1,000 deep",
    ]);
    expect(issuesOf({ a: { type: "consume", x: deep(1_000) } })).toEqual([]);
  });

  it("walks refs iteratively, in order, at any depth", () => {
    let value: unknown = ref("first");
    for (let i = 0; i < 50_000; i++) value = [value, i === 0 ? ref("second") : i];
    const seen: string[] = [];
    forEachRef(value, (found) => seen.push(found.ref));
    expect(seen).toEqual(["first", "second"]);
    const mapped = mapRefs(
      { a: [ref("x"), { b: ref("y") }] },
      (found, path) => `${found.ref}@${path.join(".")}`,
    );
    expect(mapped).toEqual({ a: ["x@a.0", { b: "y@a.1.b" }] });
    const proto = mapRefs(JSON.parse('{"__proto__": {"polluted": 1}}'), () => undefined) as object;
    expect(Object.getPrototypeOf(proto)).toBe(Object.prototype);
    expect(Object.keys(proto)).toEqual(["__proto__"]);
  });
});

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildValue } from "../../src/construct/build.js";
import { Lazy } from "../../src/construct/lazy.js";
import { ConfigurationError } from "../../src/errors.js";
import type { ProjectTypes, TypeDescription } from "../../src/types/type-description.js";
import {
  CharacterTokenizer,
  Counter,
  type Holder,
  type Model,
  Processor,
  Tokenizer,
  WhitespaceTokenizer,
} from "./support/classes.js";
import { importModule, sampleTypes, t } from "./support/types.js";

const build = (
  type: TypeDescription,
  value: unknown,
  cwd = process.cwd(),
  types: ProjectTypes = sampleTypes,
) => buildValue(type, value, { types, importModule, cwd, path: "steps.x" });

describe("buildValue", () => {
  it("constructs a class by constructor parameter names, leaving defaults to the constructor", async () => {
    const processor = await build(t.cls("Processor"), { name: "Alice" });
    expect(processor).toBeInstanceOf(Processor);
    expect(processor).toEqual({ name: "Alice", size: 3 });
    expect(await build(t.cls("Processor"), { size: 5, name: "Bob" })).toEqual({ name: "Bob", size: 5 });
  });

  it("constructs a class from a single options object", async () => {
    const counter = (await build(t.cls("Counter"), { start: 4 })) as Counter;
    expect(counter).toBeInstanceOf(Counter);
    expect([counter.start, counter.step]).toEqual([4, 1]);
  });

  it('passes "*" as positional arguments, then named keys after them', async () => {
    expect(await build(t.cls("Processor"), { "*": ["Carol", 7] })).toEqual({ name: "Carol", size: 7 });
    expect(await build(t.cls("Processor"), { "*": ["Dan"], size: 2 })).toEqual({ name: "Dan", size: 2 });
  });

  it("picks a Registrable subclass by type, registered by decorator or by plain call", async () => {
    const whitespace = await build(t.cls("Tokenizer"), { type: "whitespace", lowercase: true });
    expect(whitespace).toBeInstanceOf(WhitespaceTokenizer);
    expect((whitespace as Tokenizer).tokenize("A b")).toEqual(["a", "b"]);
    const character = await build(t.cls("Tokenizer"), { type: "character", limit: 2 });
    expect(character).toBeInstanceOf(CharacterTokenizer);
    expect((character as Tokenizer).tokenize("abc")).toEqual(["a", "b"]);
  });

  it("imports a subclass's module when its name is not registered yet", async () => {
    expect(Tokenizer.byName("late")).toBeUndefined();
    const late = (await build(t.cls("Tokenizer"), { type: "late", marker: "m" })) as Tokenizer;
    expect(late.tokenize("x")).toEqual(["m", "x"]);
    expect(Tokenizer.byName("late")).toBe(late.constructor);
  });

  it("builds nested classes, Dates and an options object with no keys", async () => {
    const model = (await build(t.cls("Model"), {
      processor: { name: "P" },
      tokenizer: { type: "whitespace" },
      created: "2024-05-06T07:08:09Z",
    })) as Model;
    expect(model.processor).toBeInstanceOf(Processor);
    expect(model.tokenizer).toBeInstanceOf(WhitespaceTokenizer);
    expect((model.tokenizer as WhitespaceTokenizer).lowercase).toBe(false);
    expect(model.created).toEqual(new Date("2024-05-06T07:08:09Z"));
  });

  it("builds arrays, records, Maps (from an object or pairs), Sets, tuples and bigints", async () => {
    const holder = (await build(t.cls("Holder"), {
      items: [{ name: "a" }, { "*": ["b", 1] }],
      byName: { c: { name: "c" } },
      weights: { x: 1, y: 2 },
      tags: ["p", "q", "p"],
      pair: ["when", "2020-01-02"],
      big: "12345678901234567890",
    })) as Holder;
    expect(holder.items.map((item) => item instanceof Processor)).toEqual([true, true]);
    expect(holder.items[1]).toEqual({ name: "b", size: 1 });
    expect(holder.byName.c).toBeInstanceOf(Processor);
    expect(holder.weights).toEqual(
      new Map([
        ["x", 1],
        ["y", 2],
      ]),
    );
    expect(holder.tags).toEqual(new Set(["p", "q"]));
    expect(holder.pair).toEqual(["when", new Date("2020-01-02")]);
    expect(holder.big).toBe(12345678901234567890n);

    const pairs = await build({ kind: "map", key: t.number, value: t.cls("Processor") }, [
      [1, { name: "one" }],
    ]);
    expect(pairs).toBeInstanceOf(Map);
    expect((pairs as Map<number, Processor>).get(1)).toBeInstanceOf(Processor);
    const numericKeys = await build({ kind: "map", key: t.number, value: t.string }, { "2": "two" });
    expect(numericKeys).toEqual(new Map([[2, "two"]]));
  });

  it("builds recursive named types and picks the fitting union member", async () => {
    const tree = await build({ kind: "named", id: "Tree" }, { label: "root", children: [{ label: "leaf" }] });
    expect(tree).toEqual({ label: "root", children: [{ label: "leaf" }] });
    const either = t.union(t.string, t.cls("Processor"));
    expect(await build(either, "plain")).toBe("plain");
    expect(await build(either, { name: "p" })).toBeInstanceOf(Processor);
    expect(await build(t.union(t.string, t.date), "2020-01-01")).toBe("2020-01-01");
  });

  it("passes values typed any through as they are, and already built objects too", async () => {
    const config = { type: "node:url:URL", nested: { a: [1] } };
    expect(await build(t.any, config)).toBe(config);
    const processor = new Processor("built");
    expect(await build(t.cls("Processor"), processor)).toBe(processor);
    const date = new Date(0);
    expect(await build(t.date, date)).toBe(date);
  });

  it("gives Lazy<T>: a fresh T on each construct, extra arguments merged over the config", async () => {
    const lazy = (await build(
      { kind: "lazy", target: t.cls("Processor") },
      { name: "from config", size: 1 },
    )) as Lazy<Processor>;
    expect(lazy).toBeInstanceOf(Lazy);
    expect(lazy.config).toEqual({ name: "from config", size: 1 });
    const first = lazy.construct();
    const second = lazy.construct({ size: 9 });
    expect(first).toBeInstanceOf(Processor);
    expect(first).toEqual({ name: "from config", size: 1 });
    expect(second).toEqual({ name: "from config", size: 9 });
    expect(lazy.construct()).not.toBe(first);
  });

  it("Lazy builds nested config and takes built objects as extra arguments", async () => {
    const lazy = (await build(
      { kind: "lazy", target: t.cls("Model") },
      { tokenizer: { type: "late" } },
    )) as Lazy<Model>;
    const processor = new Processor("given");
    const model = lazy.construct({ processor });
    expect(model.processor).toBe(processor);
    expect(model.tokenizer.tokenize("y")).toEqual(["late", "y"]);
    expect(lazy.construct({ processor }).tokenizer).not.toBe(model.tokenizer);
  });

  it("passes built objects through inside containers and union positions", async () => {
    const processors = [new Processor("a"), new Processor("b")];
    const either = t.union(t.string, t.array(t.cls("Processor")));
    const built = (await build(either, processors)) as Processor[];
    expect(built[0]).toBe(processors[0]);
    expect(built[1]).toBe(processors[1]);
    const weights = new Map([["w", 1]]);
    expect(await build({ kind: "map", key: t.string, value: t.number }, weights)).toBe(weights);
  });

  it("runs each constructor once per built object", async () => {
    const before = Counter.constructed;
    await build(t.array(t.cls("Counter")), [{ start: 1 }, { start: 2 }]);
    expect(Counter.constructed - before).toBe(2);
  });

  describe("type: 'module:Export'", () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), "formed-construct-"));
      writeFileSync(
        join(dir, "shapes.ts"),
        "export class Square { side: number; constructor(opts: { side: number }) { this.side = opts.side; } area(): number { return this.side * this.side; } }\n",
      );
      writeFileSync(
        join(dir, "greet.mjs"),
        'export function greet({ name }) { return "hello " + name; }\nexport function add(a, b) { return a + b; }\n',
      );
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it("constructs a class of a relative .ts file with the keys as its options object", async () => {
      // An interface position (interface Shape { area(): number }) takes any class that fits it.
      const shape: TypeDescription = { kind: "object", properties: [] };
      const square = (await build(shape, { type: "./shapes.ts:Square", side: 3 }, dir)) as { area(): number };
      expect(square.area()).toBe(9);
    });

    it("calls a function of a relative .mjs file with the keys as one object, or positionally", async () => {
      expect(await build(t.cls("Processor"), { type: "./greet.mjs:greet", name: "Ann" }, dir)).toBe(
        "hello Ann",
      );
      expect(await build({ kind: "function" }, { type: "./greet.mjs:add", "*": [2, 3] }, dir)).toBe(5);
    });

    it("returns the function itself where a function is wanted and no arguments are given", async () => {
      const add = (await build({ kind: "function" }, { type: "./greet.mjs:add" }, dir)) as (
        a: number,
        b: number,
      ) => number;
      expect(add(1, 2)).toBe(3);
    });

    it("constructs node:url:URL with positional arguments, split at the last colon", async () => {
      const url = await build(t.cls("Tokenizer"), {
        type: "node:url:URL",
        "*": ["https://example.com/a?b=1"],
      });
      expect(url).toBeInstanceOf(URL);
      expect((url as URL).searchParams.get("b")).toBe("1");
    });

    it("fails with the config path when the module or export does not exist", async () => {
      await expect(build(t.cls("Processor"), { type: "./missing.mjs:X" }, dir)).rejects.toThrow(
        /\[steps\.x\] cannot import \.\/missing\.mjs/,
      );
      await expect(build(t.cls("Processor"), { type: "./greet.mjs:nope" }, dir)).rejects.toThrow(
        '[steps.x.type] ./greet.mjs has no export "nope"',
      );
    });
  });

  it("builds a built-in class position (URL) from a module reference, and passes built values", async () => {
    const builtin: TypeDescription = { kind: "builtin", name: "URL" };
    const url = await build(builtin, { type: "node:url:URL", "*": ["https://example.org/a"] });
    expect(url).toBeInstanceOf(URL);
    expect(String(url)).toBe("https://example.org/a");
    const given = new URL("https://example.org/b");
    expect(await build(builtin, given)).toBe(given);
    const list = (await build({ kind: "array", element: builtin }, [
      { type: "node:url:URL", "*": ["https://example.org/c"] },
    ])) as URL[];
    expect(list[0]).toBeInstanceOf(URL);
  });

  it("turns a stack overflow on deep config into a ConfigurationError with the path", async () => {
    // A value deeper than the stack allows (validation refuses it before; build must not crash either).
    let value: unknown = {};
    for (let i = 0; i < 20_000; i++) value = { next: value };
    const type: TypeDescription = {
      kind: "named",
      id: "Chain",
    };
    const types: ProjectTypes = {
      steps: {},
      definitions: {
        Chain: {
          kind: "named",
          name: "Chain",
          type: { kind: "object", properties: [{ name: "next", type, optional: true }] },
        },
      },
    };
    const error = await build(type, value, process.cwd(), types).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).message).toMatch(
      /^\[steps\.x\.next\.next\.next\.next\.next\.next\.\.\.\] nested too deeply to build against its type \(the call stack ran out \d+ levels down\)/,
    );
  });

  it("reports a throwing constructor as a ConfigurationError at the path", async () => {
    const error = await build(
      { kind: "object", properties: [] },
      { type: "node:url:URL", "*": ["not a url"] },
    ).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).issues[0]?.path).toBe("steps.x");
    expect((error as ConfigurationError).message).toMatch(/^\[steps\.x\] node:url:URL threw: /);
  });
});

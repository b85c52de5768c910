import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { analyzeProjectTypes } from "../../../src/types/analyzer/index.js";
import type {
  ClassDescription,
  NamedDescription,
  ProjectTypes,
  PropertyDescription,
  TypeDescription,
} from "../../../src/types/type-description.js";
import { fixtureProject } from "./fixture-project.js";

const STEPS = `
import { step, type Ignore, type Lazy } from "formed";
import { Color, Shape, Tokenizer, Processor, Box, Pair, type Tree, type Json } from "./models.js";
import { Vendor } from "vendor-lib";
interface Wrapper<T> { item: T; list: T[] }
type KeyValue<V> = { key: string; value: V };
import { Sub } from "vendor-lib/sub";

/** Everything at once. */
export const everything = step(
  ({ size = 3, label = "x", tags = ["a"] }: {
    /** How many. */
    size?: number;
    label?: string;
    tags?: string[];
    flag: boolean;
    maybe?: boolean;
    big: bigint;
    nothing: null;
    mode: "fast" | "slow";
    code: 1 | 2;
    color: Color;
    maybeColor?: Color;
    shape: Shape;
    list: Array<number>;
    frozen: ReadonlyArray<string>;
    pair: [string, number];
    rest: [string, ...number[]];
    optionalTuple: [string, number?];
    scores: Record<string, number>;
    indexed: { [key: string]: boolean };
    mixed: { fixed: string; [key: string]: string };
    map: Map<string, number>;
    set: Set<string>;
    when: Date;
    either: string | number;
    nested: { inner: { deep: string } };
    device: Ignore<string>;
    later: Lazy<Processor>;
    anything: unknown;
    callback: (x: number) => number;
  }) => size,
);

export const classes = step(({ processor, tokenizer, box, pair, vendor, sub }: {
  processor: Processor; tokenizer: Tokenizer; box: Box<number>; pair: Pair<string>; vendor: Vendor; sub: Sub;
}) => processor.name);

export const generics = step(({ wrapped, pair }: { wrapped: Wrapper<string>; pair: KeyValue<number> }) => wrapped.item);

export const recursive = step(({ tree, json }: { tree: Tree; json: Json }) => tree.value);

export const noParameter = step(() => 1);

export const asyncStep = step(async ({ n }: { n: number }) => ({ doubled: n * 2 }));

export const generatorStep = step(function* ({ n }: { n: number }) { yield String(n); });

export const asyncGeneratorStep = step(async function* ({ n }: { n: number }) { yield n > 0; });

export const withOptions = step({ name: "with-options" }, (args: Record<string, number>): number[] => Object.values(args));

export const iterableIn = step(({ values }: { values: Iterable<number> }): Promise<Set<number>> => Promise.resolve(new Set(values)));

function named({ n }: { n: number }): string { return String(n); }
export const byName = step(named);

export const wholeDefault = step((options: { a?: number; b?: string } = { a: 1, b: "two" }) => options.a);
`;

const MODELS = `
import { Registrable } from "formed";

export enum Color { Red = "red", Green = "green" }
export enum Shape { Circle, Square }

/** Splits text into tokens. */
export abstract class Tokenizer extends Registrable {
  abstract tokenize(s: string): string[];
}

@Tokenizer.register("whitespace")
export class WhitespaceTokenizer extends Tokenizer {
  constructor({ lowercase = false }: {
    /** Lowercase first. */
    lowercase?: boolean;
  } = {}) { super(); void lowercase; }
  tokenize(s: string) { return s.split(" "); }
}

export class CharacterTokenizer extends Tokenizer {
  constructor(public readonly limit = 10) { super(); }
  tokenize(s: string) { return [...s].slice(0, this.limit); }
}
Tokenizer.register("character")(CharacterTokenizer);

/** A processor with a name. */
export class Processor {
  /**
   * @param name Who processes.
   * @param size How much.
   */
  constructor(public name: string, public size = 3, public mode: "a" | "b" = "a") {}
}

export class Box<T> {
  constructor(public value: T, public items: T[] = []) {}
}

export class Pair<T> extends Box<T> {}

/** A tree of numbers. */
export interface Tree { value: number; children: Tree[] }

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
`;

const VENDOR_INDEX = `
export declare class Vendor {
  constructor(options: { url: string; retries?: number });
}
`;
const VENDOR_SUB = `
export declare class Sub {
  constructor(level: number);
}
`;

let types: ProjectTypes;
let dir: string;

const STEP_NAMES = [
  "everything",
  "classes",
  "recursive",
  "generics",
  "noParameter",
  "asyncStep",
  "generatorStep",
  "asyncGeneratorStep",
  "withOptions",
  "iterableIn",
  "byName",
  "wholeDefault",
];

beforeAll(async () => {
  dir = fixtureProject({
    "steps.ts": STEPS,
    "models.ts": MODELS,
    "node_modules/vendor-lib/package.json": JSON.stringify({
      name: "vendor-lib",
      types: "index.d.ts",
      exports: { ".": { types: "./index.d.ts" }, "./sub": { types: "./sub.d.ts" } },
    }),
    "node_modules/vendor-lib/index.d.ts": VENDOR_INDEX,
    "node_modules/vendor-lib/sub.d.ts": VENDOR_SUB,
  });
  types = await analyzeProjectTypes({
    cwd: dir,
    steps: STEP_NAMES.map((name) => ({ name, file: "steps.ts", exportName: name })),
  });
});

function parameterOf(step: string): Extract<TypeDescription, { kind: "object" }> {
  const parameter = types.steps[step]?.parameter;
  if (parameter?.kind !== "object") throw new Error(`${step}: parameter is ${JSON.stringify(parameter)}`);
  return parameter;
}

function prop(step: string, name: string): PropertyDescription {
  const found = parameterOf(step).properties.find((property) => property.name === name);
  if (found === undefined) throw new Error(`${step}.${name} missing`);
  return found;
}

function classDef(id: string): ClassDescription {
  const definition = types.definitions[id];
  if (definition?.kind !== "class") throw new Error(`${id}: ${JSON.stringify(definition)}`);
  return definition;
}

describe("analyzer: type forms", () => {
  it("describes primitives, literals and literal unions", () => {
    expect(prop("everything", "flag").type).toEqual({ kind: "boolean" });
    expect(prop("everything", "maybe")).toMatchObject({ type: { kind: "boolean" }, optional: true });
    expect(prop("everything", "big").type).toEqual({ kind: "bigint" });
    expect(prop("everything", "nothing").type).toEqual({ kind: "null" });
    expect(prop("everything", "mode").type).toEqual({
      kind: "union",
      members: [
        { kind: "literal", value: "fast" },
        { kind: "literal", value: "slow" },
      ],
    });
    expect(prop("everything", "code").type).toEqual({
      kind: "union",
      members: [
        { kind: "literal", value: 1 },
        { kind: "literal", value: 2 },
      ],
    });
    expect(prop("everything", "either").type).toEqual({
      kind: "union",
      members: [{ kind: "string" }, { kind: "number" }],
    });
    expect(prop("everything", "anything").type).toEqual({ kind: "any" });
    expect(prop("everything", "callback").type).toEqual({ kind: "function" });
  });

  it("describes string and numeric enums, also optional", () => {
    const color = {
      kind: "enum",
      name: "Color",
      members: [
        { name: "Red", value: "red" },
        { name: "Green", value: "green" },
      ],
    };
    expect(prop("everything", "color").type).toEqual(color);
    expect(prop("everything", "maybeColor")).toMatchObject({ type: color, optional: true });
    expect(prop("everything", "shape").type).toEqual({
      kind: "enum",
      name: "Shape",
      members: [
        { name: "Circle", value: 0 },
        { name: "Square", value: 1 },
      ],
    });
  });

  it("describes arrays, tuples, records, index signatures, Map, Set and Date", () => {
    expect(prop("everything", "list").type).toEqual({ kind: "array", element: { kind: "number" } });
    expect(prop("everything", "frozen").type).toEqual({ kind: "array", element: { kind: "string" } });
    expect(prop("everything", "pair").type).toEqual({
      kind: "tuple",
      elements: [{ kind: "string" }, { kind: "number" }],
    });
    expect(prop("everything", "rest").type).toEqual({
      kind: "tuple",
      elements: [{ kind: "string" }],
      rest: { kind: "number" },
    });
    const optionalTuple = prop("everything", "optionalTuple").type;
    expect(optionalTuple).toMatchObject({ kind: "tuple", elements: [{ kind: "string" }, { kind: "union" }] });
    expect((optionalTuple as unknown as { elements: { members: unknown[] }[] }).elements[1]?.members).toEqual(
      expect.arrayContaining([{ kind: "number" }, { kind: "undefined" }]),
    );
    expect(prop("everything", "scores").type).toEqual({ kind: "record", value: { kind: "number" } });
    expect(prop("everything", "indexed").type).toEqual({ kind: "record", value: { kind: "boolean" } });
    expect(prop("everything", "mixed").type).toEqual({
      kind: "object",
      properties: [{ name: "fixed", type: { kind: "string" }, optional: false }],
      additional: { kind: "string" },
    });
    expect(prop("everything", "map").type).toEqual({
      kind: "map",
      key: { kind: "string" },
      value: { kind: "number" },
    });
    expect(prop("everything", "set").type).toEqual({ kind: "set", element: { kind: "string" } });
    expect(prop("everything", "when").type).toEqual({ kind: "date" });
  });

  it("describes nested object literals without additional keys", () => {
    expect(prop("everything", "nested").type).toEqual({
      kind: "object",
      properties: [
        {
          name: "inner",
          type: { kind: "object", properties: [{ name: "deep", type: { kind: "string" }, optional: false }] },
          optional: false,
        },
      ],
    });
  });

  it("reads destructuring defaults, doc comments, Ignore and Lazy", () => {
    expect(types.steps.everything?.description).toBe("Everything at once.");
    expect(prop("everything", "size")).toEqual({
      name: "size",
      type: { kind: "number" },
      optional: true,
      default: 3,
      description: "How many.",
    });
    expect(prop("everything", "label").default).toBe("x");
    expect(prop("everything", "tags").default).toEqual(["a"]);
    expect(prop("everything", "flag").default).toBeUndefined();
    expect(prop("everything", "device")).toMatchObject({ type: { kind: "string" }, ignored: true });
    expect(prop("everything", "size").ignored).toBeUndefined();
    const later = prop("everything", "later").type;
    expect(later).toMatchObject({ kind: "lazy", target: { kind: "class" } });
  });

  it("reads a literal default of the whole argument object", () => {
    expect(parameterOf("wholeDefault").properties).toEqual([
      { name: "a", type: { kind: "number" }, optional: true, default: 1 },
      { name: "b", type: { kind: "string" }, optional: true, default: "two" },
    ]);
  });

  it("unwraps Promise and turns generators and iterables into iterable", () => {
    expect(types.steps.noParameter).toEqual({ name: "noParameter", returns: { kind: "number" } });
    expect(types.steps.asyncStep?.returns).toEqual({
      kind: "object",
      properties: [{ name: "doubled", type: { kind: "number" }, optional: false }],
    });
    expect(types.steps.generatorStep?.returns).toEqual({ kind: "iterable", element: { kind: "string" } });
    expect(types.steps.asyncGeneratorStep?.returns).toEqual({
      kind: "iterable",
      element: { kind: "boolean" },
    });
    expect(types.steps.withOptions).toEqual({
      name: "withOptions",
      parameter: { kind: "record", value: { kind: "number" } },
      returns: { kind: "array", element: { kind: "number" } },
    });
    expect(prop("iterableIn", "values").type).toEqual({ kind: "iterable", element: { kind: "number" } });
    expect(types.steps.iterableIn?.returns).toEqual({ kind: "set", element: { kind: "number" } });
    expect(prop("byName", "n").type).toEqual({ kind: "number" });
    expect(types.steps.byName?.returns).toEqual({ kind: "string" });
  });

  it("describes a class: module, export, constructor parameters with defaults and docs", () => {
    const reference = prop("classes", "processor").type;
    expect(reference).toEqual({ kind: "class", id: "models.ts:Processor" });
    expect(classDef("models.ts:Processor")).toEqual({
      kind: "class",
      name: "Processor",
      module: join(dir, "models.ts"),
      exportName: "Processor",
      abstract: false,
      registrable: false,
      description: "A processor with a name.",
      optionsObject: false,
      parameters: [
        { name: "name", type: { kind: "string" }, optional: false, description: "Who processes." },
        { name: "size", type: { kind: "number" }, optional: true, default: 3, description: "How much." },
        {
          name: "mode",
          type: {
            kind: "union",
            members: [
              { kind: "literal", value: "a" },
              { kind: "literal", value: "b" },
            ],
          },
          optional: true,
          default: "a",
        },
      ],
    });
  });

  it("describes a Registrable base with subclasses registered by decorator and by call", () => {
    expect(prop("classes", "tokenizer").type).toEqual({ kind: "class", id: "models.ts:Tokenizer" });
    const base = classDef("models.ts:Tokenizer");
    expect(base).toMatchObject({
      abstract: true,
      registrable: true,
      description: "Splits text into tokens.",
      registered: { whitespace: "models.ts:WhitespaceTokenizer", character: "models.ts:CharacterTokenizer" },
    });
    expect(classDef("models.ts:WhitespaceTokenizer")).toMatchObject({
      registrable: true,
      abstract: false,
      optionsObject: true,
      parameters: [
        {
          name: "lowercase",
          type: { kind: "boolean" },
          optional: true,
          default: false,
          description: "Lowercase first.",
        },
      ],
    });
    expect(classDef("models.ts:CharacterTokenizer").parameters).toEqual([
      { name: "limit", type: { kind: "number" }, optional: true, default: 10 },
    ]);
  });

  it("instantiates generic classes at the use site, inherited constructors included", () => {
    expect(prop("classes", "box").type).toEqual({ kind: "class", id: "models.ts:Box<number>" });
    expect(classDef("models.ts:Box<number>").parameters).toEqual([
      { name: "value", type: { kind: "number" }, optional: false },
      { name: "items", type: { kind: "array", element: { kind: "number" } }, optional: true, default: [] },
    ]);
    expect(classDef("models.ts:Pair<string>").parameters).toEqual([
      { name: "value", type: { kind: "string" }, optional: false },
      { name: "items", type: { kind: "array", element: { kind: "string" } }, optional: true, default: [] },
    ]);
  });

  it("instantiates generic interfaces and aliases at the use site", () => {
    expect(prop("generics", "wrapped").type).toEqual({
      kind: "object",
      properties: [
        { name: "item", type: { kind: "string" }, optional: false },
        { name: "list", type: { kind: "array", element: { kind: "string" } }, optional: false },
      ],
    });
    expect(prop("generics", "pair").type).toEqual({
      kind: "object",
      properties: [
        { name: "key", type: { kind: "string" }, optional: false },
        { name: "value", type: { kind: "number" }, optional: false },
      ],
    });
  });

  it("maps classes from packages that ship only .d.ts to the package name and subpath", () => {
    const vendor = prop("classes", "vendor").type as { id: string };
    expect(classDef(vendor.id)).toMatchObject({
      module: "vendor-lib",
      exportName: "Vendor",
      optionsObject: true,
      parameters: [
        { name: "url", type: { kind: "string" }, optional: false },
        { name: "retries", type: { kind: "number" }, optional: true },
      ],
    });
    const sub = prop("classes", "sub").type as { id: string };
    expect(classDef(sub.id)).toMatchObject({
      module: "vendor-lib/sub",
      exportName: "Sub",
      optionsObject: false,
      parameters: [{ name: "level", type: { kind: "number" }, optional: false }],
    });
  });

  it("describes recursive types as named definitions, without looping", () => {
    expect(prop("recursive", "tree").type).toEqual({ kind: "named", id: "models.ts:Tree" });
    const tree = types.definitions["models.ts:Tree"] as NamedDescription;
    expect(tree).toEqual({
      kind: "named",
      name: "Tree",
      description: "A tree of numbers.",
      type: {
        kind: "object",
        properties: [
          { name: "value", type: { kind: "number" }, optional: false },
          {
            name: "children",
            type: { kind: "array", element: { kind: "named", id: "models.ts:Tree" } },
            optional: false,
          },
        ],
      },
    });
    expect(prop("recursive", "json").type).toEqual({ kind: "named", id: "models.ts:Json" });
    const json = types.definitions["models.ts:Json"] as NamedDescription;
    expect(json.type.kind).toBe("union");
    expect(JSON.stringify(json.type)).toContain(
      '"kind":"record","value":{"kind":"named","id":"models.ts:Json"}',
    );
  });

  it("is plain JSON", () => {
    expect(JSON.parse(JSON.stringify(types))).toEqual(types);
  });
});

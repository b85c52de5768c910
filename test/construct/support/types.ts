// Hand-written ProjectTypes, as the analyzer would give for ./classes.ts and a few steps.
import { isAbsolute, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type {
  ProjectTypes,
  PropertyDescription,
  TypeDescription,
} from "../../../src/types/type-description.js";

export const classesModule = fileURLToPath(new URL("./classes.ts", import.meta.url));
export const lateModule = fileURLToPath(new URL("./late-tokenizer.ts", import.meta.url));

export const t = {
  any: { kind: "any" },
  string: { kind: "string" },
  number: { kind: "number" },
  boolean: { kind: "boolean" },
  date: { kind: "date" },
  cls: (id: string): TypeDescription => ({ kind: "class", id }),
  array: (element: TypeDescription): TypeDescription => ({ kind: "array", element }),
  literal: (value: string | number | boolean): TypeDescription => ({ kind: "literal", value }),
  union: (...members: TypeDescription[]): TypeDescription => ({ kind: "union", members }),
} as const satisfies Record<string, unknown>;

export function prop(
  name: string,
  type: TypeDescription,
  extra: Partial<PropertyDescription> = {},
): PropertyDescription {
  return { name, type, optional: false, ...extra };
}

export const sampleTypes: ProjectTypes = {
  steps: {
    prepare: {
      name: "prepare",
      description: "Prepares texts.",
      parameter: {
        kind: "object",
        properties: [
          prop("processor", t.cls("Processor"), { description: "How to process." }),
          prop("tokenizer", t.cls("Tokenizer")),
          prop("texts", t.array(t.string)),
          prop("mode", t.union(t.literal("fast"), t.literal("slow"), { kind: "undefined" }), {
            optional: true,
          }),
          prop("when", t.date, { optional: true }),
        ],
      },
      returns: t.array(t.array(t.string)),
    },
    count: {
      name: "count",
      parameter: { kind: "object", properties: [prop("data", t.array(t.number))] },
      returns: t.number,
    },
    load: { name: "load", returns: t.array(t.string) },
    train: {
      name: "train",
      parameter: {
        kind: "object",
        properties: [
          prop("model", { kind: "lazy", target: t.cls("Model") }),
          prop("counter", t.cls("Counter"), { optional: true }),
          prop("callback", { kind: "function" }, { optional: true }),
          prop("extra", t.any, { optional: true }),
        ],
      },
      returns: { kind: "any" },
    },
  },
  definitions: {
    Tokenizer: {
      kind: "class",
      name: "Tokenizer",
      module: classesModule,
      exportName: "Tokenizer",
      abstract: true,
      registrable: true,
      parameters: [],
      optionsObject: false,
      registered: {
        whitespace: "WhitespaceTokenizer",
        character: "CharacterTokenizer",
        late: "LateTokenizer",
      },
      description: "Splits text.",
    },
    WhitespaceTokenizer: {
      kind: "class",
      name: "WhitespaceTokenizer",
      module: classesModule,
      exportName: "WhitespaceTokenizer",
      abstract: false,
      registrable: true,
      // An options object: `parameters` are its properties.
      parameters: [prop("lowercase", t.boolean, { optional: true })],
      optionsObject: true,
    },
    CharacterTokenizer: {
      kind: "class",
      name: "CharacterTokenizer",
      module: classesModule,
      exportName: "CharacterTokenizer",
      abstract: false,
      registrable: true,
      parameters: [prop("limit", t.number, { optional: true, default: 10 })],
      optionsObject: false,
    },
    LateTokenizer: {
      kind: "class",
      name: "LateTokenizer",
      module: lateModule,
      exportName: "LateTokenizer",
      abstract: false,
      registrable: true,
      parameters: [prop("marker", t.string, { optional: true, default: "late" })],
      optionsObject: false,
    },
    Processor: {
      kind: "class",
      name: "Processor",
      module: classesModule,
      exportName: "Processor",
      abstract: false,
      registrable: false,
      parameters: [prop("name", t.string), prop("size", t.number, { optional: true, default: 3 })],
      optionsObject: false,
    },
    Model: {
      kind: "class",
      name: "Model",
      module: classesModule,
      exportName: "Model",
      abstract: false,
      registrable: false,
      parameters: [
        prop("processor", t.cls("Processor")),
        prop("tokenizer", t.cls("Tokenizer")),
        prop("created", t.date, { optional: true }),
      ],
      optionsObject: false,
    },
    Counter: {
      kind: "class",
      name: "Counter",
      module: classesModule,
      exportName: "Counter",
      abstract: false,
      registrable: false,
      parameters: [prop("start", t.number), prop("step", t.number, { optional: true })],
      optionsObject: true,
    },
    Holder: {
      kind: "class",
      name: "Holder",
      module: classesModule,
      exportName: "Holder",
      abstract: false,
      registrable: false,
      parameters: [
        prop("items", t.array(t.cls("Processor"))),
        prop("byName", { kind: "record", value: t.cls("Processor") }),
        prop("weights", { kind: "map", key: t.string, value: t.number }),
        prop("tags", { kind: "set", element: t.string }),
        prop("pair", { kind: "tuple", elements: [t.string, t.date] }),
        prop("big", { kind: "bigint" }, { optional: true }),
      ],
      optionsObject: false,
    },
    Tree: {
      kind: "named",
      name: "Tree",
      type: {
        kind: "object",
        properties: [
          prop("label", t.string),
          prop("children", t.array({ kind: "named", id: "Tree" }), { optional: true }),
        ],
      },
    },
  },
};

/** What the workflow's caller supplies: imports by absolute path, relative to fromDir, or by name. */
export async function importModule(specifier: string, fromDir: string): Promise<Record<string, unknown>> {
  const target = specifier.startsWith(".") ? resolve(fromDir, specifier) : specifier;
  return (await import(isAbsolute(target) ? target : target)) as Record<string, unknown>;
}

import { Ajv2020 } from "ajv/dist/2020.js";
import { describe, expect, it } from "vitest";
import { validateStepArguments } from "../../src/construct/validate.js";
import { EDITOR_KEYWORDS, whenType } from "../../src/schema/editor-shapes.js";
import { projectJsonSchema } from "../../src/schema/json-schema.js";
import { sampleTypes, t } from "../construct/support/types.js";

const schema = projectJsonSchema(sampleTypes) as Record<string, unknown> & {
  $defs: Record<string, Record<string, unknown>>;
};
// strictTuples is off: "*" is a tuple whose trailing elements (defaulted parameters) may be left out.
const ajv = new Ajv2020({ strict: true, strictTuples: false, allErrors: true }).addVocabulary([
  ...EDITOR_KEYWORDS,
]);
const validate = ajv.compile(schema);

/** What `formed workflow check` would say about the steps' arguments. */
function validatorAccepts(config: { steps: Record<string, Record<string, unknown>> }): boolean {
  return Object.entries(config.steps).every(([name, step]) => {
    const { type, ...args } = step;
    return validateStepArguments(sampleTypes, String(type), args, `steps.${name}`).length === 0;
  });
}

const prepared = {
  type: "prepare",
  processor: { name: "Alice" },
  tokenizer: { type: "whitespace", lowercase: true },
  texts: ["a b"],
};

const accepted: Record<string, unknown>[] = [
  { steps: { prepared } },
  {
    $schema: "./schema.json",
    steps: { prepared: { ...prepared, mode: "slow", when: "2024-01-02T03:04:05Z" } },
  },
  { steps: { prepared: { ...prepared, processor: { "*": ["Bob", 3] }, tokenizer: { type: "character" } } } },
  { steps: { prepared: { ...prepared, processor: { "*": ["Bob"], size: 3 } } } },
  { steps: { prepared: { ...prepared, tokenizer: { type: "late", marker: "m" } } } },
  { steps: { prepared: { ...prepared, tokenizer: { type: "node:url:URL", "*": ["https://x"] } } } },
  { steps: { prepared: { ...prepared, processor: { type: "./processors.ts:Fancy", speed: 2 } } } },
  { steps: { loaded: { type: "load" }, prepared: { ...prepared, texts: { type: "ref", ref: "loaded" } } } },
  { steps: { prepared: { ...prepared, texts: ["a", { type: "ref", ref: "x.field" }] } } },
  { steps: { prepared: { ...prepared, processor: { name: { type: "ref", ref: "x" } } } } },
  { steps: { prepared: { ...prepared, tokenizer: { type: "ref", ref: "x" } } } },
  { steps: { c: { type: "count", data: [1, 2.5] } } },
  { steps: { t: { type: "train", model: {} } } },
  {
    steps: {
      t: { type: "train", model: { tokenizer: { type: "whitespace" } }, counter: { start: 1, step: 2 } },
    },
  },
  {
    steps: {
      t: { type: "train", model: {}, counter: { "*": [{ start: 1 }] }, callback: { type: "pkg/sub:fn" } },
    },
  },
  { steps: { t: { type: "train", model: {}, extra: { anything: [1, "x", null] } } } },
];

// Rejected by the validator for type reasons: the schema must reject them too.
const rejected: Record<string, unknown>[] = [
  { steps: { prepared: { ...prepared, processor: { name: "Alice", size: "3" } } } },
  { steps: { prepared: { ...prepared, processor: { name: "Alice", sise: 3 } } } },
  { steps: { prepared: { ...prepared, processor: {} } } },
  { steps: { prepared: { ...prepared, tokenizer: { type: "x" } } } },
  { steps: { prepared: { ...prepared, tokenizer: {} } } },
  { steps: { prepared: { ...prepared, tokenizer: { type: "whitespace", limit: 3 } } } },
  { steps: { prepared: { ...prepared, mode: "medium" } } },
  { steps: { prepared: { ...prepared, when: "yesterday" } } },
  { steps: { prepared: { ...prepared, texts: "a b" } } },
  { steps: { prepared: { ...prepared, extra: 1 } } },
  { steps: { prepared: { ...prepared, processor: { "*": ["a", 1, 2] } } } },
  { steps: { prepared: { ...prepared, processor: { type: "Fancy" } } } },
  { steps: { c: { type: "count", data: ["1"] } } },
  { steps: { l: { type: "load", x: 1 } } },
  { steps: { t: { type: "train", model: { processor: { name: 1 } } } } },
  { steps: { t: { type: "train", model: {}, counter: {} } } },
  { steps: { t: { type: "train", model: {}, callback: "fn" } } },
];

describe("projectJsonSchema", () => {
  it("is a draft 2020-12 schema that ajv compiles in strict mode", () => {
    expect(schema.$schema).toBe("https://json-schema.org/draft/2020-12/schema");
    expect(ajv.validateSchema(schema)).toBe(true);
  });

  it("gives a step's type as one enum of every step, each step's keys in an if/then on it", () => {
    const anyStep = schema.$defs.step!;
    const type = (anyStep.properties as Record<string, Record<string, unknown>>).type!;
    expect(type.enum).toEqual(["prepare", "count", "load", "train"]);
    expect((type.markdownEnumDescriptions as string[])[0]).toMatch(
      /^Prepares texts\.\n\n`\{ processor: Processor;/,
    );
    expect(anyStep.required).toEqual(["type"]);
    expect(anyStep.allOf).toContainEqual(whenType("prepare", { $ref: "#/$defs/step.prepare" }));
    expect(whenType("prepare", {}).if).toEqual({
      properties: { type: { const: "prepare" } },
      required: ["type"],
    });
    const steps = (schema.properties as Record<string, Record<string, unknown>>).steps!;
    expect(steps.additionalProperties).toEqual({ $ref: "#/$defs/step" });

    const step = schema.$defs["step.prepare"]!;
    expect(step.description).toBe("Prepares texts.");
    expect(step.additionalProperties).toBe(false);
    expect(step.required).toEqual(["processor", "tokenizer", "texts"]);
    const properties = step.properties as Record<string, Record<string, unknown>>;
    expect(properties.type).toBe(true);
    expect(properties.processor?.description).toBe("How to process.");
    expect(properties.processor?.markdownDescription).toBe("How to process.\n\n`processor: Processor`");
  });

  it("gives a Registrable base's type as one enum of its registered names and ref, with a branch each", () => {
    const tokenizer = schema.$defs.Tokenizer!;
    expect(tokenizer.title).toBe("Tokenizer");
    expect(tokenizer.required).toEqual(["type"]);
    const type = (tokenizer.properties as Record<string, Record<string, unknown>>).type!;
    const [names, moduleReference] = type.anyOf as Record<string, unknown>[];
    expect(names?.enum).toEqual(["whitespace", "character", "late", "ref"]);
    expect(moduleReference).toEqual({ type: "string", pattern: expect.any(String) });
    const branches = tokenizer.allOf as { if: unknown; then: unknown }[];
    expect(branches.map((branch) => branch.if)).toEqual([
      ...["whitespace", "character", "late", "ref"].map((name) => ({
        properties: { type: { const: name } },
        required: ["type"],
      })),
      { properties: { type: moduleReference }, required: ["type"] },
    ]);
    expect(branches.at(-1)?.then).toEqual({ $ref: "#/$defs/moduleReference" });
  });

  it("carries a record parameter's value type into additionalProperties", () => {
    const types = {
      steps: { sum: { name: "sum", parameter: { kind: "record", value: t.number }, returns: t.number } },
      definitions: {},
    } as const;
    const check = new Ajv2020({ strict: true })
      .addVocabulary([...EDITOR_KEYWORDS])
      .compile(projectJsonSchema(types));
    expect(check({ steps: { s: { type: "sum", a: 1, "3": 2 } } })).toBe(true);
    expect(check({ steps: { s: { type: "sum", a: 1, "3": "x" } } })).toBe(false);
    expect(check({ steps: { s: { type: "sum", a: { type: "ref", ref: "x" } } } })).toBe(true);
    expect(validateStepArguments(types, "sum", { "3": "x" }, "steps.s")).toEqual([
      { path: "steps.s.3", message: expect.stringContaining("expected number") },
    ]);
  });

  it("accepts every config the validator accepts", () => {
    for (const config of accepted) {
      expect(validatorAccepts(config as never), JSON.stringify(config)).toBe(true);
      const valid = validate(config);
      expect(valid, `${JSON.stringify(config)}\n${ajv.errorsText(validate.errors)}`).toBe(true);
    }
  });

  it("rejects configs the validator rejects for type reasons", () => {
    for (const config of rejected) {
      expect(validatorAccepts(config as never), JSON.stringify(config)).toBe(false);
      expect(validate(config), JSON.stringify(config)).toBe(false);
    }
  });

  it("rejects a wrong outer shape and unknown step types", () => {
    expect(validate({ steps: { a: { type: "nope" } } })).toBe(false);
    expect(validate({ steps: {}, other: 1 })).toBe(false);
    expect(validate({})).toBe(false);
    expect(validate({ steps: {} })).toBe(true);
  });

  it("rejects a ref without its step name, as the graph does, in a Registrable position too", () => {
    expect(validate({ steps: { prepared: { ...prepared, tokenizer: { type: "ref" } } } })).toBe(false);
    expect(validate({ steps: { prepared: { ...prepared, texts: { type: "ref", ref: 1 } } } })).toBe(false);
  });

  it("generates a schema for a project without steps", () => {
    const empty = projectJsonSchema({ steps: {}, definitions: {} });
    const check = new Ajv2020({ strict: true, strictTuples: false })
      .addVocabulary([...EDITOR_KEYWORDS])
      .compile(empty);
    expect(check({ steps: {} })).toBe(true);
    expect(check({ steps: { a: { type: "x" } } })).toBe(false);
  });
});

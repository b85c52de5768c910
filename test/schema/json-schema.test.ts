import { Ajv2020 } from "ajv/dist/2020.js";
import { describe, expect, it } from "vitest";
import { validateStepArguments } from "../../src/construct/validate.js";
import { projectJsonSchema } from "../../src/schema/json-schema.js";
import { sampleTypes } from "../construct/support/types.js";

const schema = projectJsonSchema(sampleTypes) as Record<string, unknown> & {
  $defs: Record<string, Record<string, unknown>>;
};
// strictTuples is off: "*" is a tuple whose trailing elements (defaulted parameters) may be left out.
const ajv = new Ajv2020({ strict: true, strictTuples: false, allErrors: true });
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

  it("has one alternative per registered step, with its type, descriptions and required keys", () => {
    const step = schema.$defs["step.prepare"]!;
    expect(step.description).toBe("Prepares texts.");
    expect(step.additionalProperties).toBe(false);
    expect(step.required).toEqual(["type", "processor", "tokenizer", "texts"]);
    const properties = step.properties as Record<string, Record<string, unknown>>;
    expect(properties.type).toEqual({ const: "prepare" });
    expect(properties.processor?.description).toBe("How to process.");
    const steps = (schema.properties as Record<string, Record<string, unknown>>).steps!;
    expect((steps.additionalProperties as { oneOf: unknown[] }).oneOf).toHaveLength(4);
  });

  it("gives a Registrable base as oneOf over its registered subclasses by type const", () => {
    const tokenizer = schema.$defs.Tokenizer!;
    expect(tokenizer.description).toBe("Splits text.");
    const alternatives = tokenizer.oneOf as Record<string, { type?: unknown }>[];
    expect(
      alternatives.map((alternative) => (alternative.properties as { type?: unknown } | undefined)?.type),
    ).toEqual([{ const: "whitespace" }, { const: "character" }, { const: "late" }, undefined]);
    expect(alternatives.at(-1)).toEqual({ $ref: "#/$defs/moduleReference" });
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

  it("generates a schema for a project without steps", () => {
    const empty = projectJsonSchema({ steps: {}, definitions: {} });
    const check = new Ajv2020({ strict: true, strictTuples: false }).compile(empty);
    expect(check({ steps: {} })).toBe(true);
    expect(check({ steps: { a: { type: "x" } } })).toBe(false);
  });
});

/**
 * The shapes the schema gives editors, checked against VS Code's JSON language service
 * (`vscode-json-languageservice`, test/schema/): which keywords it reads beyond JSON Schema,
 * and the one shape of a position whose `type` key picks what the rest of the object means.
 *
 * Why `enum` plus `if`/`then`, not `oneOf` over one branch per type: the service completes a
 * value from the alternatives it judges best for the whole object, so inside quotes
 * (`"type": "|"`) it offered a single branch's const; an unknown type got `Value must be "x"`,
 * one guess. One `enum` on `type`, outside any alternative, always matches: every type is
 * offered quoted or not, an unknown type is answered with the list, and the value's hover text
 * comes from `markdownEnumDescriptions`. Each `then` holds one type's other keys.
 */

export type Schema = Record<string, unknown>;

/**
 * Annotation keywords VS Code's JSON service reads that JSON Schema does not define. A strict
 * validator must be told about them, e.g. `ajv.addVocabulary(EDITOR_KEYWORDS)`.
 */
export const EDITOR_KEYWORDS: readonly string[] = [
  "markdownDescription",
  "enumDescriptions",
  "markdownEnumDescriptions",
];

/** One value `type` may take: its name, its doc comment, and a line of detail (a signature). */
export interface TypeChoice {
  readonly name: string;
  readonly doc?: string | undefined;
  readonly detail?: string | undefined;
}

/**
 * `description` (the doc comment, for every client) and `markdownDescription` (doc and detail,
 * what VS Code shows); nothing when there is neither.
 */
export function annotations(doc: string | undefined, detail?: string): Schema {
  const text = doc?.trim();
  const result: Schema = {};
  if (text !== undefined && text !== "") result.description = text;
  const markdown = [text, detail].filter((part) => part !== undefined && part !== "").join("\n\n");
  if (markdown !== "") result.markdownDescription = markdown;
  return result;
}

/** The `enum` of a `type` key, with each value's hover and completion text. */
export function typeEnum(choices: readonly TypeChoice[]): Schema {
  return {
    enum: choices.map((choice) => choice.name),
    enumDescriptions: choices.map((choice) => choice.doc?.trim() ?? ""),
    markdownEnumDescriptions: choices.map((choice) =>
      [choice.doc?.trim(), choice.detail].filter((part) => part !== undefined && part !== "").join("\n\n"),
    ),
  };
}

/** `if` the condition holds, `then` the branch. */
export function when(condition: Schema, then: Schema): Schema {
  return { if: condition, then };
}

/** `if` the object's `type` is `name`, `then` the branch. */
export function whenType(name: string, then: Schema): Schema {
  return when({ properties: { type: { const: name } }, required: ["type"] }, then);
}

/** `if` the object has a `type` key at all. */
export const HAS_TYPE: Schema = { properties: { type: true }, required: ["type"] };

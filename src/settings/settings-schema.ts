/**
 * JSON Schema (draft-07, as ajv validates by default) of formed.yml. `description` doubles as the
 * "expected ..." wording of validation messages, so keep it a short noun phrase.
 */

/** `workflow.organizer` / `workflow.executor`: a type name, or an object with a `type` and its options. */
const componentSchema = {
  description: 'a type name or an object with a "type"',
  type: ["string", "object"],
  // Object keywords do not apply to a string, so the shorthand passes these untouched.
  required: ["type"],
  properties: { type: { description: "a string naming the type", type: "string" } },
} as const;

export const settingsSchema = {
  $schema: "http://json-schema.org/draft-07/schema#",
  title: "formed.yml",
  description: "a mapping of settings",
  type: "object",
  additionalProperties: false,
  properties: {
    workflow: {
      description: "a mapping with organizer and executor",
      type: "object",
      additionalProperties: false,
      properties: {
        organizer: componentSchema,
        executor: componentSchema,
      },
    },
    required_modules: {
      description: "a list of module names or paths",
      type: "array",
      items: { description: "a module name or path", type: "string" },
    },
    environment: {
      description: "a mapping of variable names to values",
      type: "object",
      additionalProperties: {
        description: "a string, number or boolean",
        type: ["string", "number", "boolean"],
      },
    },
    logging: {
      description: "a mapping with level and file",
      type: "object",
      additionalProperties: false,
      properties: {
        level: { description: "a log level", enum: ["debug", "info", "warn", "error"] },
        file: { description: "a file path", type: "string" },
      },
    },
  },
} as const;

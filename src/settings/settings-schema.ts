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

/** `workflow.remote_cache`: a shared store behind the local cache (see src/cache/remote-cache.ts). */
const remoteCacheSchema = {
  description: 'a mapping with "type: s3" and a "bucket"',
  type: "object",
  additionalProperties: false,
  required: ["type", "bucket"],
  properties: {
    type: { description: "the store type", enum: ["s3"] },
    bucket: {
      description: "an S3 bucket name (3 to 63 lowercase letters, digits, dots and hyphens)",
      type: "string",
      pattern: "^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$",
    },
    prefix: { description: 'a key prefix such as "team/formed/"', type: "string" },
    endpoint: {
      description: "an http(s):// URL of an S3-compatible store",
      type: "string",
      pattern: "^https?://[^\\s/]+",
    },
    region: { description: "an AWS region name", type: "string", minLength: 1 },
    force_path_style: { description: "true or false", type: "boolean" },
  },
} as const;

export const settingsSchema = {
  $schema: "http://json-schema.org/draft-07/schema#",
  title: "formed.yml",
  description: "a mapping of settings",
  type: "object",
  additionalProperties: false,
  properties: {
    workflow: {
      description: "a mapping with organizer, executor and remote_cache",
      type: "object",
      additionalProperties: false,
      properties: {
        organizer: componentSchema,
        executor: componentSchema,
        remote_cache: remoteCacheSchema,
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

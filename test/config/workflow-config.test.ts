import { describe, expect, it } from "vitest";
import { validateWorkflowConfigShape } from "../../src/config/workflow-config.js";
import { ConfigurationError } from "../../src/errors.js";

function issuesOf(value: unknown): ConfigurationError {
  try {
    validateWorkflowConfigShape(value, "/x/config.jsonnet");
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return error as ConfigurationError;
  }
  throw new Error("expected a ConfigurationError");
}

describe("validateWorkflowConfigShape", () => {
  it("returns a well-formed config unchanged", () => {
    const config = {
      $schema: "./schema.json",
      steps: { a: { type: "load", size: 3 }, "b!": { type: "save" } },
    };
    expect(validateWorkflowConfigShape(config)).toBe(config);
  });

  it("accepts an empty steps object", () => {
    expect(validateWorkflowConfigShape({ steps: {} })).toEqual({ steps: {} });
  });

  it("rejects a root that is not an object", () => {
    const error = issuesOf([1, 2]);
    expect(error.code).toBe("E_CONFIG");
    expect(error.issues).toEqual([
      { path: "", message: 'expected an object with "steps", got array of length 2' },
    ]);
    expect(error.message).toContain("/x/config.jsonnet");
  });

  it("reports a missing steps key", () => {
    expect(issuesOf({}).issues).toEqual([
      { path: "steps", message: "missing; expected an object mapping step names to step configs" },
    ]);
  });

  it("reports steps that are not an object", () => {
    expect(issuesOf({ steps: [] }).issues[0]?.message).toContain("got array of length 0");
  });

  it("reports every problem at once, with config paths", () => {
    const error = issuesOf({
      steps: { foo: 3, bar: { size: 1 }, baz: { type: 7 }, ok: { type: "fine" } },
      extra: true,
    });
    expect(error.issues).toEqual([
      { path: "extra", message: 'unknown key; a workflow config has only "steps" (and "$schema")' },
      { path: "steps.foo", message: 'expected an object with a "type", got number 3' },
      { path: "steps.bar.type", message: "missing; expected a string naming the step type" },
      { path: "steps.baz.type", message: "expected a string naming the step type, got number 7" },
    ]);
    expect(error.message).toContain("4 problems");
    expect(error.message).toContain('[steps.foo] expected an object with a "type", got number 3');
  });
});

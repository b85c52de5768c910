import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadWorkflowConfig } from "../../src/config/load-config.js";
import { ConfigurationError } from "../../src/errors.js";
import { tempDir as makeTempDir, rejection, write } from "../support/files.js";

const tempDir = () => makeTempDir("formed-config-");

const ENV_NAME = "FORMED_TEST_LOAD_CONFIG_VAR";

afterEach(() => {
  delete process.env[ENV_NAME];
});

describe("loadWorkflowConfig", () => {
  it("loads a Jsonnet config relative to cwd and returns its absolute path", async () => {
    const dir = tempDir();
    mkdirSync(join(dir, "conf"));
    write(dir, "conf/common.libsonnet", "{ size: 4 }");
    write(
      dir,
      "conf/config.jsonnet",
      "local c = import 'common.libsonnet'; { steps: { a: { type: 'make', size: c.size } } }",
    );
    const loaded = await loadWorkflowConfig("conf/config.jsonnet", { cwd: dir });
    expect(loaded.file).toBe(join(dir, "conf", "config.jsonnet"));
    expect(loaded.config).toEqual({ steps: { a: { type: "make", size: 4 } } });
  });

  it("gives std.extVar every environment variable, and explicit extVars win", async () => {
    const dir = tempDir();
    const file = write(
      dir,
      "config.jsonnet",
      `{ steps: { a: { type: 'make', fromEnv: std.extVar('${ENV_NAME}'), both: std.extVar('BOTH') } } }`,
    );
    process.env[ENV_NAME] = "from-environment";
    process.env.BOTH = "environment";
    try {
      const loaded = await loadWorkflowConfig(file, { extVars: { BOTH: "explicit" } });
      expect(loaded.config.steps.a).toEqual({ type: "make", fromEnv: "from-environment", both: "explicit" });
    } finally {
      delete process.env.BOTH;
    }
  });

  it("loads a .json config with JSON.parse", async () => {
    const dir = tempDir();
    const file = write(dir, "config.json", '{ "steps": { "a": { "type": "make" } } }');
    expect((await loadWorkflowConfig(file)).config).toEqual({ steps: { a: { type: "make" } } });
  });

  it("reports a .json syntax error with file, line and column", async () => {
    const dir = tempDir();
    const file = write(dir, "config.json", '{\n  "steps": {\n    "a": { "type": x }\n  }\n}\n');
    const error = await rejection(loadWorkflowConfig(file));
    expect(error.code).toBe("E_CONFIG");
    expect(error.message).toBe(`${file}:3:20: invalid JSON: Unexpected token 'x'`);
  });

  it("locates a .json error that V8 reports with a position", async () => {
    const dir = tempDir();
    const file = write(dir, "config.json", '{\n  "steps": {}\n  "extra": 1\n}\n');
    const error = await rejection(loadWorkflowConfig(file));
    expect(error.message).toBe(`${file}:3:3: invalid JSON: Expected ',' or '}' after property value`);
  });

  it("locates truncated .json at its end", async () => {
    const dir = tempDir();
    const file = write(dir, "config.json", '{\n  "steps": {');
    const error = await rejection(loadWorkflowConfig(file));
    expect(error.message).toContain(`${file}:2:13`);
  });

  it("reports a missing file as E_NOT_FOUND", async () => {
    const dir = tempDir();
    const error = await rejection(loadWorkflowConfig("absent.jsonnet", { cwd: dir }));
    expect(error.code).toBe("E_NOT_FOUND");
    expect(error.message).toBe(`config file not found: ${join(dir, "absent.jsonnet")}`);
  });

  it("passes Jsonnet errors through as E_JSONNET", async () => {
    const dir = tempDir();
    const file = write(dir, "config.jsonnet", "{ steps: error 'no steps yet' }");
    const error = await rejection(loadWorkflowConfig(file));
    expect(error.code).toBe("E_JSONNET");
    expect(error.message).toContain("no steps yet");
  });

  it("applies overrides before validating the shape", async () => {
    const dir = tempDir();
    const file = write(dir, "config.json", '{ "steps": { "a": { "type": 5, "size": 1 } } }');
    const loaded = await loadWorkflowConfig(file, {
      overrides: `{ "steps.a.type": "make", "steps.a.size": std.length(std.extVar("${ENV_NAME}")) }`,
      extVars: { [ENV_NAME]: "four" },
    });
    expect(loaded.config).toEqual({ steps: { a: { type: "make", size: 4 } } });
  });

  it("reports every shape problem at once, naming the file", async () => {
    const dir = tempDir();
    const file = write(
      dir,
      "config.jsonnet",
      "{ steps: { foo: 3, bar: {}, baz: { type: true } }, other: 1 }",
    );
    const error = await rejection(loadWorkflowConfig(file));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).file).toBe(file);
    // Jsonnet manifests object fields sorted by name.
    expect((error as ConfigurationError).issues.map((issue) => issue.path)).toEqual([
      "other",
      "steps.bar.type",
      "steps.baz.type",
      "steps.foo",
    ]);
  });

  it("refuses an argument nested deeper than 1,000 levels before anything walks it, overrides included", async () => {
    const dir = tempDir();
    const deep = (levels: number) => `${'{"x":'.repeat(levels - 1)}{}${"}".repeat(levels - 1)}`;
    const file = write(dir, "config.json", `{"steps":{"a":{"type":"t","x":${deep(10_000)}}}}`);
    for (const overrides of [undefined, '{ "steps.a.y": 1 }']) {
      const error = await rejection(loadWorkflowConfig(file, overrides === undefined ? {} : { overrides }));
      expect(error).toBeInstanceOf(ConfigurationError);
      expect(error.message).toBe(
        `${file}: [steps.a.x.x.x.x.x.x...] nested deeper than 1,000 levels; a config may nest objects and arrays at most 1,000 deep`,
      );
    }
    const fine = write(dir, "fine.json", `{"steps":{"a":{"type":"t","x":${deep(1_000)}}}}`);
    expect((await loadWorkflowConfig(fine)).config.steps.a?.type).toBe("t");
  });

  it("reads a .json config that starts with a byte order mark", async () => {
    const dir = tempDir();
    const file = write(dir, "config.json", '\uFEFF{ "steps": { "a": { "type": "t" } } }');
    expect((await loadWorkflowConfig(file)).config).toEqual({ steps: { a: { type: "t" } } });
  });
});

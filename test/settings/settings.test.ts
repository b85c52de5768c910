import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ConfigurationError } from "../../src/errors.js";
import { applyEnvironment, defaultSettings, loadSettings } from "../../src/settings/settings.js";
import { tempDir as makeTempDir, rejection, write } from "../support/files.js";

const tempDir = () => makeTempDir("formed-settings-");

async function settingsIssues(yaml: string): Promise<ConfigurationError> {
  const dir = tempDir();
  write(dir, "formed.yml", yaml);
  const error = await rejection(loadSettings({ cwd: dir }));
  expect(error).toBeInstanceOf(ConfigurationError);
  expect(error.code).toBe("E_SETTINGS");
  expect((error as ConfigurationError).file).toBe(join(dir, "formed.yml"));
  return error as ConfigurationError;
}

describe("loadSettings", () => {
  it("returns the defaults when there is no formed.yml", async () => {
    const settings = await loadSettings({ cwd: tempDir() });
    expect(settings).toEqual({
      workflow: { organizer: { type: "filesystem" }, executor: { type: "default" } },
      requiredModules: [],
      environment: {},
      logging: { level: "info" },
    });
    expect(settings.file).toBeUndefined();
  });

  it("reads a full formed.yml", async () => {
    const dir = tempDir();
    const file = write(
      dir,
      "formed.yml",
      [
        "workflow:",
        "  organizer: { type: filesystem, root: .formed }",
        "  executor: { type: default }",
        "required_modules: [my-steps, ./steps]",
        "environment:",
        "  SEED: 42",
        "  FAST: true",
        "  NAME: run",
        "logging: { level: debug, file: formed.log }",
        "",
      ].join("\n"),
    );
    expect(await loadSettings({ cwd: dir })).toEqual({
      file,
      workflow: { organizer: { type: "filesystem", root: ".formed" }, executor: { type: "default" } },
      requiredModules: ["my-steps", "./steps"],
      environment: { SEED: "42", FAST: "true", NAME: "run" },
      logging: { level: "debug", file: "formed.log" },
    });
  });

  it("accepts a bare string as the organizer and executor type", async () => {
    const dir = tempDir();
    write(dir, "formed.yml", "workflow:\n  organizer: memory\n  executor: default\n");
    const settings = await loadSettings({ cwd: dir });
    expect(settings.workflow.organizer).toEqual({ type: "memory" });
    expect(settings.workflow.executor).toEqual({ type: "default" });
  });

  it("falls back to formed.yaml and treats an empty file as the defaults", async () => {
    const dir = tempDir();
    const file = write(dir, "formed.yaml", "# nothing yet\n");
    const settings = await loadSettings({ cwd: dir });
    expect(settings.file).toBe(file);
    expect(settings.workflow).toEqual(defaultSettings().workflow);
  });

  it("reads an explicit file relative to cwd", async () => {
    const dir = tempDir();
    write(dir, "other.yml", "logging: { level: warn }\n");
    expect((await loadSettings({ cwd: dir, file: "other.yml" })).logging.level).toBe("warn");
  });

  it("refuses an explicit file that does not exist", async () => {
    const dir = tempDir();
    const error = await rejection(loadSettings({ cwd: dir, file: "missing.yml" }));
    expect(error.code).toBe("E_NOT_FOUND");
    expect(error.message).toContain(join(dir, "missing.yml"));
  });

  it("reports a YAML syntax error with the file and line", async () => {
    const error = await settingsIssues("workflow:\n  organizer: memory\nlogging: level: debug\n");
    expect(error.issues).toHaveLength(1);
    expect(error.message).toContain("formed.yml");
    expect(error.issues[0]?.message).toMatch(/^YAML syntax error at line 3, column \d+: /);
  });

  it("refuses a YAML alias bomb with the file, as a settings error", async () => {
    const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    const names = ["a", "b", "c", "d", "e", "f", "g", "h", "i"];
    for (let i = 1; i < names.length; i++) {
      lines.push(
        `${names[i]}: &${names[i]} [${Array(9)
          .fill(`*${names[i - 1]}`)
          .join(",")}]`,
      );
    }
    const error = await settingsIssues(`${lines.join("\n")}\n`);
    expect(error.issues.map((issue) => issue.message)).toEqual([
      "YAML aliases (*name) expand into too many values, as in a resource exhaustion attack; write the values out or use fewer aliases",
    ]);
  });

  it("reports each validation error with its path, all at once", async () => {
    const error = await settingsIssues(
      [
        "workflow:",
        "  organizer: 3",
        "  executor: { retries: 1 }",
        "  scheduler: x",
        "required_modules: [ok, 1]",
        "environment: { GOOD: 1, BAD: [1] }",
        "logging: { level: verbose, file: 7 }",
        "colour: red",
        "",
      ].join("\n"),
    );
    expect(error.issues).toEqual([
      {
        path: "colour",
        message: 'unknown key; expected one of "workflow", "required_modules", "environment", "logging"',
      },
      {
        path: "workflow.scheduler",
        message: 'unknown key; expected one of "organizer", "executor", "remote_cache"',
      },
      {
        path: "workflow.organizer",
        message: 'expected a type name or an object with a "type", got number 3',
      },
      { path: "workflow.executor.type", message: "missing; expected a string naming the type" },
      { path: "required_modules.1", message: "expected a module name or path, got number 1" },
      { path: "environment.BAD", message: "expected a string, number or boolean, got array of length 1" },
      {
        path: "logging.level",
        message: 'expected one of "debug", "info", "warn", "error", got string "verbose"',
      },
      { path: "logging.file", message: "expected a file path, got number 7" },
    ]);
  });

  it("reports a non-string organizer type and a non-mapping root", async () => {
    expect((await settingsIssues("workflow: { organizer: { type: 5 } }\n")).issues).toEqual([
      { path: "workflow.organizer.type", message: "expected a string naming the type, got number 5" },
    ]);
    expect((await settingsIssues("- a\n- b\n")).issues).toEqual([
      { path: "", message: "expected a mapping of settings, got array of length 2" },
    ]);
  });
});

describe("workflow.remote_cache", () => {
  const remoteCacheOf = async (yaml: string) => {
    const dir = tempDir();
    write(dir, "formed.yml", yaml);
    return (await loadSettings({ cwd: dir })).workflow.remoteCache;
  };

  it("is read with its defaults, the prefix made a folder", async () => {
    expect(
      await remoteCacheOf("workflow:\n  remote_cache: { type: s3, bucket: team-cache, prefix: /formed }\n"),
    ).toEqual({
      type: "s3",
      bucket: "team-cache",
      prefix: "formed/",
      forcePathStyle: false,
    });
    const full =
      "workflow:\n  remote_cache: { type: s3, bucket: b.c-d, endpoint: 'http://127.0.0.1:9000', region: eu-west-1, force_path_style: true }\n";
    expect(await remoteCacheOf(full)).toEqual({
      type: "s3",
      bucket: "b.c-d",
      prefix: "",
      endpoint: "http://127.0.0.1:9000",
      region: "eu-west-1",
      forcePathStyle: true,
    });
  });

  it("reports each wrong value with its path", async () => {
    const error = await settingsIssues(
      "workflow:\n  remote_cache: { type: gcs, bucket: AB, endpoint: 's3.local', region: '', force_path_style: 1, acl: private }\n",
    );
    expect(error.issues).toEqual([
      {
        path: "workflow.remote_cache.acl",
        message:
          'unknown key; expected one of "type", "bucket", "prefix", "endpoint", "region", "force_path_style"',
      },
      { path: "workflow.remote_cache.type", message: 'expected one of "s3", got string "gcs"' },
      {
        path: "workflow.remote_cache.bucket",
        message:
          'expected an S3 bucket name (3 to 63 lowercase letters, digits, dots and hyphens), got string "AB"',
      },
      {
        path: "workflow.remote_cache.endpoint",
        message: 'expected an http(s):// URL of an S3-compatible store, got string "s3.local"',
      },
      { path: "workflow.remote_cache.region", message: 'expected an AWS region name, got string ""' },
      { path: "workflow.remote_cache.force_path_style", message: "expected true or false, got number 1" },
    ]);
    expect((await settingsIssues("workflow:\n  remote_cache: { type: s3 }\n")).issues).toEqual([
      {
        path: "workflow.remote_cache.bucket",
        message: "missing; expected an S3 bucket name (3 to 63 lowercase letters, digits, dots and hyphens)",
      },
    ]);
  });
});

describe("applyEnvironment", () => {
  const names = ["FORMED_TEST_SETTINGS_A", "FORMED_TEST_SETTINGS_B"];
  afterEach(() => {
    for (const name of names) delete process.env[name];
  });

  it("puts the settings' environment into process.env as strings", async () => {
    const dir = tempDir();
    write(
      dir,
      "formed.yml",
      "environment:\n  FORMED_TEST_SETTINGS_A: 3\n  FORMED_TEST_SETTINGS_B: yes-please\n",
    );
    process.env.FORMED_TEST_SETTINGS_B = "before";
    applyEnvironment(await loadSettings({ cwd: dir }));
    expect(process.env.FORMED_TEST_SETTINGS_A).toBe("3");
    expect(process.env.FORMED_TEST_SETTINGS_B).toBe("yes-please");
  });
});

describe("the precompiled settings validator", () => {
  it("is built into dist and reports exactly what the schema compiled at run time reports", async () => {
    const { Ajv } = await import("ajv");
    const { SETTINGS_AJV_OPTIONS } = await import("../../src/settings/settings.js");
    const { settingsSchema } = await import("../../src/settings/settings-schema.js");
    const validatorPath = new URL("../../dist/settings/settings-validator.js", import.meta.url).href;
    const precompiled = (await import(validatorPath)).validate as (value: unknown) => boolean;
    const compiled = new Ajv(SETTINGS_AJV_OPTIONS).compile(settingsSchema);
    const samples = [
      { required_modules: ["./steps.ts"], workflow: { organizer: "memory" } },
      { required_modules: "./steps.ts", workflow: { organizer: 3 }, colour: 1 },
      { logging: { level: "loud" }, environment: { A: [1] } },
      { workflow: { remote_cache: { type: "s3", bucket: "Bad_Name", endpoint: "x", force_path_style: 2 } } },
    ];
    for (const sample of samples) {
      expect(precompiled(sample)).toBe(compiled(sample));
      const errors = (validator: unknown) =>
        ((validator as { errors?: { instancePath: string; keyword: string }[] | null }).errors ?? []).map(
          (error) => `${error.instancePath} ${error.keyword}`,
        );
      expect(errors(precompiled)).toEqual(errors(compiled));
    }
    expect(precompiled(samples[1])).toBe(false);
  });
});

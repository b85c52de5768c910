import { chmodSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { defaultJsonnetEngine } from "../../src/jsonnet/default-engine.js";
import { GoJsonnetEngine } from "../../src/jsonnet/go-jsonnet.js";
import { rejection as failure, tempDir as makeTempDir, write } from "../support/files.js";

const tempDir = () => makeTempDir("formed-jsonnet-");

const engine = new GoJsonnetEngine();

describe("GoJsonnetEngine", () => {
  it("finds the built binary under the package root", () => {
    expect(engine.binary).toMatch(/engine[/\\]bin[/\\]formed-jsonnet(\.exe)?$/);
  });

  it("resolves import and importstr relative to a nested file's own directory", async () => {
    const dir = tempDir();
    mkdirSync(join(dir, "nested", "lib"), { recursive: true });
    write(dir, "nested/lib/values.libsonnet", "{ size: 3 }");
    write(dir, "nested/lib/message.txt", "hello\n");
    const main = write(
      dir,
      "nested/main.jsonnet",
      "local values = import 'lib/values.libsonnet'; { size: values.size * 2, text: importstr 'lib/message.txt' }",
    );
    expect(await engine.evaluateFile(main)).toEqual({ size: 6, text: "hello\n" });
  });

  it("uses jpath for library imports not found next to the file", async () => {
    const dir = tempDir();
    mkdirSync(join(dir, "vendor"));
    write(dir, "vendor/shared.libsonnet", "{ name: 'shared' }");
    mkdirSync(join(dir, "app"));
    const main = write(dir, "app/main.jsonnet", "(import 'shared.libsonnet').name");
    expect(await engine.evaluateFile(main, { jpath: [join(dir, "vendor")] })).toBe("shared");
  });

  it("passes ext vars, ext codes and top-level arguments", async () => {
    const dir = tempDir();
    const main = write(
      dir,
      "main.jsonnet",
      "function(name, count) { name: name, count: count, env: std.extVar('ENV'), code: std.extVar('CODE') }",
    );
    const value = await engine.evaluateFile(main, {
      extVars: { ENV: "prod" },
      extCodes: { CODE: "[1, 2]" },
      tlaVars: { name: "x" },
      tlaCodes: { count: "1 + 1" },
    });
    expect(value).toEqual({ name: "x", count: 2, env: "prod", code: [1, 2] });
  });

  it("evaluates a snippet under the given filename", async () => {
    expect(await engine.evaluateSnippet("<snippet>", "{ a: [x * x for x in std.range(1, 3)] }")).toEqual({
      a: [1, 4, 9],
    });
  });

  it("evaluates std.makeArray(3, std.sqrt)", async () => {
    const value = (await engine.evaluateSnippet("<snippet>", "std.makeArray(3, std.sqrt)")) as number[];
    expect(value).toHaveLength(3);
    expect(value[0]).toBe(0);
    expect(value[1]).toBe(1);
    expect(value[2]).toBeCloseTo(Math.SQRT2, 12);
  });

  it("reports a syntax error with file:line:col", async () => {
    const dir = tempDir();
    const main = write(dir, "broken.jsonnet", "{\n  a: 1,\n  b: ,\n}\n");
    const error = await failure(engine.evaluateFile(main));
    expect(error.code).toBe("E_JSONNET");
    expect(error.message).toContain(`${main}:3:6`);
  });

  it("reports a runtime error() with its message and location", async () => {
    const dir = tempDir();
    const main = write(dir, "fails.jsonnet", "{\n  a: error 'the size must be positive',\n}\n");
    const error = await failure(engine.evaluateFile(main));
    expect(error.code).toBe("E_JSONNET");
    expect(error.message).toContain("the size must be positive");
    expect(error.message).toContain(`${main}:2:`);
  });

  it("turns infinite recursion into an E_JSONNET error", async () => {
    const error = await failure(engine.evaluateSnippet("<loop>", "local f(x) = 1 + f(x + 1); f(0)"));
    expect(error.code).toBe("E_JSONNET");
    expect(error.message).toContain("max stack frames exceeded");
    // The engine still works afterwards: each evaluation is its own process.
    expect(await engine.evaluateSnippet("<after>", "1 + 1")).toBe(2);
  });

  it("names the file in errors that name none: a missing top-level argument, a stack too deep", async () => {
    const dir = tempDir();
    const fn = write(dir, "fn.jsonnet", "function(n) { x: n }");
    const missing = await failure(engine.evaluateFile(fn));
    expect(missing.message.startsWith(`${fn}: RUNTIME ERROR: Missing argument: n`)).toBe(true);
    expect(missing.hint).toBe(
      'This config is a function of its top-level arguments: give "n" with --tla-str n=VALUE or --tla-code n=CODE.',
    );
    const deep = write(dir, "deep.jsonnet", `${"{x:".repeat(1000)}1${"}".repeat(1000)}`);
    const tooDeep = await failure(engine.evaluateFile(deep));
    expect(tooDeep.message.startsWith(`${deep}: RUNTIME ERROR: max stack frames exceeded`)).toBe(true);
    expect(tooDeep.hint).toContain("at most 500 nested calls or values");
  });

  it("reads files and imports that start with a UTF-8 byte order mark; importstr keeps the bytes of other files", async () => {
    const dir = tempDir();
    write(dir, "lib.libsonnet", "\uFEFF{ size: 3 }");
    write(dir, "text.txt", "\uFEFFhi");
    const main = write(
      dir,
      "main.jsonnet",
      "\uFEFFlocal lib = import 'lib.libsonnet'; { size: lib.size, text: importstr 'text.txt' }",
    );
    expect(await engine.evaluateFile(main)).toEqual({ size: 3, text: "\uFEFFhi" });
    expect(await engine.evaluateSnippet("<snippet>", "\uFEFF{ a: 1 }")).toEqual({ a: 1 });
  });

  it("names the missing file when evaluating a file that does not exist", async () => {
    const missing = join(tempDir(), "absent.jsonnet");
    const error = await failure(engine.evaluateFile(missing));
    expect(error.code).toBe("E_JSONNET");
    expect(error.message).toContain(missing);
  });

  it("shares one default engine", () => {
    expect(defaultJsonnetEngine()).toBe(defaultJsonnetEngine());
    expect(defaultJsonnetEngine()).toBeInstanceOf(GoJsonnetEngine);
  });
});

describe("GoJsonnetEngine when the child process misbehaves", () => {
  const posix = process.platform !== "win32";

  function fakeBinary(script: string): string {
    const file = write(tempDir(), "fake-engine", `#!/bin/sh\n${script}\n`);
    chmodSync(file, 0o755);
    return file;
  }

  it("explains a missing binary and how to build it", async () => {
    const binary = join(tempDir(), "no-such-engine");
    const error = await failure(new GoJsonnetEngine({ binary }).evaluateSnippet("<x>", "1"));
    expect(error.code).toBe("E_JSONNET");
    expect(error.message).toContain(binary);
    expect(error.hint).toContain("npm run build");
  });

  it.runIf(posix)("names the file and the signal when the child is killed", async () => {
    const binary = fakeBinary("kill -9 $$");
    const error = await failure(new GoJsonnetEngine({ binary }).evaluateFile("/some/config.jsonnet"));
    expect(error.code).toBe("E_JSONNET");
    expect(error.message).toContain("/some/config.jsonnet");
    expect(error.message).toContain("SIGKILL");
  });

  it.runIf(posix)("names the exit code when the child exits without an answer", async () => {
    const binary = fakeBinary("cat >/dev/null; echo 'engine exploded' >&2; exit 3");
    const error = await failure(new GoJsonnetEngine({ binary }).evaluateFile("/some/config.jsonnet"));
    expect(error.message).toContain("exited with code 3");
    expect(error.message).toContain("/some/config.jsonnet");
    expect(error.message).toContain("engine exploded");
  });

  it.runIf(posix)("stops an evaluation that exceeds timeoutMs", async () => {
    const binary = fakeBinary("exec sleep 30");
    const started = Date.now();
    const error = await failure(
      new GoJsonnetEngine({ binary, timeoutMs: 200 }).evaluateSnippet("<slow>", "1"),
    );
    expect(error.message).toContain("stopped after 200 ms");
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it.runIf(posix)("uses FORMED_JSONNET_BIN when no binary is given", async () => {
    const binary = fakeBinary('cat >/dev/null; printf \'%s\' \'{"ok":true,"json":"42"}\'');
    const previous = process.env.FORMED_JSONNET_BIN;
    process.env.FORMED_JSONNET_BIN = binary;
    try {
      const fromEnv = new GoJsonnetEngine();
      expect(fromEnv.binary).toBe(binary);
      expect(await fromEnv.evaluateSnippet("<x>", "0")).toBe(42);
    } finally {
      if (previous === undefined) delete process.env.FORMED_JSONNET_BIN;
      else process.env.FORMED_JSONNET_BIN = previous;
    }
  });
});

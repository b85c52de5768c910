import { chmodSync, copyFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { packageRoot } from "../../src/common/package-info.js";
import { FormedError } from "../../src/errors.js";
import { locateJsonnetEngine, platformPackageName } from "../../src/jsonnet/engine-locator.js";
import { GoJsonnetEngine } from "../../src/jsonnet/go-jsonnet.js";
import { rejection, tempDir, write } from "../support/files.js";

/** A formed package folder with only what `files` says: a clone (with scripts/) or an installed package. */
function fakeRoot(options: {
  clone: boolean;
  wasm?: boolean;
  local?: boolean;
  platformPackage?: boolean;
}): string {
  const root = tempDir("formed-root-");
  write(root, "package.json", JSON.stringify({ name: "formed", version: "0.0.0" }));
  if (options.clone) write(root, "scripts/build-jsonnet-engine.mjs", "");
  if (options.wasm) {
    write(root, "engine/wasm/formed-jsonnet.wasm", "");
    write(root, "engine/wasm/run.mjs", "");
  }
  if (options.local) write(root, "engine/bin/formed-jsonnet", "");
  if (options.platformPackage) {
    const dir = join(root, "node_modules", platformPackageName("linux", "x64"));
    write(
      dir,
      "package.json",
      JSON.stringify({ name: platformPackageName("linux", "x64"), version: "0.0.0" }),
    );
    write(dir, "bin/formed-jsonnet", "");
  }
  return root;
}

const locate = (root: string, env: Record<string, string> = {}) =>
  locateJsonnetEngine({ root, env, platform: "linux", arch: "x64" });

function thrown(fn: () => unknown): FormedError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(FormedError);
    return error as FormedError;
  }
  throw new Error("expected an error");
}

describe("locateJsonnetEngine", () => {
  it("prefers the platform package, then the contributor's build, then the wasm fallback with its reason", () => {
    const all = fakeRoot({ clone: false, wasm: true, local: true, platformPackage: true });
    expect(locate(all)).toMatchObject({ kind: "native", source: "@formed/jsonnet-linux-x64" });
    expect(locate(fakeRoot({ clone: true, wasm: true, local: true }))).toMatchObject({
      kind: "native",
      binary: expect.stringMatching(/engine[/\\]bin[/\\]formed-jsonnet$/),
    });
    expect(locate(fakeRoot({ clone: false, wasm: true }))).toMatchObject({
      kind: "wasm",
      fallbackReason: "the optional package @formed/jsonnet-linux-x64 is not installed",
    });
    expect(locate(fakeRoot({ clone: true, wasm: true }))).toMatchObject({
      kind: "wasm",
      fallbackReason: expect.stringContaining("Go was not found"),
    });
  });

  it("follows FORMED_JSONNET_ENGINE: wasm, native, or a path", () => {
    const all = fakeRoot({ clone: false, wasm: true, platformPackage: true });
    expect(locate(all, { FORMED_JSONNET_ENGINE: "wasm" })).toMatchObject({ kind: "wasm" });
    expect(locate(all, { FORMED_JSONNET_ENGINE: "wasm" })).not.toHaveProperty("fallbackReason");
    expect(locate(all, { FORMED_JSONNET_ENGINE: "native" })).toMatchObject({ kind: "native" });
    expect(locate(all, { FORMED_JSONNET_ENGINE: "/opt/formed-jsonnet" })).toEqual({
      kind: "native",
      binary: "/opt/formed-jsonnet",
      source: "FORMED_JSONNET_ENGINE",
    });
    expect(locate(all, { FORMED_JSONNET_BIN: "/opt/old" })).toMatchObject({ binary: "/opt/old" });
    expect(
      thrown(() => locate(fakeRoot({ clone: false, wasm: true }), { FORMED_JSONNET_ENGINE: "native" })).hint,
    ).toContain("@formed/jsonnet-linux-x64");
  });

  it("says what to install when there is no engine at all: Go for a clone, the platform package when installed", async () => {
    const clone = thrown(() => locate(fakeRoot({ clone: true })));
    expect(clone.message).toContain("there is no Jsonnet engine for linux-x64");
    expect(clone.hint).toContain("Install Go 1.24+");
    expect(clone.hint).toContain("JSON");
    const installed = thrown(() => locate(fakeRoot({ clone: false })));
    expect(installed.hint).toContain("@formed/jsonnet-linux-x64");
    // The engine reports it when a Jsonnet config is evaluated, not when it is made.
    const engine = new GoJsonnetEngine({ location: undefined });
    expect(engine).toBeDefined();
  });
});

const native = new GoJsonnetEngine();
const wasm = new GoJsonnetEngine({
  location: locateJsonnetEngine({ env: { FORMED_JSONNET_ENGINE: "wasm" } }),
});

describe("the wasm engine gives the native engine's results", () => {
  it("is the wasm build in this repository", () => {
    expect(wasm.location.kind).toBe("wasm");
    expect(wasm.binary).toBe(join(packageRoot(), "engine", "wasm", "formed-jsonnet.wasm"));
    expect(native.location.kind).toBe("native");
  });

  it("evaluates imports, importstr, ext vars and top-level arguments alike", async () => {
    const dir = tempDir("formed-wasm-");
    mkdirSync(join(dir, "nested", "lib"), { recursive: true });
    write(dir, "nested/lib/values.libsonnet", "{ size: 3 }");
    write(dir, "nested/lib/message.txt", "hello\n");
    write(dir, "vendor/shared.libsonnet", "{ name: 'shared' }");
    const main = write(
      dir,
      "nested/main.jsonnet",
      "function(n) local values = import 'lib/values.libsonnet'; { size: values.size * n, text: importstr 'lib/message.txt', env: std.extVar('ENV'), shared: (import 'shared.libsonnet').name, big: std.range(1, 20000) }",
    );
    const options = { extVars: { ENV: "prod" }, tlaCodes: { n: "2" }, jpath: [join(dir, "vendor")] };
    const expected = await native.evaluateFile(main, options);
    expect(expected).toMatchObject({ size: 6, text: "hello\n", env: "prod", shared: "shared" });
    expect(await wasm.evaluateFile(main, options)).toEqual(expected);
  });

  it("reports errors with the same message and location", async () => {
    const dir = tempDir("formed-wasm-");
    const broken = write(dir, "broken.jsonnet", "{\n  a: 1,\n  b: ,\n}\n");
    const fromNative = await rejection(native.evaluateFile(broken));
    const fromWasm = await rejection(wasm.evaluateFile(broken));
    expect(fromWasm.message).toBe(fromNative.message);
    expect(fromWasm.message).toContain(`${broken}:3:6`);
  });

  it("turns a config that overflows the Jsonnet stack into a clean error on both engines", async () => {
    const dir = tempDir("formed-wasm-");
    const loop = write(dir, "loop.jsonnet", "local f(x) = 1 + f(x + 1); f(0)");
    const deep = write(dir, "deep.jsonnet", `${"[".repeat(100000)}1${"]".repeat(100000)}`);
    for (const engine of [native, wasm]) {
      const recursion = await rejection(engine.evaluateFile(loop));
      expect(recursion.code).toBe("E_JSONNET");
      expect(recursion.message).toContain("max stack frames exceeded");
      const nested = await rejection(engine.evaluateFile(deep));
      expect(nested.code).toBe("E_JSONNET");
      expect(nested.message).toMatch(/ran out of stack|max stack frames exceeded/);
      expect(nested.hint).toContain("at most 500 nested calls or values");
      expect(await engine.evaluateSnippet("<after>", "1 + 1")).toBe(2);
    }
  });

  it("runs an explicit binary path from FORMED_JSONNET_ENGINE", async () => {
    const dir = tempDir("formed-wasm-");
    const copy = join(dir, "my-engine");
    copyFileSync(native.binary, copy);
    chmodSync(copy, 0o755);
    const engine = new GoJsonnetEngine({
      location: locateJsonnetEngine({ env: { FORMED_JSONNET_ENGINE: copy } }),
    });
    expect(await engine.evaluateSnippet("<x>", "{ a: 1 + 1 }")).toEqual({ a: 2 });
  });
});

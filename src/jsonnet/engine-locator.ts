import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { packageRoot } from "../common/package-info.js";
import { FormedError } from "../errors.js";

/**
 * Where the Jsonnet engine comes from. In order: FORMED_JSONNET_ENGINE (`native`, `wasm` or a
 * path to a formed-jsonnet binary; FORMED_JSONNET_BIN, a path, is the older name), else the
 * platform package `@formed/jsonnet-<os>-<cpu>` (an optional dependency of formed, resolved from
 * formed's own folder), else the binary a contributor built (`engine/bin/`), else the
 * WebAssembly build shipped inside formed (`engine/wasm/`), run by Node in a child process.
 */
export type EngineLocation =
  | { kind: "native"; binary: string; source: string }
  | {
      kind: "wasm";
      wasm: string;
      runner: string;
      source: string;
      /** Set when the fallback was chosen because no native engine was found: why. */
      fallbackReason?: string;
    };

export interface LocateOptions {
  env?: NodeJS.ProcessEnv;
  /** formed's package folder (default: this package's). */
  root?: string;
  platform?: NodeJS.Platform;
  arch?: string;
}

const BINARY = (platform: NodeJS.Platform) =>
  platform === "win32" ? "formed-jsonnet.exe" : "formed-jsonnet";

/** The npm package that carries the native engine for a platform, e.g. `@formed/jsonnet-darwin-arm64`. */
export function platformPackageName(
  platform: string = process.platform,
  arch: string = process.arch,
): string {
  return `@formed/jsonnet-${platform}-${arch}`;
}

export function locateJsonnetEngine(options: LocateOptions = {}): EngineLocation {
  const env = options.env ?? process.env;
  const root = options.root ?? packageRoot();
  const platform = options.platform ?? process.platform;
  const arch = options.arch ?? process.arch;
  const setting = nonEmpty(env.FORMED_JSONNET_ENGINE)?.trim();
  const legacy = nonEmpty(env.FORMED_JSONNET_BIN);

  if (setting === "wasm") {
    const wasm = wasmEngine(root, "FORMED_JSONNET_ENGINE=wasm");
    if (wasm !== undefined) return wasm;
    throw new FormedError("E_JSONNET", `FORMED_JSONNET_ENGINE=wasm, but ${wasmFile(root)} does not exist`, {
      hint: isSourceCheckout(root)
        ? "Install Go 1.24+ and run `npm run build`: it builds the WebAssembly engine too."
        : "Reinstall formed: its package ships the WebAssembly engine.",
    });
  }
  if (setting !== undefined && setting !== "native" && setting !== "auto") {
    return { kind: "native", binary: resolve(setting), source: "FORMED_JSONNET_ENGINE" };
  }
  if (legacy !== undefined && setting === undefined) {
    return { kind: "native", binary: resolve(legacy), source: "FORMED_JSONNET_BIN" };
  }
  const native = nativeEngine(root, platform, arch);
  if (native !== undefined) return native;
  const packageName = platformPackageName(platform, arch);
  if (setting === "native") {
    throw new FormedError(
      "E_JSONNET",
      `FORMED_JSONNET_ENGINE=native, but there is no native Jsonnet engine for ${platform}-${arch}`,
      { hint: missingHint(root, packageName) },
    );
  }
  const reason = isSourceCheckout(root)
    ? `no native engine: ${join("engine", "bin", BINARY(platform))} is not built (Go was not found at build time)`
    : `the optional package ${packageName} is not installed`;
  const wasm = wasmEngine(root, "fallback", reason);
  if (wasm !== undefined) return wasm;
  throw new FormedError("E_JSONNET", `there is no Jsonnet engine for ${platform}-${arch}: ${reason}`, {
    hint: `${missingHint(root, packageName)} Configs in JSON (config.json) work without it.`,
  });
}

function nativeEngine(root: string, platform: NodeJS.Platform, arch: string): EngineLocation | undefined {
  const name = platformPackageName(platform, arch);
  try {
    const manifest = createRequire(join(root, "package.json")).resolve(`${name}/package.json`);
    const binary = join(dirname(manifest), "bin", BINARY(platform));
    if (existsSync(binary)) return { kind: "native", binary, source: name };
  } catch {
    // not installed: look further
  }
  const local = join(root, "engine", "bin", BINARY(platform));
  if (existsSync(local))
    return { kind: "native", binary: local, source: "engine/bin (built by npm run build)" };
  return undefined;
}

function wasmFile(root: string): string {
  return join(root, "engine", "wasm", "formed-jsonnet.wasm");
}

function wasmEngine(root: string, source: string, fallbackReason?: string): EngineLocation | undefined {
  const wasm = wasmFile(root);
  if (!existsSync(wasm)) return undefined;
  const runner = join(root, "engine", "wasm", "run.mjs");
  return fallbackReason === undefined
    ? { kind: "wasm", wasm, runner, source }
    : { kind: "wasm", wasm, runner, source, fallbackReason };
}

/** A clone of the repository (contributors), not an installed package. */
function isSourceCheckout(root: string): boolean {
  return existsSync(join(root, "scripts", "build-jsonnet-engine.mjs"));
}

function missingHint(root: string, packageName: string): string {
  return isSourceCheckout(root)
    ? "Install Go 1.24+ (https://go.dev/dl/) and run `npm run build` in the formed repository: it builds the Jsonnet engine."
    : `Reinstall formed without omitting optional dependencies (npm install formed, not --omit=optional), so that ${packageName} is installed, or set FORMED_JSONNET_ENGINE to the path of a formed-jsonnet binary.`;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}

#!/usr/bin/env node
// Builds the go-jsonnet child-process engine (engine/jsonnet) for this machine into
// engine/bin/formed-jsonnet, and its WebAssembly build (GOOS=wasip1) into
// engine/wasm/formed-jsonnet.wasm, the fallback shipped inside the formed package.
// Each build is skipped when its output is newer than the sources, so `npm run build` stays fast
// and works offline once the engine exists. Without Go, the engine is skipped with one line and
// everything else still builds: JSON configs work, and a Jsonnet config says what to install.
import { spawnSync } from "node:child_process";
import { mkdirSync, statSync, utimesSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const sourceDir = join(root, "engine", "jsonnet");
const sources = ["main.go", "locate.go", "go.mod", "go.sum"].map((name) => join(sourceDir, name));

/** The builds: this machine's binary, and the wasm fallback. */
const targets = [
  {
    output: join(
      root,
      "engine",
      "bin",
      process.platform === "win32" ? "formed-jsonnet.exe" : "formed-jsonnet",
    ),
    env: {},
  },
  { output: join(root, "engine", "wasm", "formed-jsonnet.wasm"), env: { GOOS: "wasip1", GOARCH: "wasm" } },
];

function mtime(file) {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}

function upToDate(output) {
  const built = mtime(output);
  return (
    built !== undefined && sources.every((source) => (mtime(source) ?? Number.POSITIVE_INFINITY) < built)
  );
}

/** Builds engine/jsonnet into `output` with extra Go environment (GOOS, GOARCH); exits on failure. */
export function goBuild(output, env) {
  mkdirSync(dirname(output), { recursive: true });
  const result = spawnSync("go", ["build", "-trimpath", "-ldflags", "-s -w", "-o", output, "."], {
    cwd: sourceDir,
    stdio: "inherit",
    env: { ...process.env, CGO_ENABLED: "0", ...env },
  });
  if (result.error !== undefined || result.status !== 0) {
    const target = env.GOOS === undefined ? "" : ` for ${env.GOOS}/${env.GOARCH}`;
    console.error(`formed: building the Jsonnet engine${target} failed (go build in ${sourceDir}).`);
    process.exit(1);
  }
  // go build leaves an up-to-date binary untouched, so its mtime could stay older than a source
  // that was touched without changing; stamp it so the next run skips the build.
  const now = new Date();
  utimesSync(output, now, now);
}

export function hasGo() {
  const probe = spawnSync("go", ["version"], { stdio: "ignore" });
  return probe.error === undefined && probe.status === 0;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const stale = targets.filter((target) => !upToDate(target.output));
  if (stale.length > 0) {
    if (!hasGo()) {
      console.error(
        "formed: Go not found, so the Jsonnet engine is not built (everything else is). JSON configs work; " +
          "for Jsonnet configs install Go 1.24+ (https://go.dev/dl/) and run `npm run build` again.",
      );
    } else {
      for (const target of stale) goBuild(target.output, target.env);
    }
  }
}

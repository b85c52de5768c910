#!/usr/bin/env node
// Builds the go-jsonnet child-process engine (engine/jsonnet) into engine/bin/formed-jsonnet.
// The build is skipped when the binary is newer than its sources, so `npm run build` stays fast
// and works offline once the engine exists.
import { spawnSync } from "node:child_process";
import { mkdirSync, statSync, utimesSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const sourceDir = join(root, "engine", "jsonnet");
const binary = join(
  root,
  "engine",
  "bin",
  process.platform === "win32" ? "formed-jsonnet.exe" : "formed-jsonnet",
);
const sources = ["main.go", "go.mod", "go.sum"].map((name) => join(sourceDir, name));

function mtime(file) {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}

const built = mtime(binary);
if (built !== undefined && sources.every((source) => (mtime(source) ?? Number.POSITIVE_INFINITY) < built)) {
  process.exit(0);
}

const probe = spawnSync("go", ["version"], { stdio: "ignore" });
if (probe.error !== undefined || probe.status !== 0) {
  console.error(
    "formed: Go 1.24+ is needed to build the Jsonnet engine (engine/jsonnet); install Go and run `npm run build` again.",
  );
  process.exit(1);
}

mkdirSync(dirname(binary), { recursive: true });
const result = spawnSync("go", ["build", "-trimpath", "-ldflags", "-s -w", "-o", binary, "."], {
  cwd: sourceDir,
  stdio: "inherit",
});
if (result.error !== undefined || result.status !== 0) {
  console.error(`formed: building the Jsonnet engine failed (go build in ${sourceDir}).`);
  process.exit(1);
}
// go build leaves an up-to-date binary untouched, so its mtime could stay older than a source
// that was touched without changing; stamp it so the next run skips the build.
const now = new Date();
utimesSync(binary, now, now);

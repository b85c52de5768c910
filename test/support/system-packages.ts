/**
 * The Debian packages the tests run as real services: `redis-server` (the distributed executor)
 * and `chromium` (`formed ui` in a browser). The test setup installs what is missing, so the
 * README's `npm ci && npm test` works on a fresh machine as `.ci/run` does; apt's own lock
 * (waited for, not failed on) keeps two runs from installing at once.
 *
 * `npx tsx test/support/system-packages.ts install` does it ahead of the tests.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";

const PACKAGES = [
  { command: "redis-server", package: "redis-server" },
  { command: "chromium", package: "chromium" },
] as const;

function installed(command: string): boolean {
  try {
    execFileSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** Installs the missing packages with apt-get (as root, or through sudo); says what it could not. */
export function ensureSystemPackages(log: (line: string) => void = console.log): void {
  const missing = PACKAGES.filter((entry) => !installed(entry.command)).map((entry) => entry.package);
  if (missing.length === 0) return;
  if (!existsSync("/usr/bin/apt-get")) {
    log(`test setup: ${missing.join(", ")} missing and no apt-get here: their tests will fail`);
    return;
  }
  const root = process.getuid?.() === 0;
  const apt = (args: string[]) =>
    execFileSync(
      root ? "apt-get" : "sudo",
      [...(root ? [] : ["apt-get"]), "-o", "DPkg::Lock::Timeout=600", ...args],
      {
        stdio: ["ignore", "ignore", "inherit"],
        env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
      },
    );
  log(`test setup: installing ${missing.join(", ")} from Debian's packages`);
  try {
    apt(["install", "-y", ...missing]);
  } catch {
    // The package lists may be missing or stale on a fresh machine.
    apt(["update"]);
    apt(["install", "-y", ...missing]);
  }
}

if (process.argv[2] === "install") ensureSystemPackages();

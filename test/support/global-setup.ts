import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureSystemPackages } from "./system-packages.js";

/**
 * Installs the Debian packages the service tests need when they are missing, and gives the whole
 * test run its own formed user cache (FORMED_CACHE_DIR, inherited by the test processes), so
 * tests neither read nor fill the real ~/.cache/formed.
 */
export default function setup(): () => void {
  ensureSystemPackages();
  const directory = mkdtempSync(join(tmpdir(), "formed-test-user-cache-"));
  process.env.FORMED_CACHE_DIR = directory;
  return () => rmSync(directory, { recursive: true, force: true });
}

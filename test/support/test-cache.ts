import { homedir } from "node:os";
import { join } from "node:path";

/** Where test services and tools are installed once and reused across runs: `~/.cache/formed-test`. */
export function testCacheRoot(): string {
  return join(process.env.XDG_CACHE_HOME || join(homedir(), ".cache"), "formed-test");
}

import { createRequire } from "node:module";
import { join } from "node:path";
import { formedVersion, packageRoot } from "../../common/package-info.js";
import { userCacheDirectory } from "../../common/user-cache.js";
import { locateJsonnetEngine } from "../../jsonnet/engine-locator.js";
import type { Terminal } from "../terminal.js";

/** `formed doctor`: what this installation uses, one line each; exit 1 when no Jsonnet engine is found. */
export async function doctorCommand(terminal: Terminal): Promise<number> {
  const lines: [string, string][] = [
    ["formed", `${formedVersion()} (${packageRoot()})`],
    ["node", `${process.version} on ${process.platform}-${process.arch}`],
  ];
  let code = 0;
  try {
    const engine = locateJsonnetEngine();
    lines.push([
      "jsonnet engine",
      engine.kind === "native"
        ? `native ${engine.binary} (from ${engine.source})`
        : `wasm ${engine.wasm} (${engine.fallbackReason === undefined ? engine.source : `fallback: ${engine.fallbackReason}`})`,
    ]);
  } catch (error) {
    code = 1;
    const hint = (error as { hint?: string }).hint;
    lines.push([
      "jsonnet engine",
      `none: ${(error as Error).message}${hint === undefined ? "" : `. ${hint}`}`,
    ]);
  }
  lines.push(["typescript loader", `tsx ${packageVersion("tsx")}`]);
  lines.push(["typescript (types)", packageVersion("typescript")]);
  lines.push(["user cache", userCacheDirectory()]);
  const width = Math.max(...lines.map(([name]) => name.length));
  terminal.out(lines.map(([name, value]) => `${name.padEnd(width)}  ${value}\n`).join(""));
  return code;
}

function packageVersion(name: string): string {
  try {
    const require = createRequire(join(packageRoot(), "package.json"));
    return (require(`${name}/package.json`) as { version: string }).version;
  } catch {
    return "not found";
  }
}

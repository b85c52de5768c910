import { existsSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { writeFailure } from "../../common/atomic-write.js";
import { FormedError } from "../../errors.js";
import type { Terminal } from "../terminal.js";
import { INIT_TEMPLATES } from "./init-templates.js";

/**
 * `formed init [DIR]`: writes a starting project (steps.ts, config.jsonnet, formed.yml,
 * tsconfig.json, .gitignore) into DIR (default: the current folder). Refuses, writing nothing,
 * when any of those files exists already.
 */
export function initCommand(terminal: Terminal, directory: string | undefined): number {
  const target = resolve(directory ?? ".");
  if (existsSync(target) && !isDirectory(target)) {
    throw new FormedError("E_USAGE", `${target} exists and is not a folder`);
  }
  const taken = Object.keys(INIT_TEMPLATES).filter((name) => existsSync(join(target, name)));
  if (taken.length > 0) {
    throw new FormedError(
      "E_CONFIG",
      `formed init writes nothing: ${taken.join(", ")} already exist${taken.length === 1 ? "s" : ""} in ${target}`,
      { hint: "Run it in an empty folder, or give a new one: formed init my-workflow" },
    );
  }
  mkdirSync(target, { recursive: true });
  for (const [name, text] of Object.entries(INIT_TEMPLATES)) {
    try {
      writeFileSync(join(target, name), text, { flag: "wx" });
    } catch (error) {
      // Not E_USAGE (exit 2): the command was right, the folder could not take the files.
      throw writeFailure(error, join(target, name), "E_CONFIG");
    }
  }
  const shown = relative(process.cwd(), target);
  terminal.err(`wrote ${Object.keys(INIT_TEMPLATES).join(", ")} in ${shown === "" ? "." : shown}\n`);
  const cd = shown === "" ? "" : `cd ${/\s/.test(shown) ? JSON.stringify(shown) : shown} && `;
  terminal.out(`next: ${cd}npx formed workflow run config.jsonnet\n`);
  return 0;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * The key parts of an execution (`keys.json` in its folder), and the search for them that
 * `--dry-run` and `explain` make: the executions of a folder, newest first.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomicSync } from "../common/atomic-write.js";
import { type ExecutionKeys, isExecutionKeys } from "../fingerprint/step-key.js";

export const KEYS_FILE = "keys.json";

export function writeKeysFile(executionFolder: string, keys: ExecutionKeys): void {
  writeFileAtomicSync(join(executionFolder, KEYS_FILE), `${JSON.stringify(keys)}\n`);
}

/** The keys of the executions under `executionsFolder`, newest first (by when their keys were written). */
export async function* keysInFolder(
  executionsFolder: string,
): AsyncGenerator<{ id: string; keys: ExecutionKeys }> {
  let ids: string[];
  try {
    ids = readdirSync(executionsFolder);
  } catch {
    return;
  }
  const written: { id: string; time: number }[] = [];
  for (const id of ids) {
    const stats = statSync(join(executionsFolder, id, KEYS_FILE), { throwIfNoEntry: false });
    if (stats !== undefined) written.push({ id, time: stats.mtimeMs });
  }
  written.sort((a, b) => b.time - a.time || (a.id < b.id ? 1 : -1));
  for (const { id } of written) {
    const keys = readKeysFile(join(executionsFolder, id));
    if (keys !== undefined) yield { id, keys };
  }
}

/** An execution's keys; undefined when it has none or the file is damaged (then it is as if it had none). */
export function readKeysFile(executionFolder: string): ExecutionKeys | undefined {
  try {
    const parsed: unknown = JSON.parse(readFileSync(join(executionFolder, KEYS_FILE), "utf8"));
    return isExecutionKeys(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

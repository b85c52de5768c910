import { displayPath, formatBytes, formatTime, table } from "../records-display.js";
import type { Terminal } from "../terminal.js";
import { openRecords } from "./open-records.js";

export interface CacheInfoCommandOptions {
  json?: boolean;
  settings?: string;
}

/** How many step types `cache info` lists. */
const TOP_TYPES = 20;

/** `formed cache info`: entries, total size, oldest and newest, and per step type. */
export async function cacheInfoCommand(
  terminal: Terminal,
  options: CacheInfoCommandOptions,
): Promise<number> {
  const records = await openRecords(options);
  const info = await records.cacheInfo();
  if (options.json === true) {
    terminal.out(`${JSON.stringify({ ...info, types: info.types.slice(0, TOP_TYPES) }, null, 2)}\n`);
    return 0;
  }
  terminal.out(`${info.kind} cache: ${displayPath(info.location)}\n`);
  terminal.out(`entries: ${info.entries}, ${formatBytes(info.bytes)}\n`);
  if (info.entries === 0) return 0;
  terminal.out(`oldest:  ${formatTime(info.oldest?.created)}\n`);
  terminal.out(`newest:  ${formatTime(info.newest?.created)}\n`);
  if (info.damaged > 0) terminal.out(`damaged: ${info.damaged} (\`formed cache gc\` removes them)\n`);
  const shown = info.types.slice(0, TOP_TYPES);
  terminal.out(
    `\nby step type${info.types.length > TOP_TYPES ? ` (the ${TOP_TYPES} largest of ${info.types.length})` : ""}:\n`,
  );
  const rows = shown.map((group) => [group.type, String(group.entries), formatBytes(group.bytes)]);
  for (const line of table(["STEP TYPE", "ENTRIES", "SIZE"], rows, [1, 2]).trimEnd().split("\n")) {
    terminal.out(`  ${line}\n`);
  }
  return 0;
}

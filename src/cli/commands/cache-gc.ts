import { parseCount, parseDuration } from "../option-values.js";
import { formatBytes, formatTime } from "../records-display.js";
import type { Terminal } from "../terminal.js";
import { openRecords } from "./open-records.js";

export interface CacheGcCommandOptions {
  keepLast?: string;
  olderThan?: string;
  dryRun?: boolean;
  json?: boolean;
  settings?: string;
}

/**
 * `formed cache gc`: removes the entries no kept execution uses, printing each (or, with
 * --dry-run, what it would remove) and the bytes freed.
 */
export async function cacheGcCommand(terminal: Terminal, options: CacheGcCommandOptions): Promise<number> {
  const keepLast =
    options.keepLast === undefined ? undefined : parseCount(options.keepLast, "--keep-last", "E_CACHE");
  const keepWithinMs =
    options.olderThan === undefined ? undefined : parseDuration(options.olderThan, "--older-than", "E_CACHE");
  const records = await openRecords(options);
  const dryRun = options.dryRun === true;
  const verb = dryRun ? "would remove" : "removed";
  const report = await records.collectGarbage(
    {
      ...(keepLast === undefined ? {} : { keepLast }),
      ...(keepWithinMs === undefined ? {} : { keepWithinMs }),
    },
    {
      dryRun,
      // As it goes: a long collection shows its progress.
      onRemove: (entry) => {
        if (options.json === true) return;
        const what =
          entry.damaged === undefined
            ? `${entry.format}, made ${formatTime(entry.created)}`
            : `damaged: ${entry.damaged}`;
        terminal.out(`${verb} ${entry.fingerprint}  ${formatBytes(entry.bytes)}  (${what})\n`);
      },
    },
  );
  if (options.json === true) {
    terminal.out(
      `${JSON.stringify(
        {
          dryRun,
          removed: report.removed.map((entry) => ({
            fingerprint: entry.fingerprint,
            bytes: entry.bytes,
            format: entry.format,
          })),
          bytes: report.bytes,
          skipped: report.skipped.map(({ entry, reason }) => ({ fingerprint: entry.fingerprint, reason })),
          kept: report.kept,
          executions: report.executions,
          keptExecutions: report.keptExecutions,
          leftovers: report.leftovers,
        },
        null,
        2,
      )}\n`,
    );
    return 0;
  }
  for (const { entry, reason } of report.skipped) {
    const why =
      reason === "in-use" ? "a running execution uses it" : "another process is computing or writing it";
    terminal.out(`kept ${entry.fingerprint}: ${why}\n`);
  }
  terminal.out(
    `${verb} ${report.removed.length} ${report.removed.length === 1 ? "entry" : "entries"}, ${formatBytes(report.bytes)}${dryRun ? " would be freed" : " freed"}; ${report.kept} kept for ${report.keptExecutions} of ${report.executions} executions\n`,
  );
  if (report.leftovers > 0)
    terminal.out(`also removed ${report.leftovers} leftovers of ended processes (scratch folders, locks)\n`);
  return 0;
}

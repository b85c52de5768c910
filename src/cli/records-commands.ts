/**
 * The commands on recorded executions (`formed workflow list/show/result/diff`) and on the cache
 * (`formed cache info/gc/remove`), added to the program by main.ts.
 */
import type { Command, Option } from "commander";
import { cacheGcCommand } from "./commands/cache-gc.js";
import { cacheInfoCommand } from "./commands/cache-info.js";
import { cacheRemoveCommand } from "./commands/cache-remove.js";
import { diffCommand } from "./commands/executions-diff.js";
import { listCommand } from "./commands/executions-list.js";
import { resultCommand } from "./commands/executions-result.js";
import { showCommand } from "./commands/executions-show.js";
import type { Terminal } from "./terminal.js";

interface CommandContext {
  terminal: Terminal;
  setExit: (code: number) => void;
  settingsOption: () => Option;
  /** Adds the options of commands that read a config (--overrides, --ext-var, ...). */
  configOptions: (command: Command) => Command;
}

export function addExecutionCommands(workflow: Command, context: CommandContext): void {
  const { terminal, setExit, settingsOption } = context;
  workflow
    .command("list")
    .description("list executions, newest first: start, duration, status, steps ran, reused, failed")
    .option("--limit <n>", "show at most N executions")
    .option(
      "--status <status>",
      "only executions of this status (completed, failure, canceled, running, interrupted, pending)",
    )
    .option("--json", "print them as JSON")
    .addOption(settingsOption())
    .action(async (options) => setExit(await listCommand(terminal, options)));

  workflow
    .command("show")
    .description("show an execution: config, git, Node and packages, every step with its state and result")
    .argument("<id>", "execution id")
    .option("--json", "print it as JSON")
    .addOption(settingsOption())
    .action(async (id: string, options) => setExit(await showCommand(terminal, id, options)));

  workflow
    .command("result")
    .description("print a step's result as JSON (a streamed result as JSON Lines)")
    .argument("<id>", "execution id")
    .argument("<step>", "the step's name in the config")
    .option("--json", "print a value on one line instead of indented")
    .addOption(settingsOption())
    .action(async (id: string, step: string, options) =>
      setExit(await resultCommand(terminal, id, step, options)),
    );

  workflow
    .command("diff")
    .description(
      "compare two executions: circumstances, config, code and package versions, and each step's result",
    )
    .argument("<id1>", "the first execution")
    .argument("<id2>", "the second execution")
    .option("--json", "print the differences as JSON")
    .addOption(settingsOption())
    .action(async (first: string, second: string, options) =>
      setExit(await diffCommand(terminal, first, second, options)),
    );
}

/** `formed cache ...`; returns the group, whose subcommands main.ts configures with the others. */
export function addCacheCommands(program: Command, context: CommandContext): Command {
  const { terminal, setExit, settingsOption, configOptions } = context;
  const cache = program.command("cache").description("inspect the cache and reclaim its space");
  cache
    .command("info")
    .description("entries, total size, oldest and newest, and per step type")
    .option("--json", "print it as JSON")
    .addOption(settingsOption())
    .action(async (options) => setExit(await cacheInfoCommand(terminal, options)));

  cache
    .command("gc")
    .description(
      "remove the entries no kept execution uses (all executions are kept unless --keep-last or --older-than says otherwise); safe while workflows run",
    )
    .option("--keep-last <n>", "keep the entries of the N newest executions only")
    .option(
      "--older-than <duration>",
      "executions that started longer ago than this (30d, 12h, 90m) keep nothing",
    )
    .option("--dry-run", "print what would be removed, remove nothing")
    .option("--json", "print the report as JSON")
    .addOption(settingsOption())
    .action(async (options) => setExit(await cacheGcCommand(terminal, options)));

  configOptions(
    cache
      .command("remove")
      .description("remove a step's cached result for a config, so it runs again")
      .argument("<step>", "the step's name in the config")
      .requiredOption("--config <config>", "workflow config (.jsonnet or .json)"),
  ).action(async (step: string, options) => setExit(await cacheRemoveCommand(terminal, step, options)));
  return cache;
}

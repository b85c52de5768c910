import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { formedVersion } from "../common/package-info.js";
import { FormedError } from "../errors.js";
import { checkCommand } from "./commands/check.js";
import { doctorCommand } from "./commands/doctor.js";
import { explainCommand } from "./commands/explain.js";
import { initCommand } from "./commands/init.js";
import { removeCommand } from "./commands/remove.js";
import { runCommand } from "./commands/run.js";
import { schemaCommand } from "./commands/schema.js";
import { uiCommand } from "./commands/ui.js";
import { visualizeCommand } from "./commands/visualize.js";
import { workerCommand } from "./commands/worker.js";
import { addCacheCommands, addExecutionCommands } from "./records-commands.js";
import { reportError } from "./report-error.js";
import { processTerminal, type Terminal } from "./terminal.js";

/** Exit statuses: 0 success, 1 a failed run or bad input, 2 bad usage of the command line. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

function positiveCount(value: string): number {
  const count = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(count) || count < 1) {
    throw new InvalidArgumentError(`expected a whole number of at least 1, got "${value}"`);
  }
  return count;
}

function portNumber(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65_535) {
    throw new InvalidArgumentError(`expected a port from 0 (any free one) to 65535, got "${value}"`);
  }
  return port;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** A parser for a repeatable `--flag KEY=VALUE` option, collecting an object. */
function keyValue(flag: string) {
  return (value: string, previous: Record<string, string>): Record<string, string> => {
    const at = value.indexOf("=");
    if (at <= 0) {
      throw new FormedError("E_USAGE", `${flag} expects KEY=VALUE, got ${JSON.stringify(value)}`);
    }
    return { ...previous, [value.slice(0, at)]: value.slice(at + 1) };
  };
}

function buildProgram(terminal: Terminal, setExit: (code: number) => void): Command {
  const program = new Command("formed")
    .description("Typed TypeScript workflow steps, wired in Jsonnet, cached by content fingerprint.")
    .version(formedVersion(), "-V, --version")
    .showHelpAfterError("(add --help for usage)")
    .configureOutput({ writeOut: terminal.out, writeErr: terminal.err });

  program
    .command("init")
    .description("write a starting project: steps.ts, config.jsonnet, formed.yml, tsconfig.json, .gitignore")
    .argument("[dir]", "folder to write it in (created if missing; default: the current folder)")
    .action((dir: string | undefined) => setExit(initCommand(terminal, dir)));

  program
    .command("doctor")
    .description("print the Jsonnet engine, Node, TypeScript loader and cache folder in use")
    .action(async () => setExit(await doctorCommand(terminal)));

  const workflow = program.command("workflow").description("run, inspect and manage workflows");
  const settingsOption = () => new Option("--settings <file>", "settings file instead of ./formed.yml");

  program
    .command("worker")
    .description("compute the steps a distributed executor sends to its queue, until stopped (Ctrl-C)")
    .option(
      "--concurrency <n>",
      "steps at once, each in a worker process (default: the cores)",
      positiveCount,
    )
    .option(
      "--resources <name=amount,...>",
      "what this machine has, e.g. gpu=1,llm=4: steps asking for them come here",
    )
    .option("--queue <name>", "the queue to serve instead of formed.yml's workflow.executor.queue")
    .addOption(settingsOption())
    .action(async (options) => setExit(await workerCommand(terminal, options)));
  const configOptions = (command: Command) =>
    command
      .option(
        "--overrides <jsonnet>",
        "Jsonnet object of dotted keys to set in the config, e.g. '{\"steps.a.x\": 2}'",
      )
      .option(
        "--ext-var <key=value>",
        "a std.extVar value (repeatable; environment variables are ext vars too)",
        keyValue("--ext-var"),
        {},
      )
      .option(
        "--tla-str <key=value>",
        "a top-level argument, as a string (repeatable)",
        keyValue("--tla-str"),
        {},
      )
      .option(
        "--tla-code <key=value>",
        "a top-level argument, as Jsonnet code (repeatable)",
        keyValue("--tla-code"),
        {},
      )
      .addOption(settingsOption());

  configOptions(
    workflow
      .command("run")
      .description("run a workflow, reusing every cached result")
      .argument("<config>", "workflow config (.jsonnet or .json)")
      .option("--execution-id <id>", "id of the new execution (refused if it exists)")
      .option("--step <name>", "run only this step and its dependencies (repeatable)", collect, [])
      .option(
        "--force <name>",
        "run this step again even when its result is cached (repeatable)",
        collect,
        [],
      )
      .option(
        "-j, --jobs <n>",
        "run up to N steps at once (synchronous steps in worker processes); 1: one by one, in this process",
        positiveCount,
      )
      .option(
        "--keep-going",
        "a failed step stops only the steps that read it; every failure is listed at the end",
      )
      .option("--dry-run", "run nothing; print for every step whether it would be reused or run, and why")
      .option("--json", "with --dry-run: print the plan as JSON"),
  ).action(async (config: string, options) => setExit(await runCommand(terminal, config, options)));

  configOptions(
    workflow
      .command("explain")
      .description("say why a step would run or be reused: every part of its key that changed")
      .argument("<config>", "workflow config (.jsonnet or .json)")
      .argument("<step>", "the step's name in the config")
      .option("--against <id>", "compare with this execution (default: the latest that had the step)")
      .option("--json", "print the explanation as JSON"),
  ).action(async (config: string, step: string, options) =>
    setExit(await explainCommand(terminal, config, step, options)),
  );

  workflow
    .command("remove")
    .description("remove the record of an execution (cached results stay)")
    .argument("<id>", "execution id")
    .addOption(settingsOption())
    .action(async (id: string, options) => setExit(await removeCommand(terminal, id, options)));

  configOptions(
    workflow
      .command("visualize")
      .description("draw the workflow's DAG, each step marked cached or not")
      .argument("<config>", "workflow config (.jsonnet or .json)"),
  ).action(async (config: string, options) => setExit(await visualizeCommand(terminal, config, options)));

  configOptions(
    workflow
      .command("check")
      .description("report every problem of a config (types included) without running anything")
      .argument("<config>", "workflow config (.jsonnet or .json)")
      .addOption(
        new Option(
          "--format <format>",
          "json: every problem as JSON on stdout, with file, line and column (for editors and CI)",
        )
          .choices(["human", "json"])
          .default("human"),
      ),
  ).action(async (config: string, options) => setExit(await checkCommand(terminal, config, options)));

  workflow
    .command("schema")
    .description("print the JSON Schema (draft 2020-12) of configs for every registered step")
    .option("--output <file>", "write it to a file instead of stdout")
    .addOption(settingsOption())
    .action(async (options) => setExit(await schemaCommand(terminal, options)));

  program
    .command("ui")
    .description("serve a read-only web view of the executions: list, DAG, steps, logs, results, diffs")
    .option("--port <n>", "port to listen on (default 4141; 0: any free one)", portNumber)
    .option("--host <address>", "address to bind (default 127.0.0.1: this machine only)")
    .addOption(settingsOption())
    .action(async (options) => setExit(await uiCommand(terminal, options)));

  const recordCommands = { terminal, setExit, settingsOption, configOptions };
  addExecutionCommands(workflow, recordCommands);
  const cache = addCacheCommands(program, recordCommands);

  for (const command of [...program.commands, program, ...workflow.commands, ...cache.commands]) {
    command.exitOverride();
    command.configureOutput({ writeOut: terminal.out, writeErr: terminal.err });
  }
  return program;
}

/** Runs the CLI with `argv` (without node and script) and returns the exit status. */
export async function main(argv: readonly string[], terminal: Terminal = processTerminal()): Promise<number> {
  let exitCode = EXIT_OK;
  const program = buildProgram(terminal, (code) => {
    exitCode = code;
  });
  try {
    if (argv.length === 0) {
      program.outputHelp();
      return EXIT_USAGE;
    }
    await program.parseAsync([...argv], { from: "user" });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version end with code 0; every other commander error is bad usage.
      return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    if (error instanceof FormedError && error.code === "E_USAGE") {
      reportError(terminal, error);
      return EXIT_USAGE;
    }
    reportError(terminal, error);
    return EXIT_FAILURE;
  }
}

import { FormedError } from "../../errors.js";
import { BINARY_RECORDS_FILE, BINARY_VALUE_FILE } from "../../format/binary.js";
import { ExecutionRecords } from "../../workflow/execution-records.js";
import { WorkflowProject } from "../../workflow/project.js";
import { displayPath } from "../records-display.js";
import { isBytes, isItemStream, resultJson, writeJsonLines } from "../result-output.js";
import type { Terminal } from "../terminal.js";

export interface ResultCommandOptions {
  json?: boolean;
  settings?: string;
}

/**
 * `formed workflow result ID STEP`: the step's result as JSON (indented; one line with --json),
 * a streamed result as JSON Lines. The project is loaded: user formats and classes read results.
 */
export async function resultCommand(
  terminal: Terminal,
  id: string,
  step: string,
  options: ResultCommandOptions,
): Promise<number> {
  const project = await WorkflowProject.load(
    options.settings === undefined ? {} : { settingsFile: options.settings },
  );
  const records = ExecutionRecords.of(project.organizer);
  const execution = await records.get(id);
  const archived = execution.graph.steps[step];
  const entry =
    archived === undefined ? undefined : await records.entry(execution.steps[step]?.fingerprint ?? "");
  const binary = entry?.files.find((file) => file === BINARY_VALUE_FILE || file === BINARY_RECORDS_FILE);
  if (entry !== undefined && binary !== undefined) {
    throw binaryResult(step, id, entry.format, `${displayPath(entry.location)}/${binary}`);
  }
  // Unknown steps, steps that never ran, results not in the cache: readResult says which.
  const value = await project.organizer.readResult(execution, step, project.formats);
  if (isBytes(value)) {
    throw binaryResult(
      step,
      id,
      archived?.format ?? "?",
      entry === undefined ? "(not stored)" : displayPath(entry.location),
    );
  }
  if (isItemStream(value)) await writeJsonLines(terminal, value);
  else terminal.out(`${resultJson(value, options.json === true ? undefined : 2)}\n`);
  return 0;
}

function binaryResult(step: string, id: string, format: string, file: string): FormedError {
  return new FormedError(
    "E_FORMAT",
    `the result of step "${step}" of execution ${id} is binary (format "${format}"), not printable as JSON: ${file}`,
    { hint: "read it in a program with `WorkflowProject.readResult(id, step)`" },
  );
}

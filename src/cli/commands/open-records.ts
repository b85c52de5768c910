import { ExecutionRecords } from "../../workflow/execution-records.js";

/** The records of the working directory, with `--settings` when given (no step module is loaded). */
export function openRecords(options: { settings?: string }): Promise<ExecutionRecords> {
  return ExecutionRecords.open(options.settings === undefined ? {} : { settingsFile: options.settings });
}

import { describeDifference } from "../../fingerprint/key-diff.js";
import type { ExecutionDiff, StepDiff, ValueChange } from "../../organizer/execution-diff.js";
import type { Terminal } from "../terminal.js";
import { openRecords } from "./open-records.js";

export interface DiffCommandOptions {
  json?: boolean;
  settings?: string;
}

const RESULT_TEXT: Record<StepDiff["result"], [mark: string, text: string]> = {
  "same-result": ["=", "same result"],
  "different-result": ["≠", "different result"],
  unknown: ["?", "result not comparable"],
  "only-in-first": ["-", "only in the first"],
  "only-in-second": ["+", "only in the second"],
};

/** `formed workflow diff ID1 ID2`: circumstances, config, code and package versions, results. */
export async function diffCommand(
  terminal: Terminal,
  first: string,
  second: string,
  options: DiffCommandOptions,
): Promise<number> {
  const records = await openRecords(options);
  const diff = await records.diff(first, second);
  if (options.json === true) {
    const steps = diff.steps.map((step) => ({
      ...step,
      differences: step.differences.map((difference) => ({
        ...difference,
        text: describeDifference(difference),
      })),
    }));
    terminal.out(`${JSON.stringify({ ...diff, steps }, null, 2)}\n`);
    return 0;
  }
  printDiff(terminal, diff);
  return 0;
}

function printDiff(terminal: Terminal, diff: ExecutionDiff): void {
  terminal.out(`${diff.first} -> ${diff.second}\n`);
  const changes = [
    ...diff.circumstances,
    ...diff.packages.map((change) => ({ ...change, name: `package ${change.name}` })),
  ];
  if (changes.length > 0) {
    terminal.out("\ncircumstances:\n");
    for (const change of changes) terminal.out(`  ${describeChange(change)}\n`);
  }
  terminal.out("\nsteps:\n");
  const width = Math.max(0, ...diff.steps.map((step) => step.name.length));
  for (const step of diff.steps) {
    const [mark, text] = RESULT_TEXT[step.result];
    const note = step.note === undefined || step.note === "" ? "" : `: ${step.note}`;
    terminal.out(`  ${mark} ${step.name.padEnd(width)}  ${text}${note}\n`);
    for (const difference of step.differences) terminal.out(`      ${describeDifference(difference)}\n`);
  }
  const count = (result: StepDiff["result"]) => diff.steps.filter((step) => step.result === result).length;
  terminal.out(
    `${count("same-result")} same, ${count("different-result")} different, ${count("unknown")} not comparable, ${count("only-in-first")} only in ${diff.first}, ${count("only-in-second")} only in ${diff.second}\n`,
  );
}

function describeChange(change: ValueChange): string {
  const show = (value: unknown) =>
    value === undefined ? "(none)" : typeof value === "string" ? value : JSON.stringify(value);
  return `${change.name}: ${show(change.old)} -> ${show(change.new)}`;
}

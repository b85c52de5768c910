/** How `--dry-run` and `explain` print a plan: one line per step, or every reason of one step. */
import type { PlannedStep } from "../executor/plan.js";
import { describeDifference, type KeyDifference } from "../fingerprint/key-diff.js";
import { DIM, GREEN, paint, type Terminal, YELLOW } from "./terminal.js";

const DECISION_TEXT: Record<PlannedStep["decision"], string> = {
  reuse: "reused",
  run: "will run",
  waits: "waits",
};

/** `--dry-run`: each step, reused or will run with its first reason, or waiting. */
export function printPlan(terminal: Terminal, plan: readonly PlannedStep[]): void {
  const width = Math.max(0, ...plan.map((step) => step.name.length));
  for (const step of plan) {
    const name = step.name.padEnd(width);
    const first = step.reasons[0];
    if (step.decision === "reuse") {
      terminal.out(`${paint(terminal, GREEN, "○")} ${name}  reused\n`);
    } else if (step.decision === "waits") {
      terminal.out(
        `${paint(terminal, DIM, "…")} ${name}  ${first === undefined ? "waits" : describeDifference(first)}\n`,
      );
    } else {
      terminal.out(
        `${paint(terminal, YELLOW, "●")} ${name}  will run: ${first === undefined ? "no earlier result" : describeDifference(first)}\n`,
      );
    }
  }
  const count = (decision: PlannedStep["decision"]) =>
    plan.filter((step) => step.decision === decision).length;
  terminal.out(`${count("reuse")} reused, ${count("run")} will run, ${count("waits")} wait for others\n`);
}

/** `explain`: every difference of one step's key from the execution it is compared with. */
export function printExplanation(terminal: Terminal, step: PlannedStep): void {
  const fingerprint = step.key === undefined ? "" : ` (fingerprint ${step.key.fingerprint})`;
  terminal.out(`${step.name}: ${DECISION_TEXT[step.decision]}${fingerprint}\n`);
  if (step.against !== undefined) terminal.out(`compared with execution ${step.against}\n`);
  else terminal.out("no earlier execution recorded this step\n");
  if (step.decision === "reuse") {
    terminal.out("its result is in the cache: nothing it depends on changed\n");
  }
  for (const reason of step.reasons) {
    terminal.out(`  - ${describeDifference(reason)}\n`);
    if (reason.kind === "code" && reason.diff !== undefined) {
      for (const line of reason.diff.split("\n")) terminal.out(`      ${line}\n`);
    }
  }
  for (const { unit, text } of step.notFollowed) {
    terminal.out(
      `not followed: ${text} in ${unit} (a computed path: what it imports is not part of the version)\n`,
    );
  }
}

/** The plan as JSON for tools: every reason with its kind, fields and the sentence printed for it. */
export function planJson(plan: readonly PlannedStep[]): Record<string, unknown>[] {
  return plan.map((step) => ({
    name: step.name,
    decision: step.decision,
    ...(step.key === undefined ? {} : { fingerprint: step.key.fingerprint }),
    ...(step.against === undefined ? {} : { against: step.against }),
    notFollowed: step.notFollowed,
    reasons: step.reasons.map((reason: KeyDifference) => ({ ...reason, text: describeDifference(reason) })),
  }));
}

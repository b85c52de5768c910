import { describe, expect, it } from "vitest";
import { ProgressReporter } from "../../src/cli/progress-reporter.js";
import type { Terminal } from "../../src/cli/terminal.js";
import type { StepContext } from "../../src/step/context.js";

function terminal(interactive: boolean): Terminal & { text: () => string } {
  let err = "";
  return {
    out: () => undefined,
    err: (text) => {
      err += text;
    },
    interactive,
    color: false,
    text: () => err,
  };
}

function stepContext(name: string, status: StepContext["state"]["status"], error?: string): StepContext {
  return {
    info: { name, type: "t", fingerprint: "f", version: "v", config: { type: "t" } },
    state: { status, fingerprint: "f", ...(error === undefined ? {} : { error }) },
  } as StepContext;
}

const execution = { id: "exec", state: { status: "completed" as const }, logger: undefined as never };
const graph = { size: 3 } as never;
const node = undefined as never;

describe("ProgressReporter", () => {
  it("on a terminal, shows the running step on a live line that its result replaces", async () => {
    const out = terminal(true);
    const reporter = new ProgressReporter(out);
    await reporter.onExecutionStart?.(execution, graph);
    const running = stepContext("train", "running");
    await reporter.onStepStart?.(running, node);
    expect(out.text()).toContain("… train running");
    expect(out.text().endsWith("running")).toBe(true);
    running.state.status = "completed";
    await reporter.onStepEnd?.(running, node);
    // The live line is cleared (carriage return, erase line) and replaced by the result.
    const CLEAR_LINE = "\r\u001b[2K";
    expect(out.text()).toContain(`running${CLEAR_LINE}  ✓ train ran `);
    expect(out.text()).toMatch(/✓ train ran \d+\.\d+s\n$/);
    await reporter.onStepStart?.(stepContext("data", "running"), node);
    await reporter.onStepEnd?.(stepContext("data", "cached"), node);
    await reporter.onStepStart?.(stepContext("bad", "running"), node);
    await reporter.onStepEnd?.(stepContext("bad", "failure", "boom"), node);
    await reporter.onExecutionEnd?.(execution, graph);
    expect(out.text()).toContain("○ data cached");
    expect(out.text()).toMatch(/✗ bad failed \d+\.\d+s: boom/);
    expect(out.text()).toMatch(/execution exec completed in \d+\.\d+s: 1 ran, 1 cached, 1 failed\n$/);
  });

  it("in plain output, prints one line per cached step and no control characters", async () => {
    const out = terminal(false);
    const reporter = new ProgressReporter(out);
    await reporter.onExecutionStart?.(execution, graph);
    await reporter.onStepStart?.(stepContext("data", "running"), node);
    await reporter.onStepEnd?.(stepContext("data", "cached"), node);
    const logged = stepContext("train", "running");
    await reporter.onStepStart?.(logged, node);
    reporter.logSink({ level: "info", message: "epoch 1", time: new Date(), step: "train" });
    logged.state.status = "completed";
    await reporter.onStepEnd?.(logged, node);
    await reporter.onExecutionEnd?.(execution, graph);
    const lines = out.text().split("\n");
    expect(lines.filter((line) => line.includes("data"))).toEqual(["  ○ data cached"]);
    // A step that logs is announced first, so its lines read under its name.
    expect(lines.findIndex((line) => line.includes("… train running"))).toBeLessThan(
      lines.findIndex((line) => line.includes("epoch 1")),
    );
    expect(out.text()).not.toContain("\r");
    expect(out.text()).not.toContain("\u001b");
  });
});

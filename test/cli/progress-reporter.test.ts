import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ERASE_LINE } from "../../src/cli/live-block.js";
import { ProgressReporter } from "../../src/cli/progress-reporter.js";
import type { Terminal } from "../../src/cli/terminal.js";
import type { StepContext } from "../../src/step/context.js";

interface FakeTerminal extends Terminal {
  /** Every write, as it was made. */
  readonly writes: string[];
  text(): string;
  /** What a terminal shows after the writes: each line, the cursor's (last) line included. */
  screen(): string[];
}

function terminal(interactive: boolean, size: { rows?: number; columns?: number } = {}): FakeTerminal {
  const writes: string[] = [];
  return {
    out: () => undefined,
    err: (text) => {
      writes.push(text);
    },
    interactive,
    color: false,
    ...size,
    writes,
    text: () => writes.join(""),
    screen: () => render(writes.join("")),
  };
}

/** A small terminal: text, newlines, "up and erase line" (the block's erasing), "\r, erase line". */
function render(text: string): string[] {
  const lines = [""];
  let row = 0;
  for (let i = 0; i < text.length; ) {
    if (text.startsWith(ERASE_LINE, i)) {
      if (row === 0) throw new Error("erased above the first line");
      row--;
      lines[row] = "";
      i += ERASE_LINE.length;
    } else if (text.startsWith("\r\x1b[2K", i)) {
      lines[row] = "";
      i += 5;
    } else if (text[i] === "\x1b") {
      throw new Error(`unexpected escape sequence at ${i}: ${JSON.stringify(text.slice(i, i + 8))}`);
    } else if (text[i] === "\n") {
      row++;
      if (lines.length === row) lines.push("");
      i++;
    } else {
      lines[row] = `${lines[row]}${text[i]}`;
      i++;
    }
  }
  // Lines below the cursor that were erased hold nothing: a terminal shows them blank.
  return lines.slice(0, row + 1);
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

async function start(reporter: ProgressReporter, name: string): Promise<StepContext> {
  const step = stepContext(name, "running");
  await reporter.onStepStart?.(step, node);
  return step;
}

async function end(
  reporter: ProgressReporter,
  step: StepContext,
  status: StepContext["state"]["status"],
): Promise<void> {
  step.state.status = status;
  await reporter.onStepEnd?.(step, node);
}

function log(reporter: ProgressReporter, step: string, message: string): void {
  reporter.logSink({ level: "info", message, time: new Date(), step });
}

describe("ProgressReporter on an interactive terminal", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("lists every running step in a live block that each end erases exactly and draws again", async () => {
    const out = terminal(true);
    const reporter = new ProgressReporter(out);
    await reporter.onExecutionStart?.(execution, graph);
    const a = await start(reporter, "a");
    vi.advanceTimersByTime(100);
    const b = await start(reporter, "b");
    const c = await start(reporter, "c");
    // Nothing is drawn until a step has run a little (a cached step never shows).
    expect(out.writes).toHaveLength(1);
    vi.advanceTimersByTime(50);
    expect(out.writes.at(-1)).toBe("  … a 0.1s\n");
    vi.advanceTimersByTime(100);
    // "b" and "c" join the block as soon as they have run as long.
    expect(out.writes.at(-1)).toBe(`${ERASE_LINE}  … a 0.3s\n  … b 0.1s\n  … c 0.1s\n`);

    vi.advanceTimersByTime(250);
    await end(reporter, b, "completed");
    // One write: the three lines of the block erased, the end line, the block without "b".
    expect(out.writes.at(-1)).toBe(`${ERASE_LINE.repeat(3)}  ✓ b ran 0.40s\n  … a 0.5s\n  … c 0.4s\n`);
    expect(out.screen()).toEqual([
      "formed execution exec (3 steps)",
      "  ✓ b ran 0.40s",
      "  … a 0.5s",
      "  … c 0.4s",
      "",
    ]);

    a.state.error = "boom";
    await end(reporter, a, "failure");
    // Within a tenth of a second of the last drawing, yet a shown step's end redraws at once.
    expect(out.screen().slice(-3)).toEqual(["  ✗ a failed 0.50s: boom", "  … c 0.4s", ""]);
    await end(reporter, c, "canceled");
    await reporter.onExecutionEnd?.(execution, graph);
    const screen = out.screen();
    expect(screen.filter((line) => line.startsWith("  …"))).toEqual([]);
    expect(screen.slice(1, 4)).toEqual([
      "  ✓ b ran 0.40s",
      "  ✗ a failed 0.50s: boom",
      "  ⊘ c canceled 0.40s",
    ]);
    expect(screen.at(-2)).toMatch(
      /^execution exec completed in 0\.50s: 1 ran, 0 cached, 1 failed, 1 canceled$/,
    );
    // The block's timers are gone with the execution.
    expect(vi.getTimerCount()).toBe(0);
  });

  it("brings the running times up to date about once a second, and stops when nothing runs", async () => {
    const out = terminal(true);
    const reporter = new ProgressReporter(out);
    const train = await start(reporter, "train");
    vi.advanceTimersByTime(150);
    const drawn = out.writes.length;
    vi.advanceTimersByTime(12_000);
    // One drawing a second, each the block erased and drawn again with the new time.
    expect(out.writes.length - drawn).toBe(12);
    expect(out.writes.at(-1)).toBe(`${ERASE_LINE}  … train 12.2s\n`);
    await end(reporter, train, "completed");
    expect(out.screen()).toEqual(["  ✓ train ran 12.2s", ""]);
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(5000);
    expect(out.screen()).toEqual(["  ✓ train ran 12.2s", ""]);
  });

  it("never shows a cached step, and many cached steps cost few drawings of the block", async () => {
    const out = terminal(true);
    const reporter = new ProgressReporter(out);
    await start(reporter, "train");
    vi.advanceTimersByTime(200);
    for (let i = 0; i < 2000; i++) {
      const step = await start(reporter, `data${i}`);
      vi.advanceTimersByTime(1);
      await end(reporter, step, "cached");
    }
    vi.advanceTimersByTime(100);
    const drawings = out.writes.filter((write) => write.includes("… train"));
    // 2 s of cached steps: at most ten drawings a second (plus the two seconds' updates).
    expect(drawings.length).toBeGreaterThan(2);
    expect(drawings.length).toBeLessThanOrEqual(25);
    expect(out.text()).not.toMatch(/… data/);
    const screen = out.screen();
    expect(screen).toHaveLength(2002);
    expect(screen[0]).toBe("  ○ data0 cached");
    expect(screen[1999]).toBe("  ○ data1999 cached");
    expect(screen[2000]).toMatch(/^ {2}… train 2\.\d+s$/);
  });

  it("prints log lines above the block, whole and with their step", async () => {
    const out = terminal(true);
    const reporter = new ProgressReporter(out);
    await start(reporter, "a");
    await start(reporter, "b");
    vi.advanceTimersByTime(1000);
    log(reporter, "a", "epoch 1");
    expect(out.writes.at(-1)).toBe(`${ERASE_LINE.repeat(2)}  │ [a] epoch 1\n  … a 1.0s\n  … b 1.0s\n`);
    // Lines within a tenth of a second of a drawing wait for the next one, in their order.
    log(reporter, "b", "loss 0.5\nloss 0.4");
    log(reporter, "a", "epoch 2");
    const writes = out.writes.length;
    vi.advanceTimersByTime(100);
    expect(out.writes).toHaveLength(writes + 1);
    expect(out.writes.at(-1)).toBe(
      `${ERASE_LINE.repeat(2)}  │ [b] loss 0.5\n  │ [b] loss 0.4\n  │ [a] epoch 2\n  … a 1.1s\n  … b 1.1s\n`,
    );
    expect(out.screen()).toEqual([
      "  │ [a] epoch 1",
      "  │ [b] loss 0.5",
      "  │ [b] loss 0.4",
      "  │ [a] epoch 2",
      "  … a 1.1s",
      "  … b 1.1s",
      "",
    ]);
  });

  it("caps the block at the terminal's rows, or ten lines, with '… and K more running'", async () => {
    const small = terminal(true, { rows: 5 });
    const reporter = new ProgressReporter(small);
    const steps = [];
    for (let i = 1; i <= 6; i++) steps.push(await start(reporter, `s${i}`));
    vi.advanceTimersByTime(150);
    expect(small.screen()).toEqual([
      "  … s1 0.1s",
      "  … s2 0.1s",
      "  … s3 0.1s",
      "  … and 3 more running",
      "",
    ]);
    // A step counted in the last line ends: the count follows at once.
    await end(reporter, steps[5]!, "completed");
    expect(small.screen().slice(-3)).toEqual(["  … s3 0.1s", "  … and 2 more running", ""]);
    await end(reporter, steps[4]!, "completed");
    await end(reporter, steps[3]!, "completed");
    expect(small.screen().slice(-4)).toEqual(["  … s1 0.1s", "  … s2 0.1s", "  … s3 0.1s", ""]);

    const unsized = terminal(true);
    const other = new ProgressReporter(unsized);
    for (let i = 1; i <= 12; i++) await start(other, `t${i}`);
    vi.advanceTimersByTime(150);
    const block = unsized.screen();
    expect(block).toHaveLength(11);
    expect(block[8]).toBe("  … t9 0.1s");
    expect(block[9]).toBe("  … and 3 more running");
  });

  it("cuts a long name so a line of the block never wraps", async () => {
    const out = terminal(true, { columns: 20 });
    const reporter = new ProgressReporter(out);
    await start(reporter, "a-very-long-step-name-indeed");
    vi.advanceTimersByTime(150);
    const [line] = out.screen();
    expect(line).toBe("  … a-very-lo… 0.1s");
    expect(line!.length).toBeLessThan(20);
  });
});

describe("ProgressReporter in plain output", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("says a step is running only once it has run for a second, each step on its own timer", async () => {
    const out = terminal(false);
    const reporter = new ProgressReporter(out);
    await reporter.onExecutionStart?.(execution, graph);
    const a = await start(reporter, "a");
    vi.advanceTimersByTime(400);
    const b = await start(reporter, "b");
    const data = await start(reporter, "data");
    vi.advanceTimersByTime(100);
    await end(reporter, data, "cached");
    vi.advanceTimersByTime(499);
    expect(out.text()).not.toContain("running");
    vi.advanceTimersByTime(1);
    expect(out.writes.at(-1)).toBe("  … a running\n");
    expect(out.text()).not.toContain("… b");
    vi.advanceTimersByTime(400);
    expect(out.writes.at(-1)).toBe("  … b running\n");
    const quick = await start(reporter, "quick");
    vi.advanceTimersByTime(999);
    await end(reporter, quick, "completed");
    await end(reporter, a, "completed");
    await end(reporter, b, "completed");
    await reporter.onExecutionEnd?.(execution, graph);
    expect(out.text().split("\n")).toEqual([
      "formed execution exec (3 steps)",
      "  ○ data cached",
      "  … a running",
      "  … b running",
      "  ✓ quick ran 1.00s",
      "  ✓ a ran 2.40s",
      "  ✓ b ran 2.00s",
      "execution exec completed in 2.40s: 3 ran, 1 cached",
      "",
    ]);
    // Every write is whole lines; no control characters.
    for (const write of out.writes) expect(write).toMatch(/^[^\n]+\n(?:[^\n]+\n)*$/);
    expect(out.text()).not.toContain("\r");
    expect(out.text()).not.toContain("\u001b");
    expect(vi.getTimerCount()).toBe(0);
  });

  it("announces a step that logs before its first line, and prints interleaved lines whole", async () => {
    const out = terminal(false);
    const reporter = new ProgressReporter(out);
    const train = await start(reporter, "train");
    const evaluate = await start(reporter, "eval");
    log(reporter, "train", "epoch 1");
    log(reporter, "eval", "batch 1\nbatch 2");
    log(reporter, "train", "epoch 2");
    await end(reporter, evaluate, "completed");
    vi.advanceTimersByTime(2000);
    await end(reporter, train, "completed");
    expect(out.text().split("\n")).toEqual([
      "  … train running",
      "  │ [train] epoch 1",
      "  … eval running",
      "  │ [eval] batch 1",
      "  │ [eval] batch 2",
      "  │ [train] epoch 2",
      "  ✓ eval ran 0.00s",
      "  ✓ train ran 2.00s",
      "",
    ]);
  });

  it("shows where a step runs, when it says, and does not count a step that ended pending", async () => {
    const out = terminal(false);
    const reporter = new ProgressReporter(out);
    const remote = stepContext("train", "running");
    (remote.info as unknown as { host: string }).host = "gpu-1";
    await reporter.onStepStart?.(remote, node);
    vi.advanceTimersByTime(1000);
    await end(reporter, remote, "completed");
    await end(reporter, await start(reporter, "later"), "pending");
    await reporter.onExecutionEnd?.(execution, graph);
    expect(out.text().split("\n")).toEqual([
      "  … train @gpu-1 running",
      "  ✓ train @gpu-1 ran 1.00s",
      "  · later not run",
      "execution exec completed in 1.00s: 1 ran, 0 cached",
      "",
    ]);

    const custom = terminal(true);
    const placed = new ProgressReporter(custom, { placeOf: (step) => `worker ${step.info.name.length}` });
    await start(placed, "eval");
    vi.advanceTimersByTime(150);
    expect(custom.screen()).toEqual(["  … eval @worker 4 0.1s", ""]);
  });
});

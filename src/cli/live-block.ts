import { DIM, paint, type Terminal, YELLOW } from "./terminal.js";

/** A step appears in the block once it has run this long, so a cached step never does. */
export const SHOW_AFTER_MS = 150;
/** Lines printed within this time of the last drawing wait for the next one (at most 10 draws a second). */
export const REDRAW_THROTTLE_MS = 100;
/** The running times are brought up to date this often while the block is on screen. */
export const TICK_MS = 1000;
/** The block's height when the terminal does not say how many rows it has. */
export const DEFAULT_MAX_LINES = 10;

/** Moves to the line above and erases it: written once per line of the block. */
export const ERASE_LINE = "\x1b[1A\x1b[2K";

interface Running {
  /** A function is read at each drawing: where a step runs may be known only once it started there. */
  readonly label: string | (() => string);
  readonly start: number;
  /** Whether the block on screen shows it. */
  shown: boolean;
}

/**
 * The live block at the bottom of an interactive terminal: one line per running step with its
 * running time, and every other line printed above it. Each line of the block ends with a
 * newline, so the cursor waits below it; erasing it is one "up, erase line" per line.
 *
 * Cheap with many steps: a step is drawn only after it has run `SHOW_AFTER_MS`, so a cached step
 * is its end line and never a drawing; lines printed while the block is up wait for the next
 * drawing (one erase, the lines, one redraw), at most one every `REDRAW_THROTTLE_MS`, except that
 * a shown step's end redraws at once (the block never shows a finished step).
 */
export class LiveBlock {
  readonly #terminal: Terminal;
  readonly #now: () => number;
  readonly #running = new Map<string, Running>();
  /** Lines of the block on screen now. */
  #drawn = 0;
  #lastDraw = Number.NEGATIVE_INFINITY;
  /** Text waiting for the next drawing. */
  #pending = "";
  #soon: NodeJS.Timeout | undefined;
  #soonAt = Number.POSITIVE_INFINITY;
  #tick: NodeJS.Timeout | undefined;

  constructor(terminal: Terminal, now: () => number = () => performance.now()) {
    this.#terminal = terminal;
    this.#now = now;
  }

  /** A step started: `label` is what its line shows before the running time (its name, its host). */
  start(key: string, label: string | (() => string)): void {
    const now = this.#now();
    this.#running.set(key, { label, start: now, shown: false });
    this.#schedule(now + SHOW_AFTER_MS);
  }

  /** A step ended: it leaves the block, and `text` (whole lines) is printed above it. */
  end(key: string, text: string): void {
    const step = this.#running.get(key);
    this.#running.delete(key);
    if (this.#running.size === 0) this.#stopTick();
    this.#pending += text;
    if (step?.shown === true) this.#flush();
    else this.#settle();
  }

  /** Prints whole lines (each ending with a newline) above the block. */
  print(text: string): void {
    this.#pending += text;
    this.#settle();
  }

  /** Writes what waits, erases the block and stops its timers (the execution ended). */
  close(): void {
    this.#stopTick();
    this.#cancelSoon();
    this.#running.clear();
    this.#flush();
  }

  /** Writes the pending text now if that costs no drawing or the last drawing is old enough. */
  #settle(): void {
    const now = this.#now();
    if (this.#drawn === 0 && !this.#anyShowable(now)) {
      // No block on screen and none to draw: the text goes out as it is.
      if (this.#pending !== "") this.#terminal.err(this.#pending);
      this.#pending = "";
      if (this.#running.size === 0) this.#cancelSoon();
    } else if (now - this.#lastDraw >= REDRAW_THROTTLE_MS) {
      this.#flush();
    } else {
      this.#schedule(this.#lastDraw + REDRAW_THROTTLE_MS);
    }
  }

  /** Erases the block, writes the pending text and draws the block again, in one write. */
  #flush(): void {
    const now = this.#now();
    const lines = this.#lines(now);
    const text = ERASE_LINE.repeat(this.#drawn) + this.#pending + lines.join("");
    this.#pending = "";
    this.#drawn = lines.length;
    if (lines.length > 0) {
      this.#lastDraw = now;
      if (this.#tick === undefined) {
        this.#tick = setInterval(() => this.#flush(), TICK_MS);
        this.#tick.unref();
      }
    }
    if (text !== "") this.#terminal.err(text);
    // A step not yet shown is drawn when it has run long enough.
    for (const step of this.#running.values()) {
      if (!step.shown) {
        this.#schedule(step.start + SHOW_AFTER_MS);
        break;
      }
    }
  }

  #anyShowable(now: number): boolean {
    // Steps are kept in the order they started: the first is the one that has run longest.
    for (const step of this.#running.values()) return now - step.start >= SHOW_AFTER_MS;
    return false;
  }

  #lines(now: number): string[] {
    const showable: [Running, number][] = [];
    for (const step of this.#running.values()) {
      const elapsed = now - step.start;
      // Shown on a line of its own or in the count of the last line: its end redraws the block.
      step.shown = elapsed >= SHOW_AFTER_MS;
      if (step.shown) showable.push([step, elapsed]);
    }
    const rows = this.#terminal.rows;
    // The block must fit on the screen, with the cursor's line below it.
    const max = rows === undefined || rows <= 0 ? DEFAULT_MAX_LINES : Math.max(2, rows - 1);
    const fits = showable.length <= max ? showable.length : max - 1;
    const lines = showable
      .slice(0, fits)
      .map(([step, elapsed]) =>
        this.#line(
          typeof step.label === "string" ? step.label : step.label(),
          `${(elapsed / 1000).toFixed(1)}s`,
        ),
      );
    if (fits < showable.length) {
      lines.push(`  ${paint(this.#terminal, YELLOW, "…")} and ${showable.length - fits} more running\n`);
    }
    return lines;
  }

  /** `  … label 12.3s`, the label cut so the line never wraps (a wrapped line would spoil the erasing). */
  #line(label: string, time: string): string {
    const columns = this.#terminal.columns;
    // "  … " + label + " " + time, at most columns - 1 wide.
    const room = columns === undefined || columns <= 0 ? label.length : columns - 6 - time.length;
    const shown = label.length <= room ? label : `${label.slice(0, Math.max(0, room - 1))}…`;
    return `  ${paint(this.#terminal, YELLOW, "…")} ${shown} ${paint(this.#terminal, DIM, time)}\n`;
  }

  #schedule(at: number): void {
    if (this.#soon !== undefined && this.#soonAt <= at) return;
    this.#cancelSoon();
    this.#soonAt = at;
    this.#soon = setTimeout(
      () => {
        this.#soon = undefined;
        this.#soonAt = Number.POSITIVE_INFINITY;
        this.#flush();
      },
      Math.max(0, at - this.#now()),
    );
    this.#soon.unref();
  }

  #cancelSoon(): void {
    if (this.#soon !== undefined) clearTimeout(this.#soon);
    this.#soon = undefined;
    this.#soonAt = Number.POSITIVE_INFINITY;
  }

  #stopTick(): void {
    if (this.#tick !== undefined) clearInterval(this.#tick);
    this.#tick = undefined;
  }
}

/** Where the CLI writes, so tests can run it in-process and read what it printed. */
export interface Terminal {
  out(text: string): void;
  err(text: string): void;
  /** Whether stderr is an interactive terminal (live progress lines) or a pipe/file (plain lines). */
  readonly interactive: boolean;
  readonly color: boolean;
  /** The interactive terminal's size, when known: the live block of running steps stays within it. */
  readonly rows?: number;
  readonly columns?: number;
}

export function processTerminal(): Terminal {
  const interactive = process.stderr.isTTY === true;
  return {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    interactive,
    color: interactive && process.env.NO_COLOR === undefined,
    // Read when drawing, so a resized terminal is followed.
    get rows() {
      return interactive ? process.stderr.rows : undefined;
    },
    get columns() {
      return interactive ? process.stderr.columns : undefined;
    },
  };
}

export function paint(terminal: Terminal, code: number, text: string): string {
  return terminal.color ? `\x1b[${code}m${text}\x1b[0m` : text;
}

export const GREEN = 32;
export const RED = 31;
export const YELLOW = 33;
export const DIM = 2;
export const BOLD = 1;

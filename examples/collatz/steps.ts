// The seed's quick start: Collatz sequences, their lengths, and a summary.
import { Registrable, step, useStepLogger } from "formed";

/** Streams the Collatz sequence from `init` down to 1. */
export const generateCollatz = step(function* ({ init }: { init: number }) {
  let n = init;
  while (n !== 1) {
    yield n;
    n = n % 2 === 0 ? n / 2 : 3 * n + 1;
  }
  yield 1;
});

/** The number of steps the sequence takes to reach 1. */
export const countSteps = step(({ sequence }: { sequence: Iterable<number> }): number => {
  let n = 0;
  for (const _ of sequence) n++;
  return n - 1;
});

/** The largest value the sequence reaches (iterates the same cached sequence again). */
export const peak = step(({ sequence }: { sequence: Iterable<number> }): number => {
  let max = 0;
  for (const n of sequence) max = Math.max(max, n);
  return max;
});

export const summarize = step(
  { name: "my::summarize", version: "001", deterministic: true, cacheable: true, format: "json" },
  (counts: Record<string, number>) => {
    useStepLogger().info(`summary: ${JSON.stringify(counts)}`);
    return counts;
  },
);

/** How the report lays out its rows: pick one in the config by its registered name. */
export abstract class Layout extends Registrable {
  abstract render(rows: [string, number][]): string;
}

/** Column width and the text between columns. */
export class Columns {
  constructor(
    readonly width = 8,
    readonly separator = " | ",
  ) {}

  row(cells: string[]): string {
    return cells.map((cell) => cell.padStart(this.width)).join(this.separator);
  }
}

@Layout.register("table")
export class TableLayout extends Layout {
  constructor(readonly options: { columns: Columns; title?: string }) {
    super();
  }

  render(rows: [string, number][]): string {
    const { columns, title } = this.options;
    const lines = [
      columns.row(["init", "steps"]),
      ...rows.map(([init, steps]) => columns.row([init, String(steps)])),
    ];
    return [...(title === undefined ? [] : [title]), ...lines].join("\n");
  }
}

@Layout.register("lines")
export class LinesLayout extends Layout {
  render(rows: [string, number][]): string {
    return rows.map(([init, steps]) => `${init} reaches 1 in ${steps} steps`).join("\n");
  }
}

/** Lays out the summary: `layout` is built from config (`type` picks the class, the rest its options). */
export const report = step(
  ({ counts, layout }: { counts: Record<string, number>; layout: Layout }): string => {
    const text = layout.render(Object.entries(counts));
    for (const line of text.split("\n")) useStepLogger().info(line);
    return text;
  },
);

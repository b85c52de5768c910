/** Offsets in a text as spans (1-based lines and UTF-16 columns), and dotted paths read key by key. */
import type { SourceSpan } from "../../jsonnet/engine.js";

/** Turns offsets of one text into spans. */
export class TextPositions {
  private readonly starts: number[] = [0];

  constructor(
    readonly file: string,
    text: string,
  ) {
    for (let index = text.indexOf("\n"); index >= 0; index = text.indexOf("\n", index + 1)) {
      this.starts.push(index + 1);
    }
  }

  span(start: number, end: number): SourceSpan {
    const [line, column] = this.position(start);
    const [endLine, endColumn] = this.position(end);
    return { file: this.file, line, column, endLine, endColumn };
  }

  private position(offset: number): [number, number] {
    let low = 0;
    let high = this.starts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (this.starts[middle]! <= offset) low = middle;
      else high = middle - 1;
    }
    return [low + 1, offset - this.starts[low]! + 1];
  }
}

/**
 * The key among `keys` that the dotted `rest` starts with as whole segments, and what follows
 * it. The longest wins: a key may itself hold dots (a config path is keys joined by ".").
 */
export function nextKey(rest: string, keys: Iterable<string>): { key: string; after: string } | undefined {
  let chosen: { key: string; after: string } | undefined;
  for (const key of keys) {
    const after = rest === key ? "" : rest.startsWith(`${key}.`) ? rest.slice(key.length + 1) : undefined;
    if (after !== undefined && (chosen === undefined || key.length > chosen.key.length))
      chosen = { key, after };
  }
  return chosen;
}

/** The part of `path` before `rest`, without the dot between. */
export function foundPart(path: string, rest: string): string {
  return rest === "" ? path : path.slice(0, Math.max(0, path.length - rest.length - 1));
}

/**
 * How `formed workflow result` prints a step's result: JSON (Maps as objects, Sets as arrays,
 * bigints as strings), and a streamed result (an iterable read lazily from the cache) as JSON
 * Lines, item by item, so a result larger than memory prints in constant memory.
 */
import type { Terminal } from "./terminal.js";

/** Lines are gathered into chunks of about this size before they are written. */
const CHUNK_CHARS = 64 * 1024;

/** Whether `value` is a stream of items (a cached iterable), not one value. */
export function isItemStream(value: unknown): value is Iterable<unknown> | AsyncIterable<unknown> {
  if (typeof value !== "object" || value === null) return false;
  if (Array.isArray(value) || value instanceof Map || value instanceof Set || ArrayBuffer.isView(value)) {
    return false;
  }
  return Symbol.asyncIterator in value || Symbol.iterator in value;
}

/** Whether `value` is raw bytes, which JSON cannot show. */
export function isBytes(value: unknown): boolean {
  return ArrayBuffer.isView(value) || value instanceof ArrayBuffer;
}

export function resultJson(value: unknown, indent?: number): string {
  return JSON.stringify(value === undefined ? null : value, replacer, indent) ?? "null";
}

function replacer(_key: string, value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Map) {
    const entries = [...value.entries()];
    return entries.every(([key]) => typeof key === "string") ? Object.fromEntries(entries) : entries;
  }
  if (value instanceof Set) return [...value];
  if (ArrayBuffer.isView(value)) return Array.from(value as unknown as ArrayLike<number>);
  return value;
}

/**
 * Writes every item as one JSON line. Stops early, without error, when stdout is closed (a
 * reader such as `head` had enough).
 */
export async function writeJsonLines(
  terminal: Terminal,
  items: Iterable<unknown> | AsyncIterable<unknown>,
): Promise<void> {
  let closed = false;
  const onError = (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") closed = true;
    else throw error;
  };
  process.stdout.on("error", onError);
  try {
    let chunk = "";
    for await (const item of items) {
      if (closed) break;
      chunk += `${resultJson(item)}\n`;
      if (chunk.length < CHUNK_CHARS) continue;
      terminal.out(chunk);
      chunk = "";
      // Through a pipe stdout may be asynchronous: wait until it takes more, rather than buffer it all.
      if (process.stdout.writableNeedDrain && !closed) await drained();
    }
    if (chunk !== "" && !closed) terminal.out(chunk);
  } finally {
    process.stdout.off("error", onError);
  }
}

/** Until stdout takes more (or is closed). */
function drained(): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      for (const event of ["drain", "error", "close"]) process.stdout.off(event, done);
      resolve();
    };
    for (const event of ["drain", "error", "close"]) process.stdout.on(event, done);
  });
}

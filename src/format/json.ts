import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { FormedError } from "../errors.js";
import { BufferedFileWriter } from "./buffered-writer.js";
import type { ClassRegistry } from "./class-registry.js";
import type { Format, FormatContext } from "./format.js";
import { forEachItem, isStreamable, type OneShotIterator, Reiterable } from "./iterables.js";
import { readLines, readLinesSync } from "./line-reader.js";
import { isJsonRepresentable, parseTagged, stringifyTagged } from "./tagged-json.js";

export const JSON_VALUE_FILE = "value.json";
export const JSON_LINES_FILE = "items.jsonl";

/**
 * JSON for values, JSON Lines for iterators (one tagged JSON text per line, written as the
 * iterator yields and read back lazily). Dates, Maps, Sets, bigints, undefined, non-finite
 * numbers and registered class instances survive the round trip (see tagged-json.ts).
 */
export class JsonFormat implements Format {
  readonly identifier = "json";

  accepts(value: unknown, classes?: ClassRegistry): boolean {
    if (isStreamable(value)) return true;
    return classes === undefined ? true : isJsonRepresentable(value, classes);
  }

  async write(value: unknown, directory: string, context: FormatContext): Promise<void> {
    if (isStreamable(value)) {
      await writeJsonLines(value, join(directory, JSON_LINES_FILE), context.classes);
      return;
    }
    // Synchronous: a value file is written (and read) whole in one call either way, and most
    // are tiny, where the thread pool's round trip costs more than the write.
    writeFileSync(join(directory, JSON_VALUE_FILE), stringifyTagged(value, context.classes), {
      flag: "wx",
    });
  }

  async read(directory: string, context: FormatContext): Promise<unknown> {
    const valueFile = join(directory, JSON_VALUE_FILE);
    if (existsSync(valueFile)) return parseFile(readFileSync(valueFile, "utf8"), valueFile, context.classes);
    const linesFile = join(directory, JSON_LINES_FILE);
    if (!existsSync(linesFile)) {
      throw new FormedError(
        "E_FORMAT",
        `${directory} holds neither ${JSON_VALUE_FILE} nor ${JSON_LINES_FILE}`,
      );
    }
    return readJsonLines(linesFile, context.classes);
  }
}

/** A lazy, re-iterable view of a JSON Lines file. */
export function readJsonLines(path: string, classes: ClassRegistry): Reiterable {
  return new Reiterable({
    *sync() {
      let line = 0;
      for (const text of readLinesSync(path)) yield parseLine(text, path, ++line, classes);
    },
    async *async() {
      let line = 0;
      for await (const text of readLines(path)) yield parseLine(text, path, ++line, classes);
    },
  });
}

async function writeJsonLines(
  items: OneShotIterator | Reiterable,
  path: string,
  classes: ClassRegistry,
): Promise<void> {
  const writer = await BufferedFileWriter.create(path);
  try {
    await forEachItem(items, (item) => writer.add(stringifyTagged(item, classes), "\n"));
  } catch (error) {
    await writer.abort();
    throw error;
  }
  await writer.close();
}

function parseFile(text: string, path: string, classes: ClassRegistry): unknown {
  try {
    return parseTagged(text, classes);
  } catch (error) {
    throw damaged(error, path);
  }
}

function parseLine(text: string, path: string, line: number, classes: ClassRegistry): unknown {
  try {
    return parseTagged(text, classes);
  } catch (error) {
    throw damaged(error, `${path}:${line}`);
  }
}

function damaged(error: unknown, where: string): unknown {
  if (!(error instanceof SyntaxError)) return error;
  return new FormedError("E_FORMAT", `${where} is not valid JSON: ${error.message}`, {
    hint: "The entry is damaged; delete it to recompute.",
    cause: error,
  });
}

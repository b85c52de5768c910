import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { FormedError } from "../errors.js";
import { BufferedFileWriter } from "./buffered-writer.js";
import type { ClassRegistry } from "./class-registry.js";
import type { Format, FormatContext } from "./format.js";
import { forEachItem, isStreamable, type OneShotIterator, Reiterable } from "./iterables.js";
import { readRecords, readRecordsSync, recordHeader } from "./record-io.js";
import { deserializeTagged, serializeTagged } from "./tagged-clone.js";

export const BINARY_VALUE_FILE = "value.v8";
export const BINARY_RECORDS_FILE = "items.v8records";

/**
 * node:v8 serialization (structured clone: typed arrays, Buffers, RegExp, Map, Set, Date,
 * bigint, Errors, shared references, cycles) plus registered class instances. Iterators are
 * streamed as length-prefixed records and read back lazily. The files are tied to the V8
 * serialization format, which newer Node versions read but older ones may not.
 */
export class BinaryFormat implements Format {
  readonly identifier = "binary";

  async write(value: unknown, directory: string, context: FormatContext): Promise<void> {
    if (isStreamable(value)) {
      await writeRecords(value, join(directory, BINARY_RECORDS_FILE), context.classes);
      return;
    }
    await writeFile(join(directory, BINARY_VALUE_FILE), serializeTagged(value, context.classes), {
      flag: "wx",
    });
  }

  async read(directory: string, context: FormatContext): Promise<unknown> {
    const valueFile = join(directory, BINARY_VALUE_FILE);
    if (existsSync(valueFile)) return deserializeTagged(await readFile(valueFile), context.classes);
    const recordsFile = join(directory, BINARY_RECORDS_FILE);
    if (!existsSync(recordsFile)) {
      throw new FormedError(
        "E_FORMAT",
        `${directory} holds neither ${BINARY_VALUE_FILE} nor ${BINARY_RECORDS_FILE}`,
      );
    }
    return readBinaryRecords(recordsFile, context.classes);
  }
}

/** A lazy, re-iterable view of a file of v8 records. */
export function readBinaryRecords(path: string, classes: ClassRegistry): Reiterable {
  return new Reiterable({
    *sync() {
      for (const record of readRecordsSync(path)) yield deserializeTagged(record, classes);
    },
    async *async() {
      for await (const record of readRecords(path)) yield deserializeTagged(record, classes);
    },
  });
}

async function writeRecords(
  items: OneShotIterator | Reiterable,
  path: string,
  classes: ClassRegistry,
): Promise<void> {
  const writer = await BufferedFileWriter.create(path);
  const add = (item: unknown): Promise<void> | undefined => {
    const payload = serializeTagged(item, classes);
    return writer.add(recordHeader(payload.length, path), payload);
  };
  try {
    await forEachItem(items, add);
  } catch (error) {
    await writer.abort();
    throw error;
  }
  await writer.close();
}

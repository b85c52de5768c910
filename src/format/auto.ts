import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { FormedError } from "../errors.js";
import { BINARY_RECORDS_FILE, BINARY_VALUE_FILE, BinaryFormat } from "./binary.js";
import type { Format, FormatContext } from "./format.js";
import { isOneShotIterator, type OneShotIterator, Reiterable, syncIteratorOf } from "./iterables.js";
import { JsonFormat } from "./json.js";
import { isJsonRepresentable } from "./tagged-json.js";

/**
 * Records which format `auto` chose, when its formats are not the built-in ones (whose file
 * names tell them apart, so no record is written: a file less for every result).
 */
export const AUTO_CHOICE_FILE = "auto.json";

export interface AutoFormatOptions {
  /** The format for values JSON can represent. Default: a JsonFormat. */
  json?: Format;
  /** The format for everything else. Default: a BinaryFormat. */
  binary?: Format;
}

/**
 * The default format: JSON when the value is JSON-representable (plain data, Date, Map, Set,
 * bigint, registered class instances), binary otherwise (typed arrays, Buffers, RegExp,
 * Errors, cycles...). An iterator is judged by its first item, since it can be read only once.
 */
export class AutoFormat implements Format {
  readonly identifier = "auto";
  readonly #json: Format;
  readonly #binary: Format;
  /** True with the built-in JSON and binary formats (not subclasses): their files' names say which one wrote them. */
  readonly #choiceFromFiles: boolean;

  constructor(options: AutoFormatOptions = {}) {
    this.#json = options.json ?? new JsonFormat();
    this.#binary = options.binary ?? new BinaryFormat();
    this.#choiceFromFiles =
      Object.getPrototypeOf(this.#json) === JsonFormat.prototype &&
      Object.getPrototypeOf(this.#binary) === BinaryFormat.prototype;
  }

  async write(value: unknown, directory: string, context: FormatContext): Promise<void> {
    let toWrite = value;
    let sample: { value: unknown } | undefined;
    if (isOneShotIterator(value)) {
      const peeked = await peek(value);
      sample = peeked.first;
      toWrite = peeked.all;
    } else if (value instanceof Reiterable) {
      sample = firstOf(value);
    } else {
      sample = { value };
    }
    const chosen =
      sample === undefined || isJsonRepresentable(sample.value, context.classes) ? this.#json : this.#binary;
    if (!this.#choiceFromFiles) {
      // Synchronous: a few bytes, written once per result; the thread pool's round trip costs more.
      writeFileSync(join(directory, AUTO_CHOICE_FILE), JSON.stringify({ format: chosen.identifier }), {
        flag: "wx",
      });
    }
    await chosen.write(toWrite, directory, context);
  }

  async read(directory: string, context: FormatContext): Promise<unknown> {
    if (this.#choiceFromFiles) {
      const binary = [BINARY_VALUE_FILE, BINARY_RECORDS_FILE].some((name) =>
        existsSync(join(directory, name)),
      );
      return binary ? this.#binary.read(directory, context) : this.#json.read(directory, context);
    }
    const path = join(directory, AUTO_CHOICE_FILE);
    let choice: unknown;
    try {
      choice = (JSON.parse(readFileSync(path, "utf8")) as { format?: unknown }).format;
    } catch (error) {
      throw new FormedError("E_FORMAT", `${path} is missing or damaged`, { cause: error });
    }
    if (choice === this.#json.identifier) return this.#json.read(directory, context);
    if (choice === this.#binary.identifier) return this.#binary.read(directory, context);
    throw new FormedError(
      "E_FORMAT",
      `${path} names format ${JSON.stringify(choice)}, which auto does not use`,
    );
  }
}

function firstOf(items: Reiterable): { value: unknown } | undefined {
  for (const value of items) return { value };
  return undefined;
}

/** Takes the first item off a one-shot iterator, and gives back an iterator over all items. */
async function peek(
  items: OneShotIterator,
): Promise<{ first: { value: unknown } | undefined; all: OneShotIterator }> {
  const sync = syncIteratorOf(items);
  if (sync !== undefined) {
    const step = sync.next();
    if (step.done === true) return { first: undefined, all: [][Symbol.iterator]() };
    return { first: { value: step.value }, all: prepend(step.value, sync) };
  }
  const asyncIterator =
    Symbol.asyncIterator in items
      ? (items as AsyncIterable<unknown>)[Symbol.asyncIterator]()
      : (items as AsyncIterator<unknown>);
  const step = await asyncIterator.next();
  if (step.done === true) return { first: undefined, all: [][Symbol.iterator]() };
  return { first: { value: step.value }, all: prependAsync(step.value, asyncIterator) };
}

function* prepend(first: unknown, rest: Iterator<unknown>): Generator<unknown> {
  let finished = false;
  try {
    yield first;
    for (let step = rest.next(); step.done !== true; step = rest.next()) yield step.value;
    finished = true;
  } finally {
    if (!finished) rest.return?.();
  }
}

async function* prependAsync(first: unknown, rest: AsyncIterator<unknown>): AsyncGenerator<unknown> {
  let finished = false;
  try {
    yield first;
    for (let step = await rest.next(); step.done !== true; step = await rest.next()) yield step.value;
    finished = true;
  } finally {
    if (!finished) await rest.return?.();
  }
}

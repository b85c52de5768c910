import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { FormedError } from "../errors.js";
import { AutoFormat } from "./auto.js";
import { defineField, isPlainObject } from "./class-codec.js";
import type { Format, FormatContext } from "./format.js";
import { fromTaggedJson, toTaggedJson } from "./tagged-json.js";

export const MAPPING_INDEX_FILE = "index.json";

export interface MappingFormatOptions {
  /** The format of each value. Default: auto. */
  inner?: Format;
}

interface MappingIndex {
  kind: "object" | "map";
  /** In insertion order; `key` is tagged JSON (Map keys may be numbers, Dates...). */
  entries: { key: unknown; dir: string }[];
}

/**
 * A plain object or Map stored as one subdirectory per key, each value in the inner format,
 * so a large dict of datasets is written (and later read) one value at a time. Directory names
 * are `<position>-<key made filesystem-safe>`: the position keeps them unique whatever the
 * keys (also on case-insensitive filesystems), the key keeps them readable; index.json maps
 * the real keys to them. The identifier names the inner format when it is not the default.
 */
export class MappingFormat implements Format {
  readonly identifier: string;
  readonly #inner: Format;

  constructor(options: MappingFormatOptions = {}) {
    this.#inner = options.inner ?? new AutoFormat();
    this.identifier = options.inner === undefined ? "mapping" : `mapping[${options.inner.identifier}]`;
  }

  accepts(value: unknown): boolean {
    return value instanceof Map || (typeof value === "object" && value !== null && isPlainObject(value));
  }

  async write(value: unknown, directory: string, context: FormatContext): Promise<void> {
    if (!this.accepts(value)) {
      throw new FormedError("E_FORMAT", "the mapping format stores a plain object or a Map", {
        hint: 'Return an object or Map from the step, or use the "auto" format.',
      });
    }
    const isMap = value instanceof Map;
    const entries: [unknown, unknown][] = isMap
      ? [...(value as Map<unknown, unknown>)]
      : Object.entries(value as Record<string, unknown>);
    const index: MappingIndex = { kind: isMap ? "map" : "object", entries: [] };
    for (const [position, [key, item]] of entries.entries()) {
      const dir = directoryName(position, key);
      await mkdir(join(directory, dir));
      await this.#inner.write(item, join(directory, dir), context);
      index.entries.push({ key: toTaggedJson(key, context.classes), dir });
    }
    await writeFile(join(directory, MAPPING_INDEX_FILE), JSON.stringify(index), { flag: "wx" });
  }

  async read(directory: string, context: FormatContext): Promise<unknown> {
    const path = join(directory, MAPPING_INDEX_FILE);
    let index: MappingIndex;
    try {
      index = JSON.parse(await readFile(path, "utf8")) as MappingIndex;
    } catch (error) {
      throw new FormedError("E_FORMAT", `${path} is missing or damaged`, { cause: error });
    }
    const map = new Map<unknown, unknown>();
    const object: Record<string, unknown> = {};
    for (const { key, dir } of index.entries) {
      const item = await this.#inner.read(join(directory, dir), context);
      const realKey = fromTaggedJson(key, context.classes);
      if (index.kind === "map") map.set(realKey, item);
      else defineField(object, realKey as string, item); // "__proto__" stays a key
    }
    return index.kind === "map" ? map : object;
  }
}

function directoryName(position: number, key: unknown): string {
  const label = typeof key === "string" || typeof key === "number" ? String(key) : "";
  const safe = label.replace(/[^A-Za-z0-9._-]/g, "_").slice(0, 48);
  return safe === "" ? String(position) : `${position}-${safe}`;
}

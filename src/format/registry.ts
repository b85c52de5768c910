import { FormedError } from "../errors.js";
import { AutoFormat } from "./auto.js";
import { BinaryFormat } from "./binary.js";
import type { Format } from "./format.js";
import { JsonFormat } from "./json.js";
import { MappingFormat } from "./mapping.js";

/** The name steps use when they name no format. */
export const DEFAULT_FORMAT = "auto";

/**
 * Formats by name: the built-ins ("json", "binary", "mapping", "auto") and formats users
 * register. One registry per workflow run, handed to what resolves step formats.
 */
export class FormatRegistry {
  readonly #formats = new Map<string, Format>();

  constructor() {
    const json = new JsonFormat();
    const binary = new BinaryFormat();
    const auto = new AutoFormat({ json, binary });
    this.register("json", json);
    this.register("binary", binary);
    this.register("auto", auto);
    this.register("mapping", new MappingFormat());
  }

  register(name: string, format: Format): void {
    if (this.#formats.has(name)) {
      throw new FormedError("E_FORMAT", `a format named "${name}" is already registered`, {
        hint: "Register the format under another name.",
      });
    }
    this.#formats.set(name, format);
  }

  get(name: string): Format | undefined {
    return this.#formats.get(name);
  }

  /** The format named `nameOrFormat`, or the format object itself. */
  resolve(nameOrFormat: string | Format): Format {
    if (typeof nameOrFormat !== "string") return nameOrFormat;
    const format = this.#formats.get(nameOrFormat);
    if (format !== undefined) return format;
    throw new FormedError(
      "E_FORMAT",
      `unknown format "${nameOrFormat}"; known formats: ${this.names().join(", ")}`,
      {
        hint: "Use one of the known names, or register the format before running the workflow.",
      },
    );
  }

  names(): string[] {
    return [...this.#formats.keys()];
  }
}

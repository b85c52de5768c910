import type { Format } from "./format.js";

const NAMED_FORMAT: unique symbol = Symbol.for("formed.named-format") as never;

/** A user format with the name steps use for it: `step({ format: "csv" }, ...)`. */
export type NamedFormat<T = unknown> = Format<T> & { readonly name: string; readonly [NAMED_FORMAT]: true };

/**
 * Declares a format under `name`. Exported from a module in `required_modules`, it is
 * registered by that name. Its `identifier` (default: the name) enters fingerprints: change it
 * when the layout the format writes changes.
 */
export function defineFormat<T>(
  name: string,
  format: Omit<Format<T>, "identifier"> & { identifier?: string },
): NamedFormat<T> {
  return Object.freeze({
    ...format,
    identifier: format.identifier ?? name,
    name,
    [NAMED_FORMAT]: true as const,
  });
}

export function isNamedFormat(value: unknown): value is NamedFormat {
  return (
    typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[NAMED_FORMAT] === true
  );
}

import type { ClassRegistry } from "./class-registry.js";

/**
 * How a step's result is written to and read from a cache entry directory.
 *
 * `write` may receive a one-shot iterator (a generator's result, sync or async): it must
 * consume it item by item, streaming to disk, never collecting it in memory. `read` then
 * returns a value that can be iterated any number of times (each iteration reads the files
 * again), so downstream steps may iterate a streamed result twice.
 */
export interface Format<T = unknown> {
  /** Stable identity of the on-disk layout; enters every step fingerprint. Change it when the layout changes. */
  readonly identifier: string;
  /** Writes `value` into `directory`, which exists and is empty. */
  write(value: T, directory: string, context: FormatContext): Promise<void>;
  /** Reads back what `write` wrote into `directory`. */
  read(directory: string, context: FormatContext): Promise<T>;
  /** Whether this format can store `value` (used by the `auto` format); undefined means "anything". */
  accepts?(value: unknown): boolean;
}

export interface FormatContext {
  /** Classes whose instances can be stored and restored, by stable name. */
  readonly classes: ClassRegistry;
}

import { materialize } from "../format/iterables.js";
import { type CacheKey, CacheMissError, type WorkflowCache } from "./cache.js";

/**
 * Keeps results in this process, by fingerprint, as the very objects steps returned (no
 * serialization, so no format is involved). A one-shot iterator is drained into an array so
 * it can be iterated again.
 */
export class MemoryCache implements WorkflowCache {
  readonly kind = "memory";
  readonly #values = new Map<string, unknown>();

  async has(key: CacheKey): Promise<boolean> {
    return this.#values.has(key.fingerprint);
  }

  async get(key: CacheKey): Promise<unknown> {
    if (!this.#values.has(key.fingerprint)) throw new CacheMissError(key.fingerprint);
    return this.#values.get(key.fingerprint);
  }

  async put(key: CacheKey, value: unknown): Promise<unknown> {
    const stored = await materialize(value);
    this.#values.set(key.fingerprint, stored);
    return stored;
  }

  async delete(fingerprint: string): Promise<void> {
    this.#values.delete(fingerprint);
  }
}

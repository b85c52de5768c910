import { ClassRegistry } from "../format/class-registry.js";
import { materialize } from "../format/iterables.js";
import { type CacheKey, CacheMissError, type WorkflowCache } from "./cache.js";
import { digestThroughFormat } from "./result-digest.js";

/**
 * Keeps results in this process, by fingerprint, as the very objects steps returned (no
 * serialization, so no format is involved). A one-shot iterator is drained into an array so
 * it can be iterated again.
 */
export class MemoryCache implements WorkflowCache {
  readonly kind = "memory";
  readonly #values = new Map<string, unknown>();
  /** Digests are computed when first asked for (through the format): most results are never read by another step. */
  readonly #digests = new Map<string, Promise<string | undefined>>();
  readonly #classes: ClassRegistry;

  constructor(options: { classes?: ClassRegistry } = {}) {
    this.#classes = options.classes ?? new ClassRegistry();
  }

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
    this.#digests.delete(key.fingerprint);
    return stored;
  }

  async digest(key: CacheKey): Promise<string | undefined> {
    if (!this.#values.has(key.fingerprint)) return undefined;
    let digest = this.#digests.get(key.fingerprint);
    if (digest === undefined) {
      digest = digestThroughFormat(this.#values.get(key.fingerprint), key.format, { classes: this.#classes });
      this.#digests.set(key.fingerprint, digest);
    }
    return digest;
  }

  async delete(fingerprint: string): Promise<void> {
    this.#values.delete(fingerprint);
    this.#digests.delete(fingerprint);
  }
}

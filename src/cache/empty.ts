import { materialize } from "../format/iterables.js";
import { type CacheKey, CacheMissError, type WorkflowCache } from "./cache.js";

/** Stores nothing: every step is computed every time. */
export class EmptyCache implements WorkflowCache {
  readonly kind = "empty";

  async has(_key: CacheKey): Promise<boolean> {
    return false;
  }

  async get(key: CacheKey): Promise<unknown> {
    throw new CacheMissError(key.fingerprint, "the empty cache stores nothing");
  }

  /** Gives the value back, a one-shot iterator drained so callers may still iterate it twice. */
  async put(_key: CacheKey, value: unknown): Promise<unknown> {
    return materialize(value);
  }

  async delete(_fingerprint: string): Promise<void> {}
}

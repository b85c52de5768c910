/**
 * `Lazy<T>`: what a step receives for a parameter typed `Lazy<T>` (the seed's colt `Lazy`). It
 * holds T's config and builds a fresh T on each `construct`, with extra arguments that only the
 * step knows (a vocabulary it computed, a device) merged over the config.
 */
export class Lazy<T> {
  /** The config T is built from, as written (refs already replaced by step results). */
  readonly config: unknown;
  readonly #build: (config: unknown) => T;

  constructor(config: unknown, build: (config: unknown) => T) {
    this.config = config;
    this.#build = build;
  }

  /** Builds a new T from the config with `extra` merged over it (extra wins). */
  construct(extra?: Record<string, unknown>): T {
    if (extra === undefined || Object.keys(extra).length === 0) return this.#build(this.config);
    if (typeof this.config !== "object" || this.config === null || Array.isArray(this.config)) {
      throw new TypeError("Lazy.construct: extra arguments need a config object to merge into");
    }
    return this.#build({ ...(this.config as Record<string, unknown>), ...extra });
  }
}

/**
 * Step results that are iterators can be consumed only once, yet the cache and downstream
 * steps need to iterate them again. Formats stream them to disk and hand back a `Reiterable`;
 * caches that keep values in memory materialize them.
 */

/** A source that can be iterated any number of times, synchronously or asynchronously. */
export interface ReiterableSource<T> {
  /** A fresh iterator over the whole source. */
  sync(): Iterator<T>;
  /** A fresh async iterator over the whole source; derived from `sync` when absent. */
  async?(): AsyncIterator<T>;
}

/**
 * An iterable whose every iteration, sync or async, starts over from its source (for cached
 * results, the files on disk), so a streamed result can be consumed any number of times.
 */
export class Reiterable<T = unknown> implements Iterable<T>, AsyncIterable<T> {
  readonly #source: ReiterableSource<T>;

  constructor(source: ReiterableSource<T>) {
    this.#source = source;
  }

  /** A Reiterable over an in-memory array (each iteration sees the array as it is then). */
  static of<T>(items: readonly T[]): Reiterable<T> {
    return new Reiterable({ sync: () => items[Symbol.iterator]() });
  }

  [Symbol.iterator](): Iterator<T> {
    return this.#source.sync();
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    if (this.#source.async !== undefined) return this.#source.async();
    return toAsync(this.#source.sync());
  }

  /** Every item, read into memory. */
  async toArray(): Promise<T[]> {
    const items: T[] = [];
    for await (const item of this) items.push(item);
    return items;
  }
}

async function* toAsync<T>(iterator: Iterator<T> | AsyncIterator<T>): AsyncGenerator<T> {
  try {
    // A bare async iterator (a `next` returning promises, no Symbol.asyncIterator) lands here too.
    for (;;) {
      const step = await iterator.next();
      if (step.done === true) return;
      yield step.value;
    }
  } finally {
    // An early `break` by the consumer must still close the underlying source (file handles).
    iterator.return?.();
  }
}

/** A one-shot iterator: sync or async. */
export type OneShotIterator<T = unknown> = Iterator<T> | AsyncIterable<T> | AsyncIterator<T>;

/**
 * Whether `value` can be iterated only once: generator objects, iterators (anything with a
 * `next` method, e.g. `map.entries()`), async iterables and async generators. Collections that
 * can be iterated again (arrays, strings, Map, Set, typed arrays) and `Reiterable`s are not.
 */
export function isOneShotIterator(value: unknown): value is OneShotIterator {
  if (value === null || typeof value !== "object") return false;
  if (value instanceof Reiterable || Array.isArray(value) || ArrayBuffer.isView(value)) return false;
  if (value instanceof Map || value instanceof Set) return false;
  const candidate = value as { next?: unknown; [Symbol.asyncIterator]?: unknown };
  return typeof candidate.next === "function" || typeof candidate[Symbol.asyncIterator] === "function";
}

/** Whether formats write `value` as a stream of items: a one-shot iterator or a Reiterable. */
export function isStreamable(value: unknown): value is OneShotIterator | Reiterable {
  return value instanceof Reiterable || isOneShotIterator(value);
}

/**
 * Drains a one-shot iterator into memory and returns it as a Reiterable (sync and async, as a
 * streamed result read from a filesystem cache is); any other value is returned unchanged.
 */
export async function materialize(value: unknown): Promise<unknown> {
  if (!isOneShotIterator(value)) return value;
  const items: unknown[] = [];
  await forEachItem(value, (item) => {
    items.push(item);
    return undefined;
  });
  return Reiterable.of(items);
}

/**
 * Views a one-shot iterator or Reiterable as an async iterable, preferring the async protocol
 * when the value has one. As with for-await over a sync iterable, yielded promises are awaited;
 * `forEachItem` pulls sync sources without that.
 */
export function asAsyncIterable<T>(value: OneShotIterator<T> | Reiterable<T>): AsyncIterable<T> {
  const asyncCapable = value as Partial<AsyncIterable<T>>;
  if (typeof asyncCapable[Symbol.asyncIterator] === "function") return asyncCapable as AsyncIterable<T>;
  const iterator = value as Iterator<T> | AsyncIterator<T>;
  return { [Symbol.asyncIterator]: () => toAsync(iterator) };
}

/**
 * A sync iterator over `value` when it has one, so writers can pull items without a microtask
 * per item; undefined for async-only sources.
 */
export function syncIteratorOf<T>(value: OneShotIterator<T> | Reiterable<T>): Iterator<T> | undefined {
  if (value instanceof Reiterable) return value[Symbol.iterator]();
  const candidate = value as Partial<Iterator<T>> & Partial<AsyncIterable<T>> & Partial<Iterable<T>>;
  if (typeof candidate[Symbol.asyncIterator] === "function") return undefined;
  // Without Symbol.iterator a bare `next` may return promises; only the async path handles that.
  if (typeof candidate.next === "function" && typeof candidate[Symbol.iterator] === "function") {
    return candidate as Iterator<T>;
  }
  return undefined;
}

/**
 * Feeds every item of `items` to `sink`, awaiting only the promises `sink` returns (its
 * backpressure), so a sync source is pulled without a microtask per item.
 */
export async function forEachItem<T>(
  items: OneShotIterator<T> | Reiterable<T>,
  sink: (item: T) => Promise<void> | undefined,
): Promise<void> {
  const iterator = syncIteratorOf(items);
  if (iterator === undefined) {
    for await (const item of asAsyncIterable(items)) {
      const wait = sink(item);
      if (wait !== undefined) await wait;
    }
    return;
  }
  let finished = false;
  try {
    for (let step = iterator.next(); step.done !== true; step = iterator.next()) {
      const wait = sink(step.value);
      if (wait !== undefined) await wait;
    }
    finished = true;
  } finally {
    // Like for-of: a sink failure closes the source (a generator's finally blocks run).
    if (!finished) iterator.return?.();
  }
}

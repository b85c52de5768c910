import { describe, expect, it } from "vitest";
import { isOneShotIterator, materialize, Reiterable } from "../../src/format/iterables.js";

describe("isOneShotIterator", () => {
  it("recognises generators, iterators and async iterables", async () => {
    function* gen(): Generator<number> {
      yield 1;
    }
    async function* agen(): AsyncGenerator<number> {
      yield 1;
    }
    const asyncIterable = { [Symbol.asyncIterator]: agen };
    for (const value of [
      gen(),
      agen(),
      [1].values(),
      new Map().entries(),
      "ab"[Symbol.iterator](),
      asyncIterable,
    ]) {
      expect(isOneShotIterator(value)).toBe(true);
    }
  });

  it("rejects collections that can be iterated again", () => {
    for (const value of [
      [1],
      "ab",
      new Map(),
      new Set(),
      new Uint8Array(2),
      Buffer.alloc(1),
      Reiterable.of([1]),
      {},
      null,
      1,
    ]) {
      expect(isOneShotIterator(value)).toBe(false);
    }
  });
});

describe("materialize", () => {
  it("drains sync and async iterators, and leaves other values alone", async () => {
    async function* agen(): AsyncGenerator<number> {
      yield 1;
      yield 2;
    }
    const drained = (await materialize([1, 2].values())) as Reiterable<number>;
    expect(drained).toBeInstanceOf(Reiterable);
    expect([...drained]).toEqual([1, 2]);
    expect([...drained]).toEqual([1, 2]);
    expect(await ((await materialize(agen())) as Reiterable<number>).toArray()).toEqual([1, 2]);
    const array = [1];
    expect(await materialize(array)).toBe(array);
    const set = new Set([1]);
    expect(await materialize(set)).toBe(set);
  });

  it("keeps promises a sync generator yields as they are", async () => {
    const promise = Promise.resolve(1);
    const items = [...((await materialize([promise].values())) as Reiterable<unknown>)];
    expect(items[0]).toBe(promise);
  });
});

describe("Reiterable", () => {
  it("starts over at every iteration, sync and async", async () => {
    let starts = 0;
    const items = new Reiterable({
      *sync() {
        starts++;
        yield* [1, 2];
      },
    });
    expect([...items]).toEqual([1, 2]);
    expect(await items.toArray()).toEqual([1, 2]);
    expect([...items]).toEqual([1, 2]);
    expect(starts).toBe(3);
  });

  it("closes the source when async iteration stops early", async () => {
    let closed = 0;
    const items = new Reiterable({
      *sync() {
        try {
          yield* [1, 2, 3];
        } finally {
          closed++;
        }
      },
    });
    for await (const _ of items) break;
    expect(closed).toBe(1);
  });
});

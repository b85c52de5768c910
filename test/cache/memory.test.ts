import { expect, it } from "vitest";
import { MemoryCache } from "../../src/cache/memory.js";
import { AutoFormat } from "../../src/format/auto.js";
import { describeCacheConformance } from "./conformance.js";

describeCacheConformance("memory", async () => ({ cache: new MemoryCache(), cleanup: async () => {} }), {
  stores: true,
  serializes: false,
});

it("keeps the very object that was put", async () => {
  const cache = new MemoryCache();
  const value = { a: [1] };
  const key = { fingerprint: "ff00", format: new AutoFormat() };
  await cache.put(key, value);
  expect(await cache.get(key)).toBe(value);
});

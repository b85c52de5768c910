import { describe, expect, it } from "vitest";
import { canonicalJson } from "../../src/fingerprint/fingerprint.js";

describe("canonicalJson", () => {
  it("sorts keys at every level, leaves out undefined members, and writes bigints tagged", () => {
    expect(canonicalJson({ b: 1, a: [{ z: undefined, y: 2n }, null, "s"], c: undefined })).toBe(
      '{"a":[{"y":{"$bigint":"2"}},null,"s"],"b":1}',
    );
    expect(canonicalJson([undefined, () => 1, Number.NaN])).toBe("[null,null,null]");
    expect(canonicalJson("x")).toBe('"x"');
    expect(canonicalJson({})).toBe("{}");
  });

  it("writes values nested deeper than the call stack allows", () => {
    let value: unknown = 1;
    for (let i = 0; i < 100_000; i++) value = { x: [value] };
    const text = canonicalJson(value);
    expect(text.startsWith('{"x":[{"x":[')).toBe(true);
    expect(text.length).toBe(100_000 * '{"x":[]}'.length + 1);
  });
});

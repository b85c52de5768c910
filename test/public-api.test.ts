import { describe, expect, it } from "vitest";
import * as formed from "../src/index.js";

describe("the public API", () => {
  // A snapshot of the export list: adding or removing a public name is a deliberate act.
  it("exports exactly these names", () => {
    expect(Object.keys(formed).sort()).toMatchSnapshot();
  });

  it("step() keeps the function callable and carries its options", () => {
    const add = formed.step(
      { name: "math::add", version: "1" },
      ({ a, b }: { a: number; b: number }) => a + b,
    );
    expect(add({ a: 1, b: 2 })).toBe(3);
    expect(formed.isStep(add)).toBe(true);
    expect(add.options).toEqual({ name: "math::add", version: "1" });
    expect(() => formed.step({ nmae: "x" } as never, () => 1)).toThrow(/unknown option "nmae"/);
    expect(() => formed.step({ deterministic: "yes" } as never, () => 1)).toThrow(
      /"deterministic" must be a boolean/,
    );
  });
});

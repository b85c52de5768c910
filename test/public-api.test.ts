import { describe, expect, it } from "vitest";
import * as formed from "../src/index.js";

describe("the public API", () => {
  // A snapshot of the export list: adding or removing a public name is a deliberate act.
  it("exports exactly these names", () => {
    expect(Object.keys(formed).sort()).toMatchSnapshot();
  });

  // The built package (what `import "formed"` loads) re-exports the API from the CLI's bundle:
  // the same names, and the very objects the CLI uses (one registry of step contexts, one
  // FormedError class for instanceof).
  it("the built entry exports the same names, from the bundle the CLI runs", async () => {
    const built = (await import(new URL("../dist/index.js", import.meta.url).href)) as Record<
      string,
      unknown
    >;
    const bundle = (await import(new URL("../dist/formed.js", import.meta.url).href)) as Record<
      string,
      unknown
    >;
    expect(Object.keys(built).sort()).toEqual(Object.keys(formed).sort());
    for (const name of Object.keys(built)) expect(built[name]).toBe(bundle[name]);
    expect(typeof bundle.runFormedCli).toBe("function");
    expect("runFormedCli" in built).toBe(false);
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

import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { Registrable } from "../../src/construct/registrable.js";

describe("Registrable", () => {
  it("registers by plain call and by a TC39-shaped decorator call, per base class", () => {
    abstract class Base extends Registrable {}
    class A extends Base {}
    class B extends Base {}
    abstract class Other extends Registrable {}
    class C extends Other {}
    expect(Base.register("a")(A)).toBe(A);
    Base.register("b")(B, { kind: "class", name: "B" } as ClassDecoratorContext<typeof B>);
    Other.register("a")(C);
    expect(Base.byName("a")).toBe(A);
    expect(Base.byName("b")).toBe(B);
    expect(Other.byName("a")).toBe(C);
    expect(Base.byName("c")).toBeUndefined();
    expect(Base.registeredNames()).toEqual(["a", "b"]);
    expect(Other.registeredNames()).toEqual(["a"]);
  });

  it("keeps a subclass's own registry apart from its base's", () => {
    abstract class Base extends Registrable {}
    abstract class Middle extends Base {}
    class Leaf extends Middle {}
    Middle.register("leaf")(Leaf);
    expect(Middle.byName("leaf")).toBe(Leaf);
    expect(Base.byName("leaf")).toBeUndefined();
    expect(Base.registeredNames()).toEqual([]);
  });

  it("registers by a two-argument call after the class, returning the class", () => {
    abstract class Base extends Registrable {}
    class A extends Base {}
    expect(Base.register("a", A)).toBe(A);
    expect(Base.byName("a")).toBe(A);
    expect(() => Base.register("a", A)).not.toThrow();
    class Stranger {}
    expect(() => Base.register("s", Stranger as unknown as typeof A)).toThrow(
      'Base.register("s"): Stranger does not extend Base',
    );
    // An explicit `undefined` is a mistake (a class not defined yet), not the decorator form.
    expect(() => Base.register("u", undefined as unknown as typeof A)).toThrow("does not extend Base");
  });

  it("refuses a taken name for another class, and accepts the same class again", () => {
    abstract class Base extends Registrable {}
    class A extends Base {}
    class B extends Base {}
    Base.register("x")(A);
    expect(() => Base.register("x")(A)).not.toThrow();
    expect(() => Base.register("x")(B)).toThrow(
      'Base.register: "x" is already registered for A, cannot register B',
    );
  });

  it("refuses a class that does not extend the base, a non-class context and an empty name", () => {
    abstract class Base extends Registrable {}
    class Stranger {}
    expect(() => Base.register("s")(Stranger as unknown as typeof Base)).toThrow(
      'Base.register("s"): Stranger does not extend Base',
    );
    class A extends Base {}
    expect(() =>
      Base.register("m")(A, { kind: "method" } as unknown as ClassDecoratorContext<typeof A>),
    ).toThrow("decorates classes only");
    expect(() => Base.register("")).toThrow("expected a non-empty name");
  });

  it.each([
    ["TC39 decorators", fileURLToPath(new URL("../..", import.meta.url)), 2],
    ["legacy experimentalDecorators", fileURLToPath(new URL("./support/legacy", import.meta.url)), 1],
  ])("works as real decorator syntax: %s (compiled by tsx/esbuild)", (_name, cwd, decoratorArguments) => {
    const script = fileURLToPath(new URL("./support/decorated.ts", import.meta.url));
    const result = spawnSync(process.execPath, ["--import", "tsx", script], { encoding: "utf8", cwd });
    expect(result.stderr).toBe("");
    expect(JSON.parse(result.stdout)).toEqual({
      dog: true,
      sound: "woof",
      plant: true,
      cat: true,
      decoratorArguments,
      animals: ["dog", "cat"],
      plants: ["dog"],
    });
  });
});

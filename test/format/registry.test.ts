import { describe, expect, it } from "vitest";
import type { Format } from "../../src/format/format.js";
import { JsonFormat } from "../../src/format/json.js";
import { FormatRegistry } from "../../src/format/registry.js";

describe("FormatRegistry", () => {
  const custom: Format = { identifier: "custom", write: async () => {}, read: async () => 1 };

  it("holds the built-ins", () => {
    const registry = new FormatRegistry();
    expect(registry.names()).toEqual(["json", "binary", "auto", "mapping"]);
    expect(registry.resolve("json")).toBeInstanceOf(JsonFormat);
    expect(registry.resolve("auto").identifier).toBe("auto");
  });

  it("registers user formats and refuses duplicates", () => {
    const registry = new FormatRegistry();
    registry.register("custom", custom);
    expect(registry.resolve("custom")).toBe(custom);
    expect(() => registry.register("custom", custom)).toThrow(/already registered/);
    expect(() => registry.register("json", custom)).toThrow(/already registered/);
    expect(new FormatRegistry().get("custom")).toBeUndefined();
  });

  it("passes format objects through and lists the known names for an unknown one", () => {
    const registry = new FormatRegistry();
    expect(registry.resolve(custom)).toBe(custom);
    expect(() => registry.resolve("yaml")).toThrow(
      /unknown format "yaml"; known formats: json, binary, auto, mapping/,
    );
  });
});

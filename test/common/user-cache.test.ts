import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { userCacheDirectory } from "../../src/common/user-cache.js";

const saved = { formed: process.env.FORMED_CACHE_DIR, xdg: process.env.XDG_CACHE_HOME };
afterEach(() => {
  for (const [name, value] of [
    ["FORMED_CACHE_DIR", saved.formed],
    ["XDG_CACHE_HOME", saved.xdg],
  ] as const) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

describe("userCacheDirectory", () => {
  it("is FORMED_CACHE_DIR, else $XDG_CACHE_HOME/formed, else ~/.cache/formed", () => {
    process.env.FORMED_CACHE_DIR = "relative/cache";
    process.env.XDG_CACHE_HOME = "/xdg";
    expect(userCacheDirectory()).toBe(resolve("relative/cache"));
    process.env.FORMED_CACHE_DIR = "";
    expect(userCacheDirectory()).toBe(join("/xdg", "formed"));
    delete process.env.FORMED_CACHE_DIR;
    delete process.env.XDG_CACHE_HOME;
    expect(userCacheDirectory()).toBe(join(homedir(), ".cache", "formed"));
  });
});

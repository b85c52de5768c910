import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import type { Terminal } from "../../src/cli/terminal.js";

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const terminal: Terminal = {
    out: (text) => {
      out += text;
    },
    err: (text) => {
      err += text;
    },
    interactive: false,
    color: false,
  };
  return { code: await main(argv, terminal), out, err };
}

describe("the commands on executions and the cache, in-process", () => {
  it("are listed and documented", async () => {
    const workflow = await cli("workflow", "--help");
    for (const command of ["list", "show", "result", "diff"]) {
      expect(workflow.out).toMatch(new RegExp(`\\n  ${command} `));
    }
    const cache = await cli("cache", "--help");
    expect(cache.code).toBe(0);
    for (const command of ["info", "gc", "remove"]) expect(cache.out).toMatch(new RegExp(`\\n  ${command} `));
    const list = await cli("workflow", "list", "--help");
    for (const option of ["--limit <n>", "--status <status>", "--json", "--settings <file>"]) {
      expect(list.out).toContain(option);
    }
    const gc = await cli("cache", "gc", "--help");
    for (const option of ["--keep-last <n>", "--older-than <duration>", "--dry-run", "--json"]) {
      expect(gc.out).toContain(option);
    }
  });

  it("exit 2 on bad usage", async () => {
    const remove = await cli("cache", "remove", "sum");
    expect(remove.code).toBe(2);
    expect(remove.err).toContain("--config <config>");
    expect((await cli("workflow", "result", "only-an-id")).code).toBe(2);
    expect((await cli("cache", "sweep")).code).toBe(2);
  });
});

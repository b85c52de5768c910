import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { REPO_ROOT, runFormed } from "./harness.js";

const copies: string[] = [];
afterAll(() => {
  for (const dir of copies) rmSync(dir, { recursive: true, force: true });
});

/** A fresh copy of an example, so runs do not depend on (or leave) a .formed/ in the repository. */
function copyExample(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `formed-example-${name}-`));
  copies.push(dir);
  cpSync(join(REPO_ROOT, "examples", name), dir, {
    recursive: true,
    filter: (source) => !source.includes(".formed"),
  });
  return dir;
}

describe("examples", () => {
  it("collatz: the seed's quick start computes the step counts, then reuses them", async () => {
    const dir = copyExample("collatz");
    const first = await runFormed(["workflow", "run", "config.jsonnet"], { cwd: dir });
    expect(first.code).toBe(0);
    expect(first.stderr).toContain('summary: {"3":7,"7":16,"27":111,"97":118}');
    const second = await runFormed(["workflow", "run", "config.jsonnet"], { cwd: dir });
    expect(second.code).toBe(0);
    expect(second.stderr).toMatch(/0 ran, 14 cached/);
  });

  it("euler: answers Project Euler 1, 2, 3 and 7 through shared and field refs", async () => {
    const dir = copyExample("euler");
    const run = await runFormed(["workflow", "run", "config.jsonnet"], { cwd: dir });
    expect(run.code).toBe(0);
    expect(run.stderr).toContain("problem 1: 233168");
    expect(run.stderr).toContain("problem 7: 104743");
    expect(run.stderr).toContain(`sum of all answers: ${233168 + 4613732 + 6857 + 104743}`);
  });
});

import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT, runFormed, tempProject } from "./harness.js";

const FILES = ["steps.ts", "config.jsonnet", "formed.yml", "tsconfig.json", ".gitignore"];

describe("formed init", () => {
  it("writes a project whose workflow runs, then is fully cached, and which type-checks", async () => {
    const parent = tempProject();
    const init = await runFormed(["init", "my-workflow"], { cwd: parent.dir });
    expect(init.code).toBe(0);
    expect(init.stdout).toContain("cd my-workflow && npx formed workflow run config.jsonnet");
    const dir = join(parent.dir, "my-workflow");
    for (const file of FILES) expect(existsSync(join(dir, file))).toBe(true);
    expect(readFileSync(join(dir, ".gitignore"), "utf8")).toContain(".formed/");

    const first = await runFormed(["workflow", "run", "config.jsonnet"], { cwd: dir });
    expect(first.stderr).toContain("3 ran, 0 cached");
    expect(first.code).toBe(0);
    expect(first.stderr).toContain("the: 5");
    const second = await runFormed(["workflow", "run", "config.jsonnet"], { cwd: dir });
    expect(second.code).toBe(0);
    expect(second.stderr).toContain("0 ran, 3 cached");

    // `import { step } from "formed"` type-checks with the generated tsconfig, formed installed
    // as a user's project has it (here: node_modules/formed is this repository).
    mkdirSync(join(dir, "node_modules"));
    symlinkSync(REPO_ROOT, join(dir, "node_modules", "formed"), "junction");
    const tsc = spawnSync(
      process.execPath,
      [join(REPO_ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", join(dir, "tsconfig.json")],
      { encoding: "utf8" },
    );
    expect(tsc.stdout + tsc.stderr).toBe("");
    expect(tsc.status).toBe(0);
    // ...and a wrong type in the steps is caught by it.
    writeFileSync(
      join(dir, "bad.ts"),
      'import { step } from "formed";\nexport const s = step((x: number) => x);\nconst n: string = 1;\n',
    );
    const bad = spawnSync(
      process.execPath,
      [join(REPO_ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", join(dir, "tsconfig.json")],
      { encoding: "utf8" },
    );
    expect(bad.status).not.toBe(0);
    expect(bad.stdout).toContain("bad.ts");
  });

  it("writes into the current folder when no folder is given, and refuses to overwrite, naming the files", async () => {
    const project = tempProject({ "config.jsonnet": "{ steps: {} }\n", "notes.txt": "mine" });
    const refused = await project.formed(["init"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("config.jsonnet");
    expect(refused.stderr).not.toContain("steps.ts,");
    expect(project.exists("steps.ts")).toBe(false);
    expect(project.read("config.jsonnet")).toBe("{ steps: {} }\n");

    const empty = tempProject();
    const init = await empty.formed(["init"]);
    expect(init.code).toBe(0);
    expect(init.stdout).toContain("next: npx formed workflow run config.jsonnet");
    for (const file of FILES) expect(empty.exists(file)).toBe(true);
  });
});

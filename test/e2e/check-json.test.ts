// `formed workflow check --format json`: every problem with its file, line and column, from
// the real CLI on copies of the examples.
import { cpSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { CheckReport } from "../../src/cli/check-report.js";
import { REPO_ROOT, type TempProject, tempProject } from "./harness.js";

function exampleProject(example: "collatz" | "euler"): TempProject {
  const project = tempProject();
  cpSync(join(REPO_ROOT, "examples", example), project.dir, {
    recursive: true,
    filter: (source) => !source.includes(".formed"),
  });
  return project;
}

async function check(
  project: TempProject,
  config: string,
): Promise<{ code: number | null; report: CheckReport }> {
  const result = await project.formed(["workflow", "check", config, "--format", "json"]);
  return { code: result.code, report: JSON.parse(result.stdout) as CheckReport };
}

/** The text at a problem's line and column. */
function textAt(file: string, line: number, column: number): string {
  return readFileSync(file, "utf8")
    .split("\n")
    [line - 1]!.slice(column - 1);
}

describe("formed workflow check --format json", () => {
  it("says ok with the step count, exit status 0", async () => {
    const project = exampleProject("euler");
    const { code, report } = await check(project, "config.jsonnet");
    expect(code).toBe(0);
    expect(report).toEqual({ config: join(project.dir, "config.jsonnet"), ok: true, steps: 8, errors: [] });
  });

  it("places each problem of a Jsonnet config on its line, a comprehension's at its template", async () => {
    const project = exampleProject("collatz");
    const config = join(project.dir, "config.jsonnet");
    project.write(
      "config.jsonnet",
      project
        .read("config.jsonnet")
        .replace("init: n }", "init: n, extra: 1 }")
        .replace("columns: { width: 6 }", "columns: { width: '6' }"),
    );
    const { code, report } = await check(project, "config.jsonnet");
    expect(code).toBe(1);
    expect(report.ok).toBe(false);
    const width = report.errors.find((e) => e.path === "steps.report.layout.columns.width");
    expect(width).toMatchObject({ code: "E_CONFIG", file: config, line: 25, column: 67 });
    expect(textAt(config, width!.line!, width!.column!)).toMatch(/^width: '6'/);
    const extras = report.errors.filter((e) => e.path?.endsWith(".extra"));
    expect(extras.map((e) => e.path).sort()).toEqual([
      "steps.sequence_27.extra",
      "steps.sequence_3.extra",
      "steps.sequence_7.extra",
      "steps.sequence_97.extra",
    ]);
    for (const extra of extras) {
      expect(extra).toMatchObject({ file: config, line: 7, template: true });
      expect(textAt(config, extra.line!, extra.column!)).toMatch(/^extra: 1/);
    }
  });

  it("places an unknown step, a wrong value and a missing ref of a JSON config", async () => {
    const project = exampleProject("collatz");
    const config = join(project.dir, "config.json");
    project.write(
      "config.json",
      JSON.stringify(
        {
          steps: {
            a: { type: "peak", sequence: [1, "2"] },
            b: { type: "nope" },
            c: { type: "countSteps", sequence: { type: "ref", ref: "missing" } },
          },
        },
        null,
        2,
      ),
    );
    const { code, report } = await check(project, "config.json");
    expect(code).toBe(1);
    const at = (path: string) => {
      const problem = report.errors.find((e) => e.path === path);
      expect(problem?.file, path).toBe(config);
      return textAt(config, problem!.line!, problem!.column!);
    };
    expect(at("steps.a.sequence.1")).toMatch(/^"2"/);
    expect(at("steps.b.type")).toMatch(/^"type": "nope"/);
    expect(at("steps.c.sequence")).toMatch(/^"sequence": \{/);
  });

  it("gives the engine's position of a Jsonnet syntax error, and formed.yml's of a settings error", async () => {
    const project = exampleProject("euler");
    project.write("broken.jsonnet", "{\n  steps: {\n    a: { type: 'x' \n  }\n}\n");
    const broken = await check(project, "broken.jsonnet");
    expect(broken.code).toBe(1);
    expect(broken.report.errors).toEqual([
      expect.objectContaining({
        code: "E_JSONNET",
        file: join(project.dir, "broken.jsonnet"),
        line: 6,
        column: 1,
      }),
    ]);

    project.write(
      "formed.yml",
      "required_modules:\n  - ./steps.ts\nworkflow:\n  executor:\n    type: parallel\n    jobs: many\n",
    );
    const settings = await check(project, "config.jsonnet");
    expect(settings.report.errors).toEqual([
      expect.objectContaining({
        code: "E_SETTINGS",
        path: "workflow.executor.jobs",
        file: join(project.dir, "formed.yml"),
        line: 6,
        column: 5,
      }),
    ]);
  });
});

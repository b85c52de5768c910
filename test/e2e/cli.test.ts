import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fixtureProject, ref, tempProject, userNodeVersion } from "./harness.js";

const simple = {
  steps: { sum: { type: "add", a: 1, b: 2 }, out: { type: "record", label: "out", value: ref("sum") } },
};

/** Every bad-input failure: one message, exit status 1, no stack trace. */
function expectCleanFailure(result: { code: number | null; stderr: string }, ...fragments: string[]) {
  expect(result.code).toBe(1);
  for (const fragment of fragments) expect(result.stderr).toContain(fragment);
  expect(result.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
  expect(result.stderr.match(/error:/g)?.length).toBe(1);
}

describe("formed workflow run options", () => {
  it("runs only the named step and its dependencies with --step", async () => {
    const project = fixtureProject({
      steps: {
        sum: { type: "add", a: 1, b: 2 },
        doubled: { type: "double", x: ref("sum") },
        other: { type: "add", a: 10, b: 20 },
      },
    });
    const run = await project.formed(["workflow", "run", "config.json", "--step", "doubled"]);
    expect(run.code).toBe(0);
    expect(project.calls()).toEqual(["add", "double"]);
  });

  it("applies --overrides and refuses an override that matches nothing", async () => {
    const project = fixtureProject(simple);
    const run = await project.formed([
      "workflow",
      "run",
      "config.json",
      "--overrides",
      '{"steps.sum.b": 40}',
    ]);
    expect(run.code).toBe(0);
    expect(JSON.parse(project.read("out-out.json"))).toBe(41);
    const bad = await project.formed([
      "workflow",
      "run",
      "config.json",
      "--overrides",
      '{"steps.summ.b": 40}',
    ]);
    expectCleanFailure(bad, "steps.summ");
  });

  it("passes environment variables and --ext-var to std.extVar", async () => {
    const project = fixtureProject(
      {},
      {
        "config.jsonnet": `{ steps: { out: { type: 'record', label: 'ext', value: [std.extVar('FROM_ENV'), std.extVar('FROM_FLAG')] } } }`,
      },
    );
    const run = await project.formed(["workflow", "run", "config.jsonnet", "--ext-var", "FROM_FLAG=flag"], {
      env: { FROM_ENV: "env" },
    });
    expect(run.stderr).toContain("completed");
    expect(JSON.parse(project.read("out-ext.json"))).toEqual(["env", "flag"]);
  });

  it("passes top-level arguments to a config that is a function", async () => {
    const project = fixtureProject(
      {},
      {
        "config.jsonnet": `function(label, n=1) { steps: { out: { type: 'record', label: label, value: n * 2 } } }`,
      },
    );
    const run = await project.formed([
      "workflow",
      "run",
      "config.jsonnet",
      "--tla-str",
      "label=tla",
      "--tla-code",
      "n=21",
    ]);
    expect(run.code).toBe(0);
    expect(JSON.parse(project.read("out-tla.json"))).toBe(42);
  });

  it("appends every log line to logging.file of formed.yml", async () => {
    const project = fixtureProject(
      { steps: { hello: { type: "logs", text: "to the file" } } },
      { "formed.yml": "required_modules: [./steps.ts]\nlogging: { level: info, file: logs/all.log }\n" },
    );
    expect((await project.formed(["workflow", "run", "config.json"])).code).toBe(0);
    expect(project.read("logs/all.log")).toContain("[hello] hello from hello: to the file");
  });

  it("stores a result with a user format registered by name from a required module", async () => {
    const project = fixtureProject(
      {
        steps: {
          table: { type: "rows" },
          out: { type: "record", label: "rows", value: { type: "ref", ref: "table" } },
        },
      },
      {
        "formats.ts": `
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { defineFormat, step } from "formed";

/** Rows of numbers as CSV: one line per row. */
export const csv = defineFormat<number[][]>("csv", {
  async write(rows, directory) {
    await writeFile(join(directory, "rows.csv"), rows.map((row) => row.join(",")).join("\\n"));
  },
  async read(directory) {
    const text = await readFile(join(directory, "rows.csv"), "utf8");
    return text.split("\\n").map((line) => line.split(",").map(Number));
  },
});

export const rows = step({ format: "csv" }, () => [[1, 2], [3, 4]]);
`,
        "formed.yml": "required_modules: [./steps.ts, ./formats.ts]\n",
      },
    );
    const run = await project.formed(["workflow", "run", "config.json", "--execution-id", "csv"]);
    expect(run.stderr).toContain("completed");
    expect(JSON.parse(project.read("out-rows.json"))).toEqual([
      [1, 2],
      [3, 4],
    ]);
    const graph = JSON.parse(project.read(".formed/executions/csv/graph.json"));
    expect(graph.steps.table.format).toBe("csv");
    const index = JSON.parse(project.read(".formed/executions/csv/steps.json"));
    expect(project.read(`.formed/executions/csv/${index.results.table}/rows.csv`)).toBe("1,2\n3,4");
  });

  it("applies the environment of formed.yml before configs and steps see it", async () => {
    const project = fixtureProject(
      {},
      {
        "config.jsonnet":
          "{ steps: { out: { type: 'record', label: 'env', value: std.extVar('GREETING') } } }",
        "formed.yml": "required_modules: [./steps.ts]\nenvironment: { GREETING: hello, RETRIES: 3 }\n",
      },
    );
    const run = await project.formed(["workflow", "run", "config.jsonnet", "--execution-id", "env"]);
    expect(run.code).toBe(0);
    expect(JSON.parse(project.read("out-env.json"))).toBe("hello");
    const metadata = JSON.parse(project.read(".formed/executions/env/metadata.json"));
    expect(metadata.environment).toEqual({ GREETING: "hello", RETRIES: "3" });
  });

  it("records an execution under its id and refuses the same id again", async () => {
    const project = fixtureProject(simple);
    expect((await project.formed(["workflow", "run", "config.json", "--execution-id", "exp-1"])).code).toBe(
      0,
    );
    const dir = join(project.dir, ".formed/executions/exp-1");
    for (const file of ["graph.json", "metadata.json", "state.json", "out.log"]) {
      expect(existsSync(join(dir, file)), file).toBe(true);
    }
    expect(JSON.parse(project.read(".formed/executions/exp-1/state.json")).status).toBe("completed");
    // A step that completed without logging is recorded in steps.json alone, with its result.
    const index = JSON.parse(project.read(".formed/executions/exp-1/steps.json"));
    expect(index.steps.sum.status).toBe("completed");
    expect(existsSync(join(dir, index.results.sum, ".formed-manifest.json"))).toBe(true);
    expect(existsSync(join(dir, "steps/sum"))).toBe(false);
    const metadata = JSON.parse(project.read(".formed/executions/exp-1/metadata.json"));
    expect(metadata.node).toBe(userNodeVersion());
    expect(metadata.git).toBeNull(); // a temporary folder is no repository
    expect(metadata.requiredModules).toEqual(["./steps.ts"]);

    const again = await project.formed(["workflow", "run", "config.json", "--execution-id", "exp-1"]);
    expectCleanFailure(again, "exp-1", "already exists");
  });

  it("refuses execution ids with / or ..", async () => {
    const project = fixtureProject(simple);
    for (const id of ["a/b", "..", "x..y"]) {
      const run = await project.formed(["workflow", "run", "config.json", "--execution-id", id]);
      expectCleanFailure(run, "invalid execution id");
    }
    expect(project.exists(".formed/executions")).toBe(false);
  });

  it("removes an execution's record but keeps the cache", async () => {
    const project = fixtureProject(simple);
    await project.formed(["workflow", "run", "config.json", "--execution-id", "gone"]);
    const removed = await project.formed(["workflow", "remove", "gone"]);
    expect(removed.code).toBe(0);
    expect(project.exists(".formed/executions/gone")).toBe(false);
    project.clearCalls();
    expect((await project.formed(["workflow", "run", "config.json"])).code).toBe(0);
    expect(project.calls()).toEqual([]);
    expectCleanFailure(await project.formed(["workflow", "remove", "gone"]), "no execution gone");
  });

  it("draws the DAG with each step marked cached or not", async () => {
    const project = fixtureProject({
      steps: {
        sum: { type: "add", a: 1, b: 2 },
        doubled: { type: "double", x: ref("sum") },
        out: { type: "record", label: "out", value: ref("doubled") },
      },
    });
    const before = await project.formed(["workflow", "visualize", "config.json"]);
    expect(before.code).toBe(0);
    // A reader of a step that must run cannot know its key yet: it waits for it.
    expect(before.stdout).toMatch(/out\s+\[waits for doubled\]/);
    expect(before.stdout).toMatch(/└─ doubled\s+\[waits for sum\]/);
    expect(before.stdout).toMatch(/└─ sum\s+\[not cached\]/);
    await project.formed(["workflow", "run", "config.json", "--step", "doubled"]);
    const after = await project.formed(["workflow", "visualize", "config.json"]);
    expect(after.stdout).toMatch(/doubled\s+\[cached\]/);
    expect(after.stdout).toMatch(/out\s+\[not cached\]/);
  });
});

describe("command line usage", () => {
  it("prints help with status 0 and rejects bad usage with status 2", async () => {
    const project = tempProject();
    const help = await project.formed(["workflow", "run", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("--execution-id");
    expect(help.stdout).toContain("--step");
    const top = await project.formed(["--help"]);
    expect(top.code).toBe(0);
    expect(top.stdout).toContain("workflow");
    expect((await project.formed(["workflow", "run"])).code).toBe(2);
    expect((await project.formed(["workflow", "run", "x.json", "--bogus"])).code).toBe(2);
    expect((await project.formed(["workflow", "fly"])).code).toBe(2);
    expect((await project.formed(["workflow", "run", "x.json", "--ext-var", "novalue"])).code).toBe(2);
  });
});

describe("bad input gets one clear message and exit status 1", () => {
  it("a missing config file", async () => {
    const project = fixtureProject(simple);
    expectCleanFailure(
      await project.formed(["workflow", "run", "nope.jsonnet"]),
      "nope.jsonnet",
      "not found",
    );
  });

  it("a Jsonnet error, with file, line and column", async () => {
    const project = fixtureProject(simple, {
      "bad.jsonnet": "{\n  steps: {\n    a: { type: 'add', a: 1 +, b: 2 },\n  },\n}\n",
    });
    expectCleanFailure(await project.formed(["workflow", "run", "bad.jsonnet"]), "bad.jsonnet:3:");
  });

  it("an unknown step type and a missing ref, both at once with their paths", async () => {
    const project = fixtureProject({
      steps: { a: { type: "addd", a: 1, b: 2 }, b: { type: "double", x: ref("nothing") } },
    });
    const run = await project.formed(["workflow", "run", "config.json"]);
    expectCleanFailure(
      run,
      "[steps.a.type]",
      'unknown step type "addd"',
      'did you mean "add"',
      "[steps.b.x]",
      '"nothing"',
    );
    expect(project.calls()).toEqual([]);
  });

  it("a cycle, with its path", async () => {
    const project = fixtureProject({
      steps: {
        a: { type: "double", x: ref("c") },
        b: { type: "double", x: ref("a") },
        c: { type: "double", x: ref("b") },
      },
    });
    expectCleanFailure(
      await project.formed(["workflow", "run", "config.json"]),
      "dependency cycle: a -> c -> b -> a",
    );
  });

  it("a bad formed.yml", async () => {
    const project = fixtureProject(simple, {
      "formed.yml": "required_modules: ./steps.ts\nworkflow:\n  organizer: 3\n",
    });
    expectCleanFailure(
      await project.formed(["workflow", "run", "config.json"]),
      "formed.yml",
      "required_modules",
    );
    project.write("formed.yml", "required_modules: [\n");
    expectCleanFailure(await project.formed(["workflow", "run", "config.json"]), "formed.yml", "line");
    project.write(
      "formed.yml",
      "required_modules: [./steps.ts]\nworkflow: { organizer: { type: nowhere } }\n",
    );
    expectCleanFailure(
      await project.formed(["workflow", "run", "config.json"]),
      "workflow.organizer.type",
      "nowhere",
    );
  });

  it("a module that fails to load", async () => {
    const project = fixtureProject(simple, { "steps.ts": 'throw new Error("cannot start");\n' });
    expectCleanFailure(await project.formed(["workflow", "run", "config.json"]), "steps.ts", "cannot start");
    project.write("formed.yml", "required_modules: [./missing.ts]\n");
    expectCleanFailure(await project.formed(["workflow", "run", "config.json"]), "missing.ts");
  });

  it("a step that throws fails the run but keeps every finished step cached", async () => {
    const project = fixtureProject({
      steps: {
        sum: { type: "add", a: 1, b: 2 },
        boom: { type: "fail", message: "the model exploded" },
        after: { type: "double", x: ref("boom") },
      },
    });
    const run = await project.formed(["workflow", "run", "config.json", "--execution-id", "broken"]);
    expectCleanFailure(run, 'step "boom" failed: the model exploded');
    expect(JSON.parse(project.read(".formed/executions/broken/state.json")).status).toBe("failure");
    expect(JSON.parse(project.read(".formed/executions/broken/steps/boom/state.json")).status).toBe(
      "failure",
    );
    // The stack is in the step's log, for the user to find.
    expect(project.read(".formed/executions/broken/steps/boom/out.log")).toMatch(
      /the model exploded[\s\S]*at /,
    );
    expect(project.calls()).not.toContain("double");

    project.clearCalls();
    project.write("config.json", JSON.stringify({ steps: { sum: { type: "add", a: 1, b: 2 } } }));
    expect((await project.formed(["workflow", "run", "config.json"])).code).toBe(0);
    expect(project.calls()).toEqual([]);
  });

  it("shows the stack only with FORMED_DEBUG=1", async () => {
    const project = fixtureProject({ steps: { boom: { type: "fail", message: "kaput" } } });
    const run = await project.formed(["workflow", "run", "config.json"], { env: { FORMED_DEBUG: "1" } });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/\n\s+at .+:\d+:\d+/);
  });

  it("never loses what is cached when the input goes bad", async () => {
    const project = fixtureProject(simple);
    await project.formed(["workflow", "run", "config.json"]);
    const entries = () => readdirSync(join(project.dir, ".formed/cache"), { recursive: true }).length;
    const before = entries();
    await project.formed(["workflow", "run", "nope.json"]);
    project.write("config.json", "{ not json");
    expectCleanFailure(await project.formed(["workflow", "run", "config.json"]), "config.json", "1:");
    expect(entries()).toBe(before);
  });
});

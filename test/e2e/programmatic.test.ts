import { spawn } from "node:child_process";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { fixtureProject, REPO_ROOT, ref, USER_NODE } from "./harness.js";

/** Runs a plain ESM script with node, as a user's program would run. */
function runScript(
  cwd: string,
  file: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(USER_NODE, [file], { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("programmatic use", () => {
  it("loads a project, runs a graph from a file and from an object, and reads results of past executions", async () => {
    const project = fixtureProject({
      steps: { sum: { type: "add", a: 2, b: 3 }, doubled: { type: "double", x: ref("sum") } },
    });
    const api = pathToFileURL(join(REPO_ROOT, "dist", "index.js")).href;
    project.write(
      "program.mjs",
      `
import { WorkflowProject } from ${JSON.stringify(api)};

const project = await WorkflowProject.load();
const fromFile = await project.loadGraph("config.json");
const first = await project.run(fromFile, { executionId: "first" });
const fromObject = await project.loadGraph({ steps: { n: { type: "numbers", n: 3 } } });
await project.run(fromObject, { executionId: "second" });

// A fresh project object, as a later program would have: everything comes from .formed/.
const later = await WorkflowProject.load();
const past = await later.getExecution("first");
const numbers = await later.readResult("second", "n");
console.log(JSON.stringify({
  status: first.execution.state.status,
  archivedStatus: past.state.status,
  steps: past.graph.order,
  doubled: await later.readResult("first", "doubled"),
  numbersTwice: [[...numbers], [...numbers]],
}));
`,
    );
    const result = await runScript(project.dir, "program.mjs");
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      status: "completed",
      archivedStatus: "completed",
      steps: ["sum", "doubled"],
      doubled: 10,
      numbersTwice: [
        [1, 2, 3],
        [1, 2, 3],
      ],
    });
  });
});

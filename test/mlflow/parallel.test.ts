/**
 * The parallel executor with the mlflow organizer, end to end against a real tracking server:
 * steps that ran at once in worker processes are recorded as MLflow users expect (one finished
 * step run each, with its times and log; each cached result naming the step run that made it), and a second run reuses every result.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MlflowClient } from "../../src/mlflow/client.js";
import { KIND, TAG, tagEquals } from "../../src/mlflow/tags.js";
import { runTags } from "../../src/mlflow/types.js";
import { ref, tempProject } from "../e2e/harness.js";
import { type MlflowServer, startMlflowServer } from "../support/mlflow-server.js";

let server: MlflowServer;
beforeAll(async () => {
  server = await startMlflowServer();
}, 20 * 60_000);
afterAll(async () => {
  await server?.dispose();
}, 30_000);

const STEPS = `
import { appendFileSync } from "node:fs";
import { step, useStepLogger } from "formed";
export const burn = step(({ name, ms }: { name: string; ms: number }) => {
  appendFileSync("times.log", [name, Date.now(), process.pid].join(" ") + "\\n");
  const until = Date.now() + ms;
  while (Date.now() < until);
  useStepLogger().info("burned in " + name);
  appendFileSync("times.log", [name, Date.now(), process.pid].join(" ") + "\\n");
  return { name, ms };
});
export const collect = step(({ parts }: { parts: { name: string }[] }) => parts.map((part) => part.name).join(","));
`;

describe("the parallel executor with the mlflow organizer", () => {
  it("records steps run at once in worker processes, names them on their cached results, and reuses them", async () => {
    const experiment = "parallel-workers";
    const burns = Object.fromEntries(["a", "b", "c"].map((name) => [name, { type: "burn", name, ms: 800 }]));
    const p = tempProject({
      "steps.ts": STEPS,
      "formed.yml": `required_modules: [./steps.ts]\nworkflow:\n  organizer:\n    type: mlflow\n    tracking_uri: ${server.uri}\n    experiment_name: ${experiment}\n  executor: { type: parallel, jobs: 3 }\n`,
      "config.json": JSON.stringify({
        steps: { ...burns, all: { type: "collect", parts: ["a", "b", "c"].map(ref) } },
      }),
    });
    const first = await p.formed(["workflow", "run", "config.json", "--execution-id", "first"], {
      timeoutMs: 180_000,
    });
    expect(first.code, first.stderr).toBe(0);
    const lines = p.read("times.log").trim().split("\n");
    const pids = new Set(lines.map((line) => line.split(" ")[2]));
    expect(pids.size).toBeGreaterThanOrEqual(2); // in worker processes, more than one
    expect(lines).toHaveLength(6);

    const client = new MlflowClient({ trackingUri: server.uri });
    const experimentId = (await client.getExperimentByName(experiment))!.experiment_id;
    const stepRuns = await client.searchRuns({
      experimentIds: [experimentId],
      filter: `${tagEquals(TAG.kind, KIND.step)} AND ${tagEquals(TAG.executionId, "first")}`,
    });
    expect(stepRuns.map((run) => run.info.run_name).sort()).toEqual(["a", "all", "b", "c"]);
    for (const run of stepRuns) {
      expect(run.info.status).toBe("FINISHED");
      expect(Number(run.info.end_time)).toBeGreaterThanOrEqual(Number(run.info.start_time));
    }
    const cacheRuns = await client.searchRuns({
      experimentIds: [(await client.getExperimentByName(`${experiment}-cache`))!.experiment_id],
      filter: tagEquals(TAG.kind, KIND.cache),
    });
    expect(cacheRuns).toHaveLength(4);
    const computedBy = new Set(cacheRuns.map((run) => runTags(run)[TAG.stepRunId]));
    expect(computedBy).toEqual(new Set(stepRuns.map((run) => run.info.run_id)));

    const second = await p.formed(["workflow", "run", "config.json", "--execution-id", "second"], {
      timeoutMs: 180_000,
    });
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toContain("0 ran, 4 cached");
    expect(p.read("times.log").trim().split("\n")).toHaveLength(6);
  });
});

/**
 * Executions as an MLflow user sees them, read back from a real tracking server through the REST
 * API (what the UI reads) and MLflow's own Python client: where a step's result is, cache runs
 * in an experiment of their own (older entries still found), the execution's params and times,
 * a failed step's error, skipped steps, the `formed.cache` values and the source tags.
 */
import { execFile } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WorkflowGraph } from "../../src/graph/graph.js";
import type { MlflowClient } from "../../src/mlflow/client.js";
import { CACHE_STATE, KIND, TAG, tagEquals } from "../../src/mlflow/tags.js";
import { runParams, runTags } from "../../src/mlflow/types.js";
import { collectMetadata } from "../../src/organizer/metadata.js";
import { MlflowOrganizer } from "../../src/organizer/mlflow-organizer.js";
import { type Step, step } from "../../src/step/step.js";
import { tempDir } from "../support/files.js";
import { type MlflowServer, mlflowVenv, startMlflowServer } from "../support/mlflow-server.js";
import { registries } from "../support/registries.js";

let server: MlflowServer;
const folders: string[] = [];
beforeAll(async () => {
  server = await startMlflowServer();
}, 20 * 60_000);
afterAll(async () => {
  await server?.dispose();
  await Promise.all(folders.map((folder) => rm(folder, { recursive: true, force: true })));
}, 30_000);

const COMMIT = "0123456789abcdef0123456789abcdef01234567";
const metadata = collectMetadata({
  cwd: process.cwd(),
  git: { commit: COMMIT, dirty: true },
  config: "configs/train.jsonnet",
});
const ref = (name: string) => ({ type: "ref", ref: name });
const NOTE = "mlflow.note.content";
const PARENT = "mlflow.parentRunId";

function organizer(experimentName: string, options: { cacheExperimentName?: string } = {}): MlflowOrganizer {
  const directory = tempDir("formed-mlflow-view-");
  folders.push(directory);
  return new MlflowOrganizer({ trackingUri: server.uri, experimentName, directory, ...options });
}

const STEPS: Record<string, Step> = {
  load: step(function* ({ size }: { size: number }) {
    for (let i = 0; i < size; i++) yield { x: i };
  }),
  train: step(({ rows, opt }: { rows: Iterable<{ x: number }>; opt: { lr: number } }) => ({
    seen: [...rows].length,
    lr: opt.lr,
  })),
  probe: step({ deterministic: false }, () => Date.now()),
  boom: step(({ after }: { after: unknown }) => {
    const lines = Array.from({ length: 30 }, (_, i) => `line ${i + 1}`);
    throw new Error(`kaboom after ${JSON.stringify(after)}\n${lines.join("\n")}`);
  }),
  noop: step(({ input }: { input: unknown }) => input),
};

function graphOf(config: Record<string, unknown>): WorkflowGraph {
  return WorkflowGraph.build({ steps: config } as never, registries(STEPS));
}

const base = (lr: number) => ({
  data: { type: "load", size: 3 },
  model: { type: "train", rows: ref("data"), opt: { lr } },
});

async function runsOf(client: MlflowClient, experimentId: string, executionId: string) {
  const [execution] = await client.searchRuns({
    experimentIds: [experimentId],
    filter: `${tagEquals(TAG.kind, KIND.execution)} AND ${tagEquals(TAG.executionId, executionId)}`,
  });
  const steps = await client.searchRuns({
    experimentIds: [experimentId],
    filter: `${tagEquals(TAG.kind, KIND.step)} AND ${tagEquals(TAG.executionId, executionId)}`,
  });
  return { execution: execution!, steps: new Map(steps.map((run) => [runTags(run)[TAG.stepName]!, run])) };
}

const python = promisify(execFile);

describe("executions as an MLflow user sees them", () => {
  it("links each step run to its result, downloadable with MLflow's client, and keeps cache runs in their own experiment", async () => {
    const org = organizer("results");
    await org.run(graphOf(base(0.1)), { metadata, executionId: "first" });
    await org.run(graphOf({ ...base(0.2), p: { type: "probe" } }), { metadata, executionId: "second" });
    const client = org.client;
    const experimentId = await org.experiment.id();
    const cacheExperimentId = (await client.getExperimentByName("results-cache"))!.experiment_id;

    // The executions' experiment holds executions and steps only; results are in `results-cache`.
    const all = await client.searchRuns({ experimentIds: [experimentId] });
    expect(new Set(all.map((run) => runTags(run)[TAG.kind]))).toEqual(new Set(["execution", "step"]));
    const cacheRuns = await client.searchRuns({ experimentIds: [cacheExperimentId] });
    expect(cacheRuns).toHaveLength(3); // data, model at lr 0.1, model at lr 0.2
    expect(cacheRuns.every((run) => runTags(run)[PARENT] === undefined)).toBe(true);

    const first = await runsOf(client, experimentId, "first");
    const second = await runsOf(client, experimentId, "second");
    const data = first.steps.get("data")!;
    const cacheRunId = runTags(data)[TAG.cacheRunId]!;
    const cacheRun = cacheRuns.find((run) => run.info.run_id === cacheRunId)!;
    expect(cacheRun.info.run_name).toBe(`load ${runTags(data)[TAG.fingerprint]!.slice(0, 12)}`);
    expect(runTags(cacheRun)[TAG.stepRunId]).toBe(data.info.run_id);
    expect(runTags(cacheRun)[TAG.stepType]).toBe("load");
    expect(runTags(cacheRun)[NOTE]).toContain(
      `[data](#/experiments/${experimentId}/runs/${data.info.run_id})`,
    );
    expect(runTags(cacheRun)[NOTE]).toContain(`download_artifacts("runs:/${cacheRunId}/data")`);

    // A step that reused the result points at the same cache run: tag, description and result.json.
    const reused = second.steps.get("data")!;
    expect(runTags(reused)[TAG.cache]).toBe(CACHE_STATE.cached);
    for (const run of [data, reused]) {
      const tags = runTags(run);
      expect(tags[TAG.cacheRunId]).toBe(cacheRunId);
      expect(tags[TAG.resultUri]).toBe(`runs:/${cacheRunId}/data`);
      expect(tags[NOTE]).toContain(
        `| Result | [\`data/\`](#/experiments/${cacheExperimentId}/runs/${cacheRunId}/artifacts/data) of cache run`,
      );
      expect(JSON.parse(await client.readArtifactText(run, "result.json"))).toEqual({
        fingerprint: tags[TAG.fingerprint],
        format: tags[TAG.format],
        run_id: cacheRunId,
        experiment_id: cacheExperimentId,
        artifact_path: "data",
        artifact_uri: `runs:/${cacheRunId}/data`,
        manifest_path: "manifest.json",
      });
    }
    const probe = second.steps.get("p")!;
    expect(runTags(probe)[TAG.resultUri]).toBeUndefined();
    expect(runTags(probe)[NOTE]).toContain("| Result | not stored: the step is not cacheable |");

    // MLflow's own client follows the pointer and gets the result's files, as formed stored them.
    const out = tempDir("formed-mlflow-download-");
    folders.push(out);
    const script = [
      "import json, os, sys, mlflow",
      "run = mlflow.MlflowClient().get_run(sys.argv[1])",
      "pointer = json.load(open(mlflow.artifacts.download_artifacts(run_id=sys.argv[1], artifact_path='result.json', dst_path=sys.argv[2])))",
      "by_pointer = mlflow.artifacts.download_artifacts(artifact_uri=pointer['artifact_uri'], dst_path=os.path.join(sys.argv[2], 'a'))",
      "by_tag = mlflow.artifacts.download_artifacts(artifact_uri=run.data.tags['formed.result.uri'], dst_path=os.path.join(sys.argv[2], 'b'))",
      "print(json.dumps([by_pointer, by_tag]))",
    ].join("\n");
    const { stdout } = await python(
      join(mlflowVenv(), "bin", "python"),
      ["-c", script, reused.info.run_id, out],
      {
        env: { ...process.env, MLFLOW_TRACKING_URI: server.uri },
      },
    );
    const stored = join(org.cache.directory, runTags(data)[TAG.fingerprint]!, "data");
    for (const folder of JSON.parse(stdout) as string[]) {
      expect(readdirSync(folder).sort()).toEqual(readdirSync(stored).sort());
      for (const file of readdirSync(stored)) {
        expect(readFileSync(join(folder, file), "utf8")).toBe(readFileSync(join(stored, file), "utf8"));
      }
    }
  }, 120_000);

  it("finds entries of the older layout in the executions' experiment, from another machine", async () => {
    // Before, entries were cache runs in the executions' experiment: an organizer told to keep them there makes some.
    const old = organizer("legacy", { cacheExperimentName: "legacy" });
    await old.run(graphOf(base(0.1)), { metadata, executionId: "old" });
    const fresh = organizer("legacy");
    const result = await fresh.run(graphOf(base(0.1)), { metadata, executionId: "new" });
    expect(Object.values(result.execution.steps).map((state) => state.status)).toEqual(["cached", "cached"]);
    const client = fresh.client;
    const experimentId = await fresh.experiment.id();
    expect(await client.searchRuns({ experimentIds: [await fresh.cache.experiment.id()] })).toEqual([]);
    const { steps } = await runsOf(client, experimentId, "new");
    const cacheRun = (await client.getRun(runTags(steps.get("model")!)[TAG.cacheRunId]!))!;
    expect(cacheRun.info.experiment_id).toBe(experimentId);
    const pointer = JSON.parse(await client.readArtifactText(steps.get("model")!, "result.json"));
    expect(pointer.experiment_id).toBe(experimentId);
    expect((await fresh.inventory().entries()).map((entry) => entry.fingerprint).sort()).toEqual(
      [...steps.values()].map((run) => runTags(run)[TAG.fingerprint]).sort(),
    );
  }, 60_000);

  it("logs the config as the execution run's params, starts it when the execution starts, and sets source tags", async () => {
    const org = organizer("compare");
    await org.run(graphOf(base(0.1)), { metadata, executionId: "lr-1" });
    await org.run(graphOf(base(0.2)), { metadata, executionId: "lr-2" });
    const experimentId = await org.experiment.id();
    const one = await runsOf(org.client, experimentId, "lr-1");
    const two = await runsOf(org.client, experimentId, "lr-2");
    expect(runParams(one.execution)).toEqual({
      "data.type": "load",
      "data.size": "3",
      "model.type": "train",
      "model.rows": "ref:data",
      "model.opt.lr": "0.1",
    });
    expect(runParams(two.execution)["model.opt.lr"]).toBe("0.2");

    for (const { execution, steps } of [one, two]) {
      const tags = runTags(execution);
      expect(execution.info.start_time).toBe(Date.parse(tags[TAG.startedAt]!));
      expect(execution.info.end_time).toBe(Date.parse(tags[TAG.finishedAt]!));
      for (const run of [execution, ...steps.values()]) {
        const runTagValues = runTags(run);
        expect(runTagValues).toMatchObject({
          "mlflow.source.name": "configs/train.jsonnet",
          "mlflow.source.type": "LOCAL",
          "mlflow.source.git.commit": COMMIT,
          "mlflow.source.git.dirty": "true",
        });
        expect(runTagValues["mlflow.user"]).toBeTruthy();
      }
      for (const run of steps.values())
        expect(run.info.start_time).toBe(Date.parse(runTags(run)[TAG.startedAt]!));
    }
  }, 60_000);

  it("puts a failed step's error in its description, and shows the steps never reached as skipped", async () => {
    const org = organizer("failing");
    const config = {
      ...base(0.1),
      boom: { type: "boom", after: ref("model") },
      after: { type: "noop", input: ref("boom") },
      after2: { type: "noop", input: ref("after") },
      late: { type: "noop", input: 1 },
    };
    const result = await org.run(graphOf(config), { metadata, executionId: "broken" });
    expect(result.error).toBeDefined();
    const experimentId = await org.experiment.id();
    const { execution, steps } = await runsOf(org.client, experimentId, "broken");
    const link = (name: string) =>
      `[${name}](#/experiments/${experimentId}/runs/${steps.get(name)!.info.run_id})`;
    const tag = (name: string, key: string) => runTags(steps.get(name)!)[key];

    const boomNote = tag("boom", NOTE)!;
    expect(steps.get("boom")!.info.status).toBe("FAILED");
    expect(boomNote).toMatch(/\*\*Failed\*\*:\n\n```text\nkaboom after /);
    expect(boomNote).toContain("line 19\n... (11 more lines)\n```");
    expect(boomNote).not.toContain("line 20");
    expect(tag("boom", TAG.cache)).toBe(CACHE_STATE.noResult);

    for (const name of ["after", "after2", "late"]) {
      expect(steps.get(name)!.info.status).toBe("KILLED");
      expect(tag(name, TAG.status)).toBe("skipped");
      expect(tag(name, TAG.cache)).toBe(CACHE_STATE.noResult);
      expect(tag(name, PARENT)).toBe(execution.info.run_id);
    }
    expect(tag("after", NOTE)).toContain(`**Skipped**: never reached: it reads ${link("boom")} (failure).`);
    expect(tag("after2", NOTE)).toContain(`**Skipped**: never reached: it reads ${link("after")} (skipped).`);
    expect(tag("late", NOTE)).toContain(`the execution stopped when ${link("boom")} failed.`);

    const note = runTags(execution)[NOTE]!;
    expect(note).toContain("**Failed**:");
    for (const name of ["data", "model", "boom", "after", "after2", "late"])
      expect(note).toContain(link(name));
    expect(note).toMatch(/\| \[after2\]\([^)]+\) \| noop \| \[after\]\([^)]+\) \| - \| skipped \|/);
    expect(note).toMatch(
      /\| \[boom\]\([^)]+\) \| boom \| \[model\]\([^)]+\) \| \[after\]\([^)]+\) \| failure \|/,
    );

    // formed's own record is unchanged: skipped steps never had a state.
    expect(Object.keys((await org.get("broken"))!.steps).sort()).toEqual(["boom", "data", "model"]);
  }, 60_000);

  it("skips only the steps the run selected", async () => {
    const org = organizer("targets");
    const config = {
      ...base(0.1),
      boom: { type: "boom", after: ref("data") },
      after: { type: "noop", input: ref("boom") },
    };
    await org.run(graphOf(config), { metadata, executionId: "some", targets: ["boom"] });
    const { steps } = await runsOf(org.client, await org.experiment.id(), "some");
    expect([...steps.keys()].sort()).toEqual(["boom", "data"]);
  }, 60_000);

  it("documents every formed.cache value in the README", () => {
    const readme = readFileSync(join(import.meta.dirname, "..", "..", "README.md"), "utf8");
    const section = readme.slice(
      readme.indexOf("## MLflow"),
      readme.indexOf("\n## ", readme.indexOf("## MLflow") + 1),
    );
    for (const value of Object.values(CACHE_STATE)) expect(section).toContain(`\`${value}\``);
  });
});

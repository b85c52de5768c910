import { existsSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CacheMissError } from "../../src/cache/cache.js";
import { JsonFormat } from "../../src/format/json.js";
import { WorkflowGraph } from "../../src/graph/graph.js";
import { MlflowClient } from "../../src/mlflow/client.js";
import { KIND, TAG, tagEquals } from "../../src/mlflow/tags.js";
import { type MlflowRun, runMetrics, runParams, runTags } from "../../src/mlflow/types.js";
import { collectMetadata } from "../../src/organizer/metadata.js";
import { MlflowOrganizer } from "../../src/organizer/mlflow-organizer.js";
import { useStepLogger } from "../../src/step/context.js";
import { type Step, step } from "../../src/step/step.js";
import { tempDir } from "../support/files.js";
import { type MlflowServer, startMlflowServer } from "../support/mlflow-server.js";
import { registries } from "../support/registries.js";

let server: MlflowServer;
const folders: string[] = [];
beforeAll(async () => {
  server = await startMlflowServer();
  console.log(`mlflow server up in ${server.startupMs} ms`);
}, 20 * 60_000);
afterAll(async () => {
  await server?.dispose();
  await Promise.all(folders.map((folder) => rm(folder, { recursive: true, force: true })));
}, 30_000);

const metadata = collectMetadata({ cwd: process.cwd() });
const ref = (name: string) => ({ type: "ref", ref: name });

/** An organizer with its own local folder: a fresh one is "another machine" sharing the server. */
function organizer(experimentName: string): MlflowOrganizer {
  const directory = tempDir("formed-mlflow-test-");
  folders.push(directory);
  return new MlflowOrganizer({ trackingUri: server.uri, experimentName, directory });
}

function workflow(calls: string[]) {
  const steps: Record<string, Step> = {
    load: step(function* ({ size }: { size: number; options: unknown }) {
      calls.push("load");
      for (let i = 0; i < size; i++) yield { x: i, y: 2 * i + 1 };
    }),
    train: step(({ rows, lr }: { rows: Iterable<{ x: number; y: number }>; lr: number }) => {
      calls.push("train");
      useStepLogger().info(`training with lr=${lr}`);
      let n = 0;
      for (const _ of rows) n++;
      return { weight: 2, bias: 1, seen: n };
    }),
    evaluate: step({ metrics: true }, ({ model }: { model: { weight: number; seen: number } }) => {
      calls.push("evaluate");
      return { accuracy: 0.75, loss: [0.9, 0.5, 0.25], detail: { seen: model.seen }, note: "not a number" };
    }),
  };
  const built = registries(steps);
  const graph = WorkflowGraph.build(
    {
      steps: {
        data: { type: "load", size: 5, options: { shuffle: true, seed: 42, path: "x".repeat(7000) } },
        model: { type: "train", rows: ref("data"), lr: 0.01 },
        score: { type: "evaluate", model: ref("model") },
      },
    } as never,
    built,
  );
  return { graph, formats: built.formats };
}

async function stepRuns(
  client: MlflowClient,
  experimentId: string,
  executionId: string,
): Promise<Map<string, MlflowRun>> {
  const runs = await client.searchRuns({
    experimentIds: [experimentId],
    filter: `${tagEquals(TAG.kind, KIND.step)} AND ${tagEquals(TAG.executionId, executionId)}`,
  });
  return new Map(runs.map((run) => [runTags(run)[TAG.stepName] ?? "", run]));
}

describe("MlflowOrganizer on a real MLflow server", () => {
  it("records the execution and its steps as runs with params, tags, metrics, artifacts and notes", async () => {
    const calls: string[] = [];
    const org = organizer("record");
    const { graph } = workflow(calls);
    const result = await org.run(graph, { metadata, executionId: "exec-1" });
    expect(result.error).toBeUndefined();
    expect(calls).toEqual(["load", "train", "evaluate"]);

    // Read back through the REST API, as the MLflow UI would.
    const client = new MlflowClient({ trackingUri: server.uri });
    const experiment = await client.getExperimentByName("record");
    expect(experiment).toBeDefined();
    const experimentId = experiment!.experiment_id;
    const [execution] = await client.searchRuns({
      experimentIds: [experimentId],
      filter: `attributes.run_name = 'exec-1'`,
    });
    expect(execution).toBeDefined();
    expect(execution!.info.status).toBe("FINISHED");
    const executionTags = runTags(execution!);
    expect(executionTags[TAG.kind]).toBe("execution");
    expect(executionTags[TAG.status]).toBe("completed");
    expect(executionTags["mlflow.note.content"]).toContain("| Step | Type | Dependencies | Dependents |");
    expect(executionTags["mlflow.note.content"]).toMatch(
      /\| \[model\]\(#\/experiments\/\d+\/runs\/\w+\) \| train \| \[data\]/,
    );
    const executionArtifacts = (await client.listArtifacts(execution!)).map((file) => file.path).sort();
    expect(executionArtifacts).toEqual(["graph.json", "metadata.json", "out.log"]);
    expect(JSON.parse(await client.readArtifactText(execution!, "graph.json")).order).toEqual([
      "data",
      "model",
      "score",
    ]);
    // The metrics step's metrics, on the execution run too (prefixed by step).
    expect(runMetrics(execution!)).toMatchObject({ "score.accuracy": 0.75, "score.detail.seen": 5 });

    const steps = await stepRuns(client, experimentId, "exec-1");
    expect([...steps.keys()].sort()).toEqual(["data", "model", "score"]);
    for (const [name, run] of steps) {
      const tags = runTags(run);
      expect(tags["mlflow.parentRunId"]).toBe(execution!.info.run_id);
      expect(run.info.run_name).toBe(name);
      expect(run.info.status).toBe("FINISHED");
      expect(tags[TAG.fingerprint]).toBe(result.execution.steps[name]!.fingerprint);
      expect(tags[TAG.version]).toBe(graph.get(name)!.version);
      expect(tags[TAG.status]).toBe("completed");
      expect(tags[TAG.cache]).toBe("ran");
      expect(tags[TAG.cacheRunId]).toMatch(/^\w+$/);
      expect(tags["mlflow.note.content"]).toContain(`# Step ${name}`);
      const artifacts = (await client.listArtifacts(run)).map((file) => file.path);
      expect(artifacts).toContain("step.json");
    }
    const data = steps.get("data")!;
    expect(runTags(data)[TAG.stepType]).toBe("load");
    const params = runParams(data);
    expect(params).toMatchObject({ size: "5", "options.shuffle": "true", "options.seed": "42" });
    expect(params["options.path"]).toHaveLength(6000);
    expect(runParams(steps.get("model")!)).toEqual({ rows: "ref:data", lr: "0.01" });
    expect(await client.readArtifactText(steps.get("model")!, "out.log")).toContain("training with lr=0.01");
    expect(JSON.parse(await client.readArtifactText(steps.get("model")!, "step.json"))).toMatchObject({
      name: "model",
      type: "train",
      config: { type: "train", lr: 0.01 },
      dependencies: ["data"],
    });

    const score = (await client.getRun(steps.get("score")!.info.run_id))!;
    expect(runMetrics(score)).toEqual({ accuracy: 0.75, loss: 0.25, "detail.seen": 5 });
    const history = (score.data.metrics ?? []).filter((metric) => metric.key === "loss");
    expect(history).toHaveLength(1); // runs/get gives the latest value; the series is in metric history

    // The cache entry: its own run, in the cache experiment, naming the step run that computed it, ready, with a manifest.
    const cacheRun = (await client.getRun(runTags(steps.get("model")!)[TAG.cacheRunId]!))!;
    const cacheTags = runTags(cacheRun);
    expect(cacheTags[TAG.kind]).toBe("cache");
    expect(cacheTags[TAG.cacheStatus]).toBe("ready");
    expect(cacheTags[TAG.stepRunId]).toBe(steps.get("model")!.info.run_id);
    expect(cacheRun.info.experiment_id).toBe(
      (await client.getExperimentByName("record-cache"))!.experiment_id,
    );
    expect((await client.listArtifacts(cacheRun)).map((file) => file.path).sort()).toEqual([
      "data",
      "manifest.json",
    ]);
  });

  it("logs the metrics of a step that is not cached, from the run itself", async () => {
    const org = organizer("uncached-metrics");
    const built = registries({
      probe: step({ metrics: true, deterministic: false }, () => ({ latency: 12.5 })),
    });
    const graph = WorkflowGraph.build({ steps: { p: { type: "probe" } } } as never, built);
    const result = await org.run(graph, { metadata, executionId: "uncached-1" });
    expect(result.error).toBeUndefined();
    const client = new MlflowClient({ trackingUri: server.uri });
    const experimentId = (await client.getExperimentByName("uncached-metrics"))!.experiment_id;
    const run = (await stepRuns(client, experimentId, "uncached-1")).get("p")!;
    expect(runTags(run)[TAG.cache]).toBe("not cached");
    expect(runMetrics((await client.getRun(run.info.run_id))!)).toEqual({ latency: 12.5 });
  });

  it("reuses results cached on the server from another machine: no step runs again", async () => {
    const firstCalls: string[] = [];
    const first = organizer("shared");
    await first.run(workflow(firstCalls).graph, { metadata, executionId: "machine-a" });
    expect(firstCalls).toEqual(["load", "train", "evaluate"]);

    const calls: string[] = [];
    const second = organizer("shared"); // an empty local folder: everything must come from MLflow
    const { graph, formats } = workflow(calls);
    const result = await second.run(graph, { metadata, executionId: "machine-b" });
    expect(result.error).toBeUndefined();
    expect(calls).toEqual([]);
    expect(Object.values(result.execution.steps).map((state) => state.status)).toEqual([
      "cached",
      "cached",
      "cached",
    ]);

    const execution = (await second.get("machine-b"))!;
    expect(await second.readResult(execution, "model", formats)).toEqual({ weight: 2, bias: 1, seen: 5 });
    const rows = (await second.readResult(execution, "data", formats)) as Iterable<{ x: number }>;
    expect([...rows].map((row) => row.x)).toEqual([0, 1, 2, 3, 4]);
    expect([...rows]).toHaveLength(5);

    const client = second.client;
    const experimentId = await second.experiment.id();
    const steps = await stepRuns(client, experimentId, "machine-b");
    for (const run of steps.values()) expect(runTags(run)[TAG.cache]).toBe("cached");
    // A cached metrics step still shows its metrics on the new run.
    expect(runMetrics((await client.getRun(steps.get("score")!.info.run_id))!)).toMatchObject({
      accuracy: 0.75,
    });
  });

  it("never reads an entry whose upload did not finish, and rejects one that does not match its manifest", async () => {
    const org = organizer("partial");
    const client = org.client;
    const experimentId = await org.experiment.id();
    const format = new JsonFormat();
    const key = { fingerprint: "f".repeat(32), format };

    // An upload cut short: data there, no manifest, never marked ready.
    const partial = await client.createRun({
      experimentId,
      tags: {
        [TAG.kind]: KIND.cache,
        [TAG.fingerprint]: key.fingerprint,
        [TAG.format]: format.identifier,
        [TAG.cacheStatus]: "writing",
      },
    });
    await client.uploadArtifact(partial, "data/value.json", { text: "42" });
    expect(await org.cache.has(key)).toBe(false);
    await expect(org.cache.get(key)).rejects.toBeInstanceOf(CacheMissError);

    // Marked ready, but its data was tampered with after the manifest: a miss, not a wrong value.
    const writer = organizer("partial");
    await writer.cache.put(key, { answer: 42 });
    const ready = (
      await client.searchRuns({
        experimentIds: [await writer.cache.experiment.id()],
        filter: `${tagEquals(TAG.fingerprint, key.fingerprint)} AND ${tagEquals(TAG.cacheStatus, "ready")}`,
      })
    )[0]!;
    const [dataFile] = (await client.listArtifacts(ready, "data")).filter((file) => !file.is_dir);
    await client.uploadArtifact(ready, dataFile!.path, { text: "tampered" });
    const reader = organizer("partial");
    expect(await reader.cache.has(key)).toBe(true);
    await expect(reader.cache.get(key)).rejects.toBeInstanceOf(CacheMissError);

    // And delete() makes an entry unreadable everywhere.
    const fresh = { fingerprint: "e".repeat(32), format };
    await writer.cache.put(fresh, [1, 2]);
    expect(await organizer("partial").cache.get(fresh)).toEqual([1, 2]);
    await writer.cache.delete(fresh.fingerprint);
    expect(await organizer("partial").cache.has(fresh)).toBe(false);
  });

  it("removes an execution's runs but keeps its cached results", async () => {
    const org = organizer("remove");
    const { graph, formats } = workflow([]);
    await org.run(graph, { metadata, executionId: "gone" });
    const experimentId = await org.experiment.id();
    expect((await stepRuns(org.client, experimentId, "gone")).size).toBe(3);
    await org.remove("gone");
    expect(await org.list()).toEqual([]);
    expect((await stepRuns(org.client, experimentId, "gone")).size).toBe(0);
    const calls: string[] = [];
    const again = await organizer("remove").run(workflow(calls).graph, { metadata, executionId: "again" });
    expect(calls).toEqual([]);
    expect(await org.readResult(again.execution, "score", formats)).toMatchObject({ accuracy: 0.75 });
  });

  it("keeps step logs locally while the server is up or down", async () => {
    const org = organizer("logs");
    await org.run(workflow([]).graph, { metadata, executionId: "logged" });
    expect(existsSync(join(org.directory, "executions", "logged", "steps", "model", "out.log"))).toBe(true);
  });
});

import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { ClassRegistry } from "../../src/format/class-registry.js";
import { chunkBatch } from "../../src/mlflow/batch.js";
import { MlflowClient } from "../../src/mlflow/client.js";
import { configParams, resultMetrics } from "../../src/mlflow/flatten.js";
import { MAX_KEY_LENGTH, MAX_PARAM_VALUE_LENGTH, sanitizeKey } from "../../src/mlflow/limits.js";
import { MlflowError } from "../../src/mlflow/mlflow-error.js";
import { createOrganizer } from "../../src/organizer/create-organizer.js";
import { MlflowOrganizer } from "../../src/organizer/mlflow-organizer.js";
import { step } from "../../src/step/step.js";

const context = { cwd: process.cwd(), classes: new ClassRegistry() };

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe("MLflow limits", () => {
  it("splits a log batch within 1000 metrics, 100 params and 100 tags per request", () => {
    const params = Array.from({ length: 250 }, (_, i) => ({ key: `p${i}`, value: "v" }));
    const tags = Array.from({ length: 120 }, (_, i) => ({ key: `t${i}`, value: "v" }));
    const metrics = Array.from({ length: 2500 }, (_, i) => ({
      key: `m${i}`,
      value: i,
      timestamp: 0,
      step: 0,
    }));
    const batches = chunkBatch({ params, tags, metrics });
    for (const batch of batches) {
      expect(batch.params?.length ?? 0).toBeLessThanOrEqual(100);
      expect(batch.tags?.length ?? 0).toBeLessThanOrEqual(100);
      expect(batch.metrics?.length ?? 0).toBeLessThanOrEqual(1000);
      expect(
        (batch.params?.length ?? 0) + (batch.tags?.length ?? 0) + (batch.metrics?.length ?? 0),
      ).toBeLessThanOrEqual(1000);
    }
    expect(batches.flatMap((b) => b.params ?? [])).toEqual(params);
    expect(batches.flatMap((b) => b.tags ?? [])).toEqual(tags);
    expect(batches.flatMap((b) => b.metrics ?? [])).toEqual(metrics);
  });

  it("makes keys MLflow accepts", () => {
    expect(sanitizeKey("model.hidden_size")).toBe("model.hidden_size");
    expect(sanitizeKey("a/b: c-d")).toBe("a/b: c-d");
    expect(sanitizeKey("weird[0]{x}é")).toBe("weird_0__x_é");
    expect(sanitizeKey("/lead//double/../x/")).toBe("lead/double/__/x");
    expect(sanitizeKey("k".repeat(400))).toHaveLength(MAX_KEY_LENGTH);
  });

  it("flattens a step config into dotted params within length limits", () => {
    const params = Object.fromEntries(
      configParams({
        type: "train",
        lr: 0.1,
        name: "run",
        model: { layers: [64, 32], activation: { kind: "relu" }, empty: {} },
        data: { type: "ref", ref: "prepare.train" },
        flag: true,
        nothing: null,
        long: "x".repeat(10_000),
      }).map((p) => [p.key, p.value]),
    );
    expect(params).toEqual({
      lr: "0.1",
      name: "run",
      "model.layers": "[64,32]",
      "model.activation.kind": "relu",
      "model.empty": "{}",
      data: "ref:prepare.train",
      flag: "true",
      nothing: "null",
      long: `${"x".repeat(MAX_PARAM_VALUE_LENGTH - 3)}...`,
    });
  });

  it("turns a numeric result into metrics: a number, nested numbers, series", () => {
    expect(resultMetrics(0.5, "accuracy", 7).metrics).toEqual([
      { key: "accuracy", value: 0.5, timestamp: 7, step: 0 },
    ]);
    const { metrics, skipped } = resultMetrics(
      { f1: { macro: 0.7 }, loss: [3, 2, 1], label: "x", nan: Number.NaN },
      "eval",
      1,
    );
    expect(metrics).toEqual([
      { key: "f1.macro", value: 0.7, timestamp: 1, step: 0 },
      { key: "loss", value: 3, timestamp: 1, step: 0 },
      { key: "loss", value: 2, timestamp: 1, step: 1 },
      { key: "loss", value: 1, timestamp: 1, step: 2 },
    ]);
    expect(skipped).toEqual(["label", "nan"]);
  });
});

describe("MlflowClient against no server", () => {
  it("retries, then fails with an error naming the tracking URI", async () => {
    const uri = `http://127.0.0.1:${await closedPort()}`;
    const client = new MlflowClient({ trackingUri: uri, retries: 2, backoffMs: 10 });
    const started = Date.now();
    const error = await client.ensureExperiment("x").then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(MlflowError);
    const mlflowError = error as MlflowError;
    expect(mlflowError.message).toContain(uri);
    expect(mlflowError.message).toContain("connection refused");
    expect(mlflowError.message).toContain("tried 3 times");
    expect(mlflowError.unreachable).toBe(true);
    expect(mlflowError.hint).toContain("tracking_uri");
    // Known down: the next call fails at once instead of retrying again.
    const again = Date.now();
    await expect(client.getRun("r")).rejects.toThrow(uri);
    expect(Date.now() - again).toBeLessThan(Math.max(1000, Date.now() - started));
  });
});

describe("the mlflow organizer in formed.yml", () => {
  it("is registered with its options", () => {
    const organizer = createOrganizer(
      { type: "mlflow", tracking_uri: "http://127.0.0.1:1", experiment_name: "e", directory: ".x" },
      context,
    );
    expect(organizer).toBeInstanceOf(MlflowOrganizer);
    expect((organizer as MlflowOrganizer).experiment.name).toBe("e");
  });

  it("refuses unknown options and non-strings, naming the settings path", () => {
    expect(() => createOrganizer({ type: "mlflow", tracking_uri: "http://h", bogus: 1 }, context)).toThrow(
      /workflow\.organizer\.bogus.*known: tracking_uri, experiment_name, directory/,
    );
    expect(() => createOrganizer({ type: "mlflow", tracking_uri: 5 }, context)).toThrow(
      /workflow\.organizer\.tracking_uri\] expected a string/,
    );
  });

  it("needs a tracking URI, from formed.yml or MLFLOW_TRACKING_URI", () => {
    const saved = process.env.MLFLOW_TRACKING_URI;
    delete process.env.MLFLOW_TRACKING_URI;
    try {
      expect(() => createOrganizer({ type: "mlflow" }, context)).toThrow(/needs a tracking server/);
      process.env.MLFLOW_TRACKING_URI = "http://127.0.0.1:9";
      expect((createOrganizer({ type: "mlflow" }, context) as MlflowOrganizer).client.trackingUri).toBe(
        "http://127.0.0.1:9",
      );
      expect(() => createOrganizer({ type: "mlflow", tracking_uri: "./mlruns" }, context)).toThrow(
        /http\(s\)/,
      );
    } finally {
      if (saved === undefined) delete process.env.MLFLOW_TRACKING_URI;
      else process.env.MLFLOW_TRACKING_URI = saved;
    }
  });

  it("accepts the metrics step option, and only as a boolean", () => {
    expect(step({ metrics: true }, () => 1).options.metrics).toBe(true);
    expect(() => step({ metrics: "yes" as never }, () => 1)).toThrow(/metrics/);
  });
});

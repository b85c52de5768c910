import { existsSync, readdirSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { FormedError } from "../../src/errors.js";
import { WorkflowGraph } from "../../src/graph/graph.js";
import { KIND, TAG, tagEquals } from "../../src/mlflow/tags.js";
import { runTags } from "../../src/mlflow/types.js";
import { collectMetadata } from "../../src/organizer/metadata.js";
import { MlflowOrganizer } from "../../src/organizer/mlflow-organizer.js";
import { step } from "../../src/step/step.js";
import { fixtureProject, ref } from "../e2e/harness.js";
import { tempDir } from "../support/files.js";
import { type MlflowServer, startMlflowServer } from "../support/mlflow-server.js";
import { registries } from "../support/registries.js";

const servers: MlflowServer[] = [];
const folders: string[] = [];
afterAll(async () => {
  for (const server of servers) await server.dispose();
  await Promise.all(folders.map((folder) => rm(folder, { recursive: true, force: true })));
}, 60_000);

const SETUP_TIMEOUT = 20 * 60_000;

describe("an MLflow server that dies mid-run", () => {
  it(
    "fails the execution with an error naming the server, keeps every computed result locally, and publishes them once it is back",
    async () => {
      const server = await startMlflowServer();
      servers.push(server);
      const directory = tempDir("formed-mlflow-outage-");
      folders.push(directory);
      const make = () =>
        new MlflowOrganizer({
          trackingUri: server.uri,
          experimentName: "outage",
          directory,
          retry: { retries: 2, backoffMs: 50 },
        });
      const calls: string[] = [];
      let crash = true;
      const steps = {
        first: step(({ n }: { n: number }) => {
          calls.push("first");
          return n + 1;
        }),
        second: step(async ({ x }: { x: number }) => {
          calls.push("second");
          if (crash) await server.stop();
          return x * 10;
        }),
        third: step(({ y }: { y: number }) => {
          calls.push("third");
          return y + 1;
        }),
      };
      const config = {
        steps: {
          a: { type: "first", n: 1 },
          b: { type: "second", x: ref("a") },
          c: { type: "third", y: ref("b") },
        },
      };
      const graph = WorkflowGraph.build(config as never, registries(steps));
      const metadata = collectMetadata({ cwd: process.cwd() });

      const error = await make()
        .run(graph, { metadata, executionId: "interrupted" })
        .then(
          () => undefined,
          (caught: unknown) => caught,
        );
      expect(error).toBeInstanceOf(FormedError);
      expect((error as Error).message).toContain(`MLflow tracking server at ${server.uri}`);
      expect((error as Error).message).toContain("connection refused");
      expect(calls).toEqual(["first", "second"]);
      // Nothing computed is lost: both results are complete on local disk, the logs too.
      const complete = () =>
        readdirSync(join(directory, "cache"))
          .filter((entry) => existsSync(join(directory, "cache", entry, "manifest.json")))
          .sort();
      const keptLocally = complete();
      expect(keptLocally).toHaveLength(2);
      expect(existsSync(join(directory, "executions", "interrupted", "out.log"))).toBe(true);

      // The same server comes back: nothing is computed twice, and b's result reaches the server.
      const back = await startMlflowServer({ directory: server.directory, port: server.port });
      servers.push(back);
      calls.length = 0;
      crash = false;
      const organizer = make();
      const resumed = await organizer.run(graph, { metadata, executionId: "resumed" });
      expect(resumed.error).toBeUndefined();
      expect(calls).toEqual(["third"]);
      expect(resumed.execution.steps.b?.status).toBe("cached");
      const ready = await organizer.client.searchRuns({
        experimentIds: [await organizer.cache.experiment.id()],
        filter: `${tagEquals(TAG.kind, KIND.cache)} AND ${tagEquals(TAG.cacheStatus, "ready")}`,
      });
      const fingerprintOf = (name: string) => resumed.execution.steps[name]!.fingerprint;
      expect(keptLocally).toEqual([fingerprintOf("a"), fingerprintOf("b")].sort());
      expect(ready.map((run) => runTags(run)[TAG.fingerprint]).sort()).toEqual(
        ["a", "b", "c"].map(fingerprintOf).sort(),
      );
      await back.stop();
    },
    SETUP_TIMEOUT,
  );

  it(
    "makes `formed workflow run` exit 1 with the server named, and `formed workflow remove` works",
    async () => {
      const server = await startMlflowServer();
      servers.push(server);
      const project = fixtureProject(
        { steps: { sum: { type: "add", a: 1, b: 2 }, doubled: { type: "double", x: ref("sum") } } },
        {
          "formed.yml": `required_modules:\n  - ./steps.ts\nworkflow:\n  organizer:\n    type: mlflow\n    tracking_uri: ${server.uri}\n    experiment_name: cli\n`,
        },
      );
      const first = await project.formed(["workflow", "run", "config.json", "--execution-id", "cli-1"]);
      expect(first.stderr + first.stdout).not.toMatch(/error/i);
      expect(first.code).toBe(0);
      expect(project.calls().sort()).toEqual(["add", "double"]);
      project.clearCalls();
      const second = await project.formed(["workflow", "run", "config.json", "--execution-id", "cli-2"]);
      expect(second.code).toBe(0);
      expect(project.calls()).toEqual([]);

      const removed = await project.formed(["workflow", "remove", "cli-1"]);
      expect(removed.code).toBe(0);
      const organizer = new MlflowOrganizer({
        trackingUri: server.uri,
        experimentName: "cli",
        directory: tempDir(),
      });
      expect(await organizer.list()).toEqual(["cli-2"]);

      await server.stop();
      project.write("config.json", JSON.stringify({ steps: { sum: { type: "add", a: 5, b: 5 } } }));
      const down = await project.formed(["workflow", "run", "config.json"]);
      expect(down.code).toBe(1);
      expect(down.stderr).toContain(server.uri);
      // What was cached before the outage is still on disk.
      expect(
        readdirSync(join(project.dir, ".formed", "mlflow", "cache")).filter((name) => !name.startsWith("."))
          .length,
      ).toBe(2);
    },
    SETUP_TIMEOUT,
  );
});

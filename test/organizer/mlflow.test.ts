import { rm } from "node:fs/promises";
import { afterAll, beforeAll } from "vitest";
import { MlflowOrganizer } from "../../src/organizer/mlflow-organizer.js";
import { tempDir } from "../support/files.js";
import { type MlflowServer, startMlflowServer } from "../support/mlflow-server.js";
import { describeOrganizerConformance } from "./conformance.js";

let server: MlflowServer;
// Installing MLflow (first run on a machine only) and starting it take a while.
beforeAll(async () => {
  server = await startMlflowServer();
}, 20 * 60_000);
afterAll(async () => {
  await server?.dispose();
}, 30_000);

let experiments = 0;
describeOrganizerConformance("mlflow", async () => {
  const directory = tempDir("formed-mlflow-organizer-");
  return {
    organizer: new MlflowOrganizer({
      trackingUri: server.uri,
      experimentName: `conformance-${process.pid}-${++experiments}`,
      directory,
    }),
    cleanup: () => rm(directory, { recursive: true, force: true }),
  };
});

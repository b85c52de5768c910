import type { MlflowClient } from "./client.js";

/**
 * One experiment on one server, its id looked up (or the experiment created) on first use and
 * remembered; a failed lookup is tried again next time, so a server that comes back is used.
 */
export class MlflowExperimentHandle {
  #id: Promise<string> | undefined;

  constructor(
    readonly client: MlflowClient,
    readonly name: string,
  ) {}

  id(): Promise<string> {
    this.#id ??= this.client.ensureExperiment(this.name).catch((error: unknown) => {
      this.#id = undefined;
      throw error;
    });
    return this.#id;
  }
}

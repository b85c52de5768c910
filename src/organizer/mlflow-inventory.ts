/**
 * The entries of an MLflow cache: its cache runs on the server (those marked ready), each with
 * the size from its manifest (the local copy's, else the manifest artifact), and their removal
 * under the local lock of the fingerprint, unless a running execution of this machine uses it
 * (live-uses.ts, in the local cache folder) or the caller keeps it. Executions of other machines
 * hold no local lock: their running steps are kept by their records (running executions are
 * always kept).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { CacheEntryInfo, CacheInventory, KeepCheck, RemoveOutcome } from "../cache/inventory.js";
import { LiveUsesReader } from "../cache/live-uses.js";
import { removeAbandonedLocks, tryLockFingerprint } from "../cache/lock.js";
import { contentDigest, inParallel, MANIFEST_FILE, type Manifest, parseManifest } from "../cache/manifest.js";
import type { MlflowCache } from "../cache/mlflow-cache.js";
import { removeDeadTempDirectories } from "../cache/temp-dirs.js";
import type { MlflowClient } from "../mlflow/client.js";
import type { MlflowExperimentHandle } from "../mlflow/experiment.js";
import { MlflowError } from "../mlflow/mlflow-error.js";
import { TAG } from "../mlflow/tags.js";
import { type MlflowRun, runTags } from "../mlflow/types.js";

export class MlflowInventory implements CacheInventory {
  readonly kind = "mlflow";
  readonly location: string;
  readonly #live: LiveUsesReader;

  constructor(
    readonly cache: MlflowCache,
    readonly client: MlflowClient,
    readonly experiment: MlflowExperimentHandle,
  ) {
    this.location = `experiment "${cache.experiment.name}" (and older entries in "${experiment.name}") on ${client.trackingUri} (local copies in ${cache.directory})`;
    this.#live = new LiveUsesReader(cache.directory);
  }

  async entries(): Promise<CacheEntryInfo[]> {
    const runs = await this.#readyRuns();
    const seen = new Set<string>();
    const unique = runs.filter((run) => {
      const fingerprint = runTags(run)[TAG.fingerprint];
      if (fingerprint === undefined || seen.has(fingerprint)) return false;
      seen.add(fingerprint);
      return true;
    });
    return (await inParallel(unique, (run) => this.#describe(run))).filter(
      (entry): entry is CacheEntryInfo => entry !== undefined,
    );
  }

  async entry(fingerprint: string): Promise<CacheEntryInfo | undefined> {
    const [run] = await this.#readyRuns(fingerprint);
    return run === undefined ? undefined : this.#describe(run);
  }

  inUse(): Set<string> {
    this.#live.refresh();
    return this.#live.all();
  }

  async remove(fingerprint: string, keep?: KeepCheck): Promise<RemoveOutcome> {
    const lock = tryLockFingerprint(this.cache.directory, fingerprint);
    if (lock === undefined) return { removed: false, reason: "held" };
    try {
      const entry = await this.entry(fingerprint);
      if (entry === undefined) return { removed: false, reason: "gone" };
      const ended = this.#live.refresh() > 0;
      if (this.#live.has(fingerprint)) return { removed: false, reason: "in-use" };
      if ((await keep?.(fingerprint, ended)) === true) return { removed: false, reason: "kept" };
      await this.cache.delete(fingerprint);
      return { removed: true, bytes: entry.bytes };
    } finally {
      lock.releaseSync();
    }
  }

  async removeLeftovers(): Promise<number> {
    this.#live.refresh();
    return (
      removeAbandonedLocks(this.cache.directory) + (await removeDeadTempDirectories(this.cache.directory))
    );
  }

  #readyRuns(fingerprint?: string): Promise<MlflowRun[]> {
    return this.cache.readyRuns(fingerprint);
  }

  async #describe(run: MlflowRun): Promise<CacheEntryInfo | undefined> {
    const tags = runTags(run);
    const fingerprint = tags[TAG.fingerprint];
    if (fingerprint === undefined) return undefined;
    const local = join(this.cache.directory, fingerprint);
    const manifest = this.#localManifest(local) ?? (await this.#remoteManifest(run));
    const where = `cache run ${run.info.run_id}`;
    if (manifest === undefined || manifest.fingerprint !== fingerprint) {
      return {
        fingerprint,
        format: tags[TAG.format] ?? "",
        bytes: 0,
        files: [],
        location: where,
        damaged: "its manifest is missing or unreadable",
      };
    }
    return {
      fingerprint,
      format: manifest.format,
      bytes: manifest.files.reduce((sum, file) => sum + file.size, 0),
      created: manifest.created,
      digest: contentDigest(manifest.format, manifest.files),
      files: manifest.files.map((file) => file.path),
      location: where,
    };
  }

  #localManifest(entry: string): Manifest | undefined {
    try {
      return parseManifest(readFileSync(join(entry, MANIFEST_FILE), "utf8"));
    } catch {
      return undefined;
    }
  }

  /** Undefined when the run has no readable manifest; a server that fails to answer is an error (no guessing). */
  async #remoteManifest(run: MlflowRun): Promise<Manifest | undefined> {
    try {
      return parseManifest(await this.client.readArtifactText(run, MANIFEST_FILE));
    } catch (error) {
      if (error instanceof MlflowError && error.notFound) return undefined;
      throw error;
    }
  }
}

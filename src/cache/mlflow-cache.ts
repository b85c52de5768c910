import { existsSync } from "node:fs";
import { mkdir, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { formedVersion } from "../common/package-info.js";
import { FormedError } from "../errors.js";
import { ClassRegistry } from "../format/class-registry.js";
import type { FormatContext } from "../format/format.js";
import { type MlflowClient, NOTE_TAG } from "../mlflow/client.js";
import { MlflowExperimentHandle } from "../mlflow/experiment.js";
import { type ComputedBy, cacheRunNote } from "../mlflow/notes.js";
import { KIND, TAG, tagEquals } from "../mlflow/tags.js";
import { keyValues, type MlflowRun } from "../mlflow/types.js";
import { type CacheKey, CacheMissError, type WorkflowCache } from "./cache.js";
import { type FingerprintLock, type LockOptions, lockFingerprint } from "./lock.js";
import {
  checkFingerprint,
  contentDigest,
  findDamage,
  hashFile,
  inParallel,
  listTree,
  MANIFEST_FILE,
  type Manifest,
  manifestMatches,
  newManifest,
  readManifest,
} from "./manifest.js";
import { removeDeadTempDirectories, TEMP_DIRECTORY, tempName } from "./temp-dirs.js";

export interface MlflowCacheOptions {
  /** The executions' experiment: where earlier versions kept entries (still read). */
  experiment: MlflowExperimentHandle;
  /** Where new entries go; default: the executions' experiment's name + `-cache`. */
  cacheExperimentName?: string;
  /** Local copies of entries (written before upload, downloaded on first read). */
  directory: string;
  classes?: ClassRegistry;
  lock?: LockOptions;
}

/** The artifact folder of a cache run that holds what the format wrote. */
export const DATA = "data";

/** The step run a new entry is computed for, as the organizer attaches it. */
export interface MlflowStepSource extends ComputedBy {
  readonly experimentId: string;
  readonly stepName: string;
  readonly stepType: string;
  readonly executionId: string;
}

/** The cache experiment of the executions' experiment `name`. */
export function cacheExperimentName(name: string): string {
  return `${name}-cache`;
}

/**
 * Step results kept on an MLflow tracking server, so that another machine using the same
 * server and experiment finds them.
 *
 * Each entry is one MLflow run of its own ("cache run", tag `formed.kind=cache`) in an
 * experiment of their own (`<experiment>-cache`), so the executions' experiment shows
 * executions and their steps only. A cache run names the step run that computed it (tag
 * `formed.step.run_id`, and its description). Its artifacts are `data/...` (what the format
 * wrote) and `manifest.json` (sizes and sha256 of every data file), uploaded last; only then is
 * the tag `formed.cache.status=ready` set. Lookups search for that tag, so an upload cut short
 * never reads as a hit, and downloads are checked against the manifest. Lookups search the
 * executions' experiment too (one search over both): entries of earlier versions are there,
 * nested under the step runs that computed them.
 *
 * A run of its own, not the step run itself: `formed workflow remove` deletes an execution's
 * runs, while cached results must outlive the execution that made them (as in the filesystem
 * organizer).
 *
 * Every entry also has a local copy under `directory` (same layout), written first: a result
 * is on disk before any network call, a re-run on this machine reads no artifact, and a server
 * that dies mid-upload loses nothing computed. A local copy the server lacks (its upload
 * failed) is uploaded by `publish`. `lock` is a local file lock: it keeps processes on this
 * machine from computing one fingerprint twice; across machines the worst case is two
 * complete entries for one fingerprint, and either one is fine.
 */
export class MlflowCache implements WorkflowCache {
  readonly kind = "mlflow";
  /** Worker processes open the same server and local folder (see `attachment`). */
  readonly shared = true;
  readonly directory: string;
  /** Where new entries go (created on first use). */
  readonly experiment: MlflowExperimentHandle;
  /** The executions' experiment, where older entries are. */
  readonly #executions: MlflowExperimentHandle;
  readonly #client: MlflowClient;
  readonly #context: FormatContext;
  readonly #lockOptions: LockOptions;
  /** The step runs new entries are computed for, by fingerprint (set by the organizer while a step runs). */
  readonly #parents = new Map<string, string>();
  /** Cache runs known to be ready, by fingerprint and format, so a step's has/get/publish search once. */
  readonly #ready = new Map<string, MlflowRun>();
  #cleaned: Promise<unknown> | undefined;

  constructor(options: MlflowCacheOptions) {
    this.#executions = options.experiment;
    this.#client = options.experiment.client;
    this.experiment = new MlflowExperimentHandle(
      this.#client,
      options.cacheExperimentName ?? cacheExperimentName(options.experiment.name),
    );
    this.directory = options.directory;
    this.#context = { classes: options.classes ?? new ClassRegistry() };
    this.#lockOptions = options.lock ?? {};
  }

  /** The step run a new entry of `fingerprint` is computed for, if one was attached (encoded, for a worker process). */
  attachment(fingerprint: string): string | undefined {
    return this.#parents.get(fingerprint);
  }

  /** Names the step run (`attachStep`'s, encoded) the entry `fingerprint` gets, if it gets one, is computed for. */
  attach(fingerprint: string, attachment: string): void {
    this.#parents.set(fingerprint, attachment);
  }

  attachStep(fingerprint: string, source: MlflowStepSource): void {
    this.attach(fingerprint, JSON.stringify(source));
  }

  detach(fingerprint: string): void {
    this.#parents.delete(fingerprint);
  }

  async has(key: CacheKey): Promise<boolean> {
    if (await this.#hasLocal(key)) return true;
    return (await this.#findReady(key)) !== undefined;
  }

  async get(key: CacheKey): Promise<unknown> {
    const entry = this.#entry(key.fingerprint);
    const manifest = await readManifest(entry);
    if (manifestMatches(manifest, key)) {
      const damaged = await findDamage(join(entry, DATA), manifest);
      if (damaged === undefined) return key.format.read(join(entry, DATA), this.#context);
    }
    // A damaged local copy, or one in another format: the server's copy replaces it.
    await rm(entry, { recursive: true, force: true });
    const run = await this.#findReady(key);
    if (run === undefined) throw new CacheMissError(key.fingerprint, "not on the MLflow server either");
    await this.#download(run, key);
    return key.format.read(join(entry, DATA), this.#context);
  }

  /** From the local copy's manifest; an entry only on the server is downloaded first. */
  async digest(key: CacheKey): Promise<string | undefined> {
    if (!(await this.#hasLocal(key))) {
      const run = await this.#findReady(key);
      if (run === undefined) return undefined;
      await this.#download(run, key);
    }
    const manifest = await readManifest(this.#entry(key.fingerprint));
    return manifestMatches(manifest, key) ? contentDigest(manifest.format, manifest.files) : undefined;
  }

  async put(key: CacheKey, value: unknown): Promise<unknown> {
    const { fingerprint, format } = key;
    const entry = this.#entry(fingerprint);
    this.#cleaned ??= removeDeadTempDirectories(this.directory).catch(() => undefined);
    await this.#cleaned;
    const temp = join(this.directory, TEMP_DIRECTORY, tempName(fingerprint));
    try {
      await mkdir(join(temp, DATA), { recursive: true });
      await format.write(value, join(temp, DATA), this.#context);
      const manifest = await describe(join(temp, DATA), fingerprint, format.identifier);
      await writeFile(join(temp, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
      await this.#install(temp, entry);
    } catch (error) {
      await rm(temp, { recursive: true, force: true });
      throw error;
    }
    await this.publish(key);
    return format.read(join(entry, DATA), this.#context);
  }

  /**
   * The cache run holding `key` on the server, uploading the local copy first when the server
   * has none (an earlier upload failed, or the entry predates this server). Undefined when
   * there is neither.
   */
  async publish(key: CacheKey): Promise<MlflowRun | undefined> {
    const found = await this.#findReady(key);
    if (found !== undefined) return found;
    const entry = this.#entry(key.fingerprint);
    const manifest = await readManifest(entry);
    if (manifest === undefined || manifest.format !== key.format.identifier) return undefined;
    return this.#upload(key, entry, manifest);
  }

  /** The ready cache runs (of `fingerprint`, or all), newest first, in both experiments. */
  async readyRuns(fingerprint?: string): Promise<MlflowRun[]> {
    return this.#client.searchRuns({
      experimentIds: await this.#experimentIds(),
      filter: [
        tagEquals(TAG.kind, KIND.cache),
        tagEquals(TAG.cacheStatus, "ready"),
        ...(fingerprint === undefined ? [] : [tagEquals(TAG.fingerprint, fingerprint)]),
      ].join(" AND "),
      orderBy: ["attributes.start_time DESC"],
    });
  }

  async delete(fingerprint: string): Promise<void> {
    await rm(this.#entry(fingerprint), { recursive: true, force: true });
    const runs = await this.#client.searchRuns({
      experimentIds: await this.#experimentIds(),
      filter: `${tagEquals(TAG.kind, KIND.cache)} AND ${tagEquals(TAG.fingerprint, fingerprint)}`,
    });
    for (const run of runs) {
      // The tag first: once it is gone no reader trusts the run, whatever happens to the rest.
      await this.#client.setTag(run.info.run_id, TAG.cacheStatus, "deleted");
      await this.#client.deleteRun(run.info.run_id);
    }
    for (const cacheKey of [...this.#ready.keys()]) {
      if (cacheKey.startsWith(readyKeyPrefix(fingerprint))) this.#ready.delete(cacheKey);
    }
  }

  lock(fingerprint: string): Promise<FingerprintLock> {
    return lockFingerprint(this.directory, checkFingerprint(fingerprint, "mlflow"), this.#lockOptions);
  }

  /** The cache experiment and the executions' experiment: a search over both finds old entries too. */
  async #experimentIds(): Promise<string[]> {
    return Promise.all([this.experiment.id(), this.#executions.id()]);
  }

  /** The step run an entry is computed for; an attachment of an older formed is a bare run id. */
  #computedBy(fingerprint: string): ComputedBy | undefined {
    const attachment = this.#parents.get(fingerprint);
    if (attachment === undefined) return undefined;
    try {
      const source = JSON.parse(attachment) as Partial<ComputedBy>;
      if (typeof source.runId === "string") return source as ComputedBy;
    } catch {
      // a bare run id
    }
    return { runId: attachment };
  }

  #entry(fingerprint: string): string {
    return join(this.directory, checkFingerprint(fingerprint, "mlflow"));
  }

  async #hasLocal(key: CacheKey): Promise<boolean> {
    const entry = this.#entry(key.fingerprint);
    const manifest = await readManifest(entry);
    if (!manifestMatches(manifest, key)) return false;
    for (const file of manifest.files) {
      const size = await stat(join(entry, DATA, file.path)).then(
        (s) => s.size,
        () => -1,
      );
      if (size !== file.size) return false;
    }
    return true;
  }

  async #findReady(key: CacheKey): Promise<MlflowRun | undefined> {
    const memo = readyKey(key);
    const known = this.#ready.get(memo);
    if (known !== undefined) return known;
    const [run] = await this.#client.searchRuns({
      experimentIds: await this.#experimentIds(),
      filter: [
        tagEquals(TAG.kind, KIND.cache),
        tagEquals(TAG.fingerprint, key.fingerprint),
        tagEquals(TAG.format, key.format.identifier),
        tagEquals(TAG.cacheStatus, "ready"),
      ].join(" AND "),
      orderBy: ["attributes.start_time DESC"],
      limit: 1,
    });
    if (run !== undefined) this.#ready.set(memo, run);
    return run;
  }

  /** Uploads data files, then the manifest, then marks the run ready: the order readers rely on. */
  async #upload(key: CacheKey, entry: string, manifest: Manifest): Promise<MlflowRun> {
    const computedBy = this.#computedBy(key.fingerprint);
    const run = await this.#client.createRun({
      experimentId: await this.experiment.id(),
      runName: `${computedBy?.stepType ?? "cache"} ${key.fingerprint.slice(0, 12)}`,
      tags: {
        [TAG.kind]: KIND.cache,
        [TAG.fingerprint]: key.fingerprint,
        [TAG.format]: key.format.identifier,
        [TAG.cacheStatus]: "writing",
        [TAG.formedVersion]: formedVersion(),
        ...(computedBy === undefined ? {} : { [TAG.stepRunId]: computedBy.runId }),
        ...(computedBy?.stepType === undefined ? {} : { [TAG.stepType]: computedBy.stepType }),
      },
    });
    const runId = run.info.run_id;
    try {
      await inParallel(manifest.files, (file) =>
        this.#client.uploadArtifact(run, `${DATA}/${file.path}`, {
          file: join(entry, DATA, ...file.path.split("/")),
        }),
      );
      await this.#client.uploadArtifact(run, MANIFEST_FILE, { file: join(entry, MANIFEST_FILE) });
      const note = cacheRunNote(
        runId,
        { fingerprint: key.fingerprint, format: key.format.identifier, dataPath: DATA },
        computedBy,
      );
      await this.#client.logBatch(runId, {
        tags: keyValues({ [NOTE_TAG]: note, [TAG.cacheStatus]: "ready" }),
      });
    } catch (error) {
      // Best effort: the run stays "writing" (never read) if the server is gone.
      await this.#client.updateRun(runId, { status: "FAILED", endTime: Date.now() }).catch(() => undefined);
      throw error;
    }
    await this.#client.updateRun(runId, { status: "FINISHED", endTime: Date.now() });
    this.#ready.set(readyKey(key), run);
    return run;
  }

  /** Downloads a ready entry into a temp folder, checks it against its manifest, and installs it locally. */
  async #download(run: MlflowRun, key: CacheKey): Promise<void> {
    const temp = join(this.directory, TEMP_DIRECTORY, tempName(key.fingerprint));
    const where = `cache run ${run.info.run_id} on ${this.#client.trackingUri}`;
    try {
      await mkdir(join(temp, DATA), { recursive: true });
      await this.#client.downloadArtifact(run, MANIFEST_FILE, join(temp, MANIFEST_FILE));
      const manifest = await readManifest(temp);
      if (!manifestMatches(manifest, key)) {
        throw new CacheMissError(key.fingerprint, `the manifest of ${where} is missing or does not match`);
      }
      await inParallel(manifest.files, (file) =>
        this.#client.downloadArtifact(run, `${DATA}/${file.path}`, join(temp, DATA, ...file.path.split("/"))),
      );
      const damaged = await findDamage(join(temp, DATA), manifest);
      if (damaged !== undefined) {
        throw new CacheMissError(
          key.fingerprint,
          `${DATA}/${damaged} of ${where} does not match its manifest`,
        );
      }
      await this.#install(temp, this.#entry(key.fingerprint));
    } catch (error) {
      await rm(temp, { recursive: true, force: true });
      if (error instanceof CacheMissError) this.#ready.delete(readyKey(key));
      throw error;
    }
  }

  /** Renames a finished temp folder into place; an entry already there (another process's) is kept. */
  async #install(temp: string, entry: string): Promise<void> {
    try {
      await rename(temp, entry);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (
        !(code === "ENOTEMPTY" || code === "EEXIST" || code === "EPERM") ||
        !existsSync(join(entry, MANIFEST_FILE))
      ) {
        throw new FormedError("E_CACHE", `cannot install cache entry ${entry}`, { cause: error });
      }
      await rm(temp, { recursive: true, force: true });
    }
  }
}

async function describe(data: string, fingerprint: string, format: string): Promise<Manifest> {
  const tree = await listTree(data);
  const files = await inParallel(tree.files, async (path) => ({
    path,
    ...(await hashFile(join(data, ...path.split("/")))),
  }));
  return newManifest(fingerprint, format, files);
}

/** The key of `#ready`: a fingerprint may be stored in several formats. */
function readyKey(key: CacheKey): string {
  return `${readyKeyPrefix(key.fingerprint)}${key.format.identifier}`;
}

function readyKeyPrefix(fingerprint: string): string {
  return `${fingerprint}\n`;
}

/**
 * The local filesystem cache with a shared S3 store behind it (`workflow.remote_cache`), so that
 * laptops and workers in other folders reuse one another's results.
 *
 * In the bucket, under the prefix, entries are kept apart from the bytes, as in Bazel's remote
 * cache (an action cache over a content store):
 *
 *     entries/<fingerprint>.json   the entry's manifest: its format, every file's path, size, sha256
 *     blobs/<sha256>               one file's bytes, stored once whichever entries hold them
 *
 * Written through: `put` completes the local entry, then uploads every blob the store lacks,
 * then the manifest LAST with a conditional put (`If-None-Match: *`), so a manifest names
 * blobs that are all there, and of two writers of one fingerprint the first wins and the other
 * keeps its local copy (an entry never changes; content-addressed blobs never clash). Read
 * through: a local miss whose manifest is in the store is downloaded file by file, each
 * streamed to disk and hashed on the way, checked against the manifest, and only then
 * installed locally; a damaged remote entry is never returned (CacheMissError naming the
 * object, so the step is recomputed, and the recomputed entry replaces it). `digest` reads
 * the manifest alone, so keys are made from remote entries without downloading them.
 *
 * An entry whose upload failed (the store was down) stays local; `publish`, called by the
 * organizer for every stored step result, uploads it on a later run. Which local entries the
 * store is known to have is remembered in `<local>/.remote/<store id>/<fingerprint>`, so a
 * cached re-run sends no request at all.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { useStepLogger } from "../step/context.js";
import { type CacheKey, CacheMissError, type WorkflowCache } from "./cache.js";
import { ENTRY_MANIFEST_FILE, type FilesystemCache } from "./filesystem.js";
import type { FingerprintLock } from "./lock.js";
import {
  contentDigest,
  findDamage,
  inParallel,
  type Manifest,
  type ManifestFile,
  manifestMatches,
  parseManifest,
} from "./manifest.js";
import { S3Store, type S3StoreOptions } from "./s3-store.js";

export interface RemoteCacheOptions {
  /** Where entries are kept on this machine, and locked. */
  readonly local: FilesystemCache;
  readonly store: S3StoreOptions;
}

/** One file of a remote entry that cannot be used, and why. */
interface Damage {
  readonly blob: string;
  readonly problem: string;
}

/** What this process knows of a damaged remote entry. */
interface Damaged {
  /** Blobs to upload again even though the store has an object of that name. */
  readonly blobs: ReadonlySet<string>;
  /** Said in the step's log when its put replaces the entry (nothing else reported it). */
  readonly report?: string;
}

export class RemoteCache implements WorkflowCache {
  readonly kind = "filesystem+s3";
  /** Worker processes open the same local folder and the same store. */
  readonly shared = true;
  readonly local: FilesystemCache;
  readonly #options: S3StoreOptions;
  #store: Promise<S3Store> | undefined;
  /** Folder of the marks of entries the store is known to have. */
  readonly #marks: string;
  /** Remote manifests read, by fingerprint (entries are immutable). */
  readonly #manifests = new Map<string, Manifest>();
  /**
   * Remote entries found damaged, by fingerprint, with the blobs found damaged: not trusted
   * again by this process, and replaced by its next put of that fingerprint.
   */
  readonly #damaged = new Map<string, Damaged>();

  constructor(options: RemoteCacheOptions) {
    this.local = options.local;
    this.#options = options.store;
    const endpoint =
      options.store.endpoint ?? process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL ?? "";
    const id = createHash("sha256")
      .update(`${endpoint}\0${options.store.bucket}\0${options.store.prefix}`)
      .digest("hex")
      .slice(0, 16);
    this.#marks = join(options.local.directory, ".remote", id);
  }

  async has(key: CacheKey): Promise<boolean> {
    if (await this.local.has(key)) return true;
    return (await this.#remoteManifest(key)) !== undefined;
  }

  /** From the local manifest, else from the remote one: no data file is read or downloaded. */
  async digest(key: CacheKey): Promise<string | undefined> {
    const local = await this.local.digest(key);
    if (local !== undefined) return local;
    const manifest = await this.#remoteManifest(key);
    return manifest === undefined ? undefined : contentDigest(manifest.format, manifest.files);
  }

  async get(key: CacheKey): Promise<unknown> {
    let localMiss: CacheMissError;
    try {
      return await this.local.get(key);
    } catch (error) {
      if (!(error instanceof CacheMissError)) throw error;
      localMiss = error;
    }
    // Missing or damaged here (the local cache removed a damaged copy): the store's copy replaces it.
    const manifest = await this.#remoteManifest(key);
    if (manifest === undefined) throw localMiss;
    return this.#download(key, manifest);
  }

  async put(key: CacheKey, value: unknown): Promise<unknown> {
    const stored = await this.local.put(key, value);
    await this.#upload(key);
    return stored;
  }

  /**
   * Uploads the local entry of `key` unless the store is known to have it: an entry computed
   * while the store was down, or before the project had a remote cache. Its files are checked
   * against its manifest first: written long ago, a damaged one must not become everyone's.
   */
  async publish(key: CacheKey): Promise<void> {
    if (this.#isMarked(key.fingerprint)) return;
    const manifest = this.local.manifest(key);
    const entry = this.local.entryPath(key.fingerprint);
    if (manifest === undefined || entry === undefined) return;
    if ((await findDamage(entry, manifest)) !== undefined) return;
    await this.#upload(key);
  }

  /**
   * Removes the entry here and its manifest from the store (`--force` replaces an entry for
   * everyone). Its blobs stay: other entries may hold the same bytes.
   */
  async delete(fingerprint: string): Promise<void> {
    await this.local.delete(fingerprint);
    this.#manifests.delete(fingerprint);
    rmSync(join(this.#marks, fingerprint), { force: true });
    await (await this.#open()).delete(entryName(fingerprint));
  }

  /** A lock of this machine; across machines, the distributed executor's. */
  lock(fingerprint: string): Promise<FingerprintLock> {
    return this.local.lock(fingerprint);
  }

  entryPath(fingerprint: string): string | undefined {
    return this.local.entryPath(fingerprint);
  }

  #open(): Promise<S3Store> {
    this.#store ??= S3Store.open(this.#options);
    return this.#store;
  }

  /** The store's manifest of `key`, or undefined when it has none (or a damaged one). */
  async #remoteManifest(key: CacheKey): Promise<Manifest | undefined> {
    const { fingerprint } = key;
    if (this.#damaged.has(fingerprint)) return undefined;
    const known = this.#manifests.get(fingerprint);
    if (known !== undefined) return known;
    const store = await this.#open();
    const text = await store.readText(entryName(fingerprint));
    if (text === undefined) return undefined;
    const manifest = parseManifest(text);
    if (!manifestMatches(manifest, key) || !manifest.files.every(isSafeFile)) {
      // Truncated, or not this entry's: a miss, and this process's put of it replaces it.
      const report = `the entry ${store.url(entryName(fingerprint))} of the S3 cache was damaged (not a manifest of this entry); this result replaces it`;
      this.#damaged.set(fingerprint, { blobs: new Set(), report });
      return undefined;
    }
    this.#manifests.set(fingerprint, manifest);
    return manifest;
  }

  /** Blobs the store lacks, then the manifest, conditionally; then the entry is marked as there. */
  async #upload(key: CacheKey): Promise<void> {
    const { fingerprint } = key;
    const manifest = this.local.manifest(key);
    const entry = this.local.entryPath(fingerprint);
    if (manifest === undefined || entry === undefined) return;
    const store = await this.#open();
    const damaged = this.#damaged.get(fingerprint);
    const blobs = new Map(manifest.files.map((file) => [file.sha256, file]));
    await inParallel([...blobs.values()], async (file) => {
      const blob = blobName(file.sha256);
      if (!damaged?.blobs.has(file.sha256) && (await store.size(blob)) === file.size) return;
      await store.uploadFile(blob, join(entry, ...file.path.split("/")), file.size);
    });
    const name = entryName(fingerprint);
    const text = `${JSON.stringify(manifest, null, 2)}\n`;
    if (damaged?.report !== undefined) warnInStep(damaged.report);
    // Another writer's manifest (false) is as good as ours: both describe whole entries.
    await store.writeText(name, text, { ifAbsent: damaged === undefined });
    this.#damaged.delete(fingerprint);
    this.#mark(fingerprint);
  }

  /** Streams every file into a scratch folder, checks each against the manifest, installs them. */
  async #download(key: CacheKey, manifest: Manifest): Promise<unknown> {
    const store = await this.#open();
    const temp = await this.local.scratchFolder(key.fingerprint);
    // Every file settles before anything is decided, so nothing writes into a removed folder.
    const outcomes = await inParallel(manifest.files, async (file): Promise<Damage | Error | undefined> => {
      const blob = blobName(file.sha256);
      try {
        const path = join(temp, ...file.path.split("/"));
        await mkdir(dirname(path), { recursive: true });
        const got = await store.downloadFile(blob, path);
        if (got === undefined) return { blob, problem: "is missing" };
        if (got.size !== file.size || got.sha256 !== file.sha256) {
          const found = `${got.size} bytes, sha256 ${got.sha256.slice(0, 12)}…`;
          return { blob, problem: `does not match its manifest (${found}; expected ${file.size} bytes)` };
        }
        return undefined;
      } catch (error) {
        return error instanceof Error ? error : new Error(String(error));
      }
    });
    const failure = outcomes.find((outcome) => outcome instanceof Error);
    const damage = outcomes.find(
      (outcome): outcome is Damage => outcome !== undefined && !(outcome instanceof Error),
    );
    if (failure !== undefined || damage !== undefined) {
      await rm(temp, { recursive: true, force: true });
      if (failure !== undefined) throw failure;
    }
    if (damage !== undefined) {
      await this.#forgetDamaged(key, store, damage);
      throw new CacheMissError(
        key.fingerprint,
        `${store.url(damage.blob)}, a file of ${store.url(entryName(key.fingerprint))}, ${damage.problem}`,
      );
    }
    const value = await this.local.install(key, temp, manifest);
    this.#mark(key.fingerprint);
    return value;
  }

  /**
   * Never trusts the entry again, and removes its manifest and the damaged blob from the store
   * (best effort: without delete permission they stay until this process's put replaces them),
   * so that other machines miss it rather than download it again.
   */
  async #forgetDamaged(key: CacheKey, store: S3Store, damage: Damage): Promise<void> {
    const sha256 = damage.blob.slice(BLOBS.length);
    this.#manifests.delete(key.fingerprint);
    this.#damaged.set(key.fingerprint, { blobs: new Set([sha256]) });
    await store.delete(entryName(key.fingerprint)).catch(() => undefined);
    await store.delete(damage.blob).catch(() => undefined);
  }

  #isMarked(fingerprint: string): boolean {
    return existsSync(join(this.#marks, fingerprint));
  }

  #mark(fingerprint: string): void {
    const mark = join(this.#marks, fingerprint);
    try {
      writeFileSync(mark, "");
    } catch {
      // The first mark, or the local cache was cleared meanwhile.
      mkdirSync(this.#marks, { recursive: true });
      writeFileSync(mark, "");
    }
  }
}

const ENTRIES = "entries/";
const BLOBS = "blobs/";

function entryName(fingerprint: string): string {
  return `${ENTRIES}${fingerprint}.json`;
}

function blobName(sha256: string): string {
  return `${BLOBS}${sha256}`;
}

const SHA256 = /^[0-9a-f]{64}$/;

/** A file a downloaded entry may have: a blob name, and a path that is not the local manifest's. */
function isSafeFile(file: ManifestFile): boolean {
  const { path } = file;
  return SHA256.test(file.sha256) && path !== "" && path !== ENTRY_MANIFEST_FILE && !path.startsWith("/");
}

/** Into the running step's log (a put runs inside its step); elsewhere nothing. */
function warnInStep(message: string): void {
  try {
    useStepLogger().warn(message);
  } catch {
    // Not inside a step.
  }
}

import { createHash } from "node:crypto";
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { FormedError } from "../errors.js";
import { ClassRegistry } from "../format/class-registry.js";
import type { FormatContext } from "../format/format.js";
import { type CacheKey, CacheMissError, type WorkflowCache } from "./cache.js";
import {
  type FingerprintLock,
  type LockFolderRecycler,
  type LockOptions,
  lockFingerprint,
  removeAbandonedLocks,
  removeAbandonedLocksOnce,
} from "./lock.js";
import {
  checkFingerprint,
  contentDigest,
  findDamage,
  type Manifest,
  manifestMatches,
  newManifest,
  parseManifest,
} from "./manifest.js";
import { removeDeadTempDirectories, TEMP_DIRECTORY, tempName } from "./temp-dirs.js";

export interface FilesystemCacheOptions {
  /** Root of the cache; created when missing. */
  directory: string;
  /** Classes whose instances the formats may store and restore. */
  classes?: ClassRegistry;
  /** Timing of the cross-process fingerprint locks. */
  lock?: LockOptions;
}

/**
 * An entry's manifest, beside what the format wrote. Namespaced and hidden so that no format
 * plausibly writes a file of that name (one that does is refused).
 */
export const ENTRY_MANIFEST_FILE = ".formed-manifest.json";

// ENOTDIR: a plain file stands where the entry's folder goes (damage); it is removed like a damaged entry.
const ALREADY_THERE = new Set(["ENOTEMPTY", "EEXIST", "EPERM", "ENOTDIR"]);

/** Recycled lock folders kept at most; a sequential run uses one at a time. */
const MAX_SCRATCH_FOLDERS = 4;

/**
 * Results on disk: `<directory>/<fp[0..1]>/<fp>/` holds the format's files and
 * `.formed-manifest.json` (format, each file's size and sha256). An entry is written in
 * `<directory>/.tmp/`, given its manifest last and renamed into place, so whatever kills the
 * process, an entry is complete or absent. One folder per entry: on ext4 making a folder costs
 * more than any other step of a small put. `has` checks the manifest and every file's size;
 * `get` verifies every checksum; a damaged entry is removed and reported as a miss, so the
 * step is recomputed.
 *
 * Nothing is fsynced: a rename is atomic for every process, and the checks above are what
 * keep a power cut (which may leave a renamed entry with empty or stale blocks) from ever
 * reading as a hit. fsync cost ~0.7 ms per file here, most of a small step's time.
 *
 * Small metadata operations (`has`, the manifest, renames) are synchronous: a round trip
 * through libuv's thread pool costs several times the syscall, and a cached re-run is
 * nothing but these.
 */
export class FilesystemCache implements WorkflowCache {
  readonly kind = "filesystem";
  readonly shared = true;
  readonly directory: string;
  readonly #context: FormatContext;
  readonly #lockOptions: LockOptions;
  #cleaned: Promise<unknown> | undefined;
  /** Content digests of entries `has` found whole, by fingerprint (entries are immutable; `delete` forgets). */
  readonly #digests = new Map<string, string>();
  /** Shard folders known to exist (entries are never removed with their shard). */
  readonly #shards = new Set<string>();
  /** Empty folders under .tmp/ that released locks left (see LockFolderRecycler): the next puts are written in them. */
  readonly #scratch: string[] = [];
  readonly #recycler: LockFolderRecycler = {
    destination: () => {
      // .tmp/ exists: the step's put made it. If not, the rename fails and the lock's release removes the folder.
      if (this.#scratch.length >= MAX_SCRATCH_FOLDERS) return undefined;
      return join(this.directory, TEMP_DIRECTORY, tempName("scratch"));
    },
    recycled: (path) => this.#scratch.push(path),
  };

  constructor(options: FilesystemCacheOptions) {
    this.directory = options.directory;
    this.#context = { classes: options.classes ?? new ClassRegistry() };
    this.#lockOptions = options.lock ?? {};
  }

  /** The entry's directory when a complete-looking entry exists (its manifest is there). */
  entryPath(fingerprint: string): string | undefined {
    const entry = this.#entryDirectory(fingerprint);
    return existsSync(join(entry, ENTRY_MANIFEST_FILE)) ? entry : undefined;
  }

  /** True when the manifest parses, names the key's format, and every file has its size. */
  async has(key: CacheKey): Promise<boolean> {
    const entry = this.#entryDirectory(key.fingerprint);
    const manifest = readManifestSync(entry);
    if (!manifestMatches(manifest, key)) return false;
    for (const file of manifest.files) {
      const stats = statSync(join(entry, file.path), { throwIfNoEntry: false });
      if (stats === undefined || stats.size !== file.size) return false;
    }
    // The digest a reader of this entry asks for next, from the manifest just read.
    this.#digests.set(key.fingerprint, contentDigest(manifest.format, manifest.files));
    return true;
  }

  /** From the manifest: no data file is read. */
  async digest(key: CacheKey): Promise<string | undefined> {
    const known = this.#digests.get(key.fingerprint);
    if (known !== undefined) return known;
    const manifest = this.manifest(key);
    return manifest === undefined ? undefined : contentDigest(manifest.format, manifest.files);
  }

  async get(key: CacheKey): Promise<unknown> {
    const { fingerprint } = key;
    const entry = this.#entryDirectory(fingerprint);
    const manifest = readManifestSync(entry);
    if (manifest === undefined || manifest.fingerprint !== fingerprint) {
      if (!existsSync(entry)) throw new CacheMissError(fingerprint);
      await this.delete(fingerprint);
      throw new CacheMissError(fingerprint, "its manifest is missing or damaged; the entry was removed");
    }
    if (manifest.format !== key.format.identifier) {
      throw new CacheMissError(
        fingerprint,
        `it is stored in format "${manifest.format}", not "${key.format.identifier}"`,
      );
    }
    const damaged = await findDamage(entry, manifest);
    if (damaged !== undefined) {
      await this.delete(fingerprint);
      throw new CacheMissError(fingerprint, `${damaged} is damaged; the entry was removed`);
    }
    return key.format.read(entry, this.#context);
  }

  async put(key: CacheKey, value: unknown): Promise<unknown> {
    const { fingerprint, format } = key;
    await this.#cleanOnce();
    const temp = this.#takeScratchFolder() ?? (await this.scratchFolder(fingerprint));
    let manifest: Manifest;
    try {
      await format.write(value, temp, this.#context);
      manifest = this.#describe(temp, fingerprint, format.identifier);
    } catch (error) {
      await rm(temp, { recursive: true, force: true });
      throw error;
    }
    return this.install(key, temp, manifest);
  }

  /**
   * A new empty folder under `.tmp/` to write an entry of `fingerprint` in, then `install` it
   * (`put` does; so does a remote cache downloading an entry). Named for its owner: what a
   * killed process leaves there is removed by a later one.
   */
  async scratchFolder(fingerprint: string): Promise<string> {
    checkFingerprint(fingerprint, "filesystem");
    await this.#cleanOnce();
    const temp = join(this.directory, TEMP_DIRECTORY, tempName(fingerprint));
    makeTempDirectory(temp);
    return temp;
  }

  /**
   * Writes `manifest` into `temp` (a scratch folder holding every file it lists, already
   * checked) and moves it into place as `key`'s entry; returns the value read back from the
   * entry, ours or the one another process installed first, without verifying it again.
   */
  async install(key: CacheKey, temp: string, manifest: Manifest): Promise<unknown> {
    const entry = this.#entryDirectory(key.fingerprint);
    try {
      writeFileSync(join(temp, ENTRY_MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`, {
        flag: "wx",
      });
      await this.#install(temp, entry, key);
    } catch (error) {
      await rm(temp, { recursive: true, force: true });
      throw error;
    }
    return key.format.read(entry, this.#context);
  }

  /** The manifest of `key`'s entry when it has one in the key's format (its files unchecked). */
  manifest(key: CacheKey): Manifest | undefined {
    const manifest = readManifestSync(this.#entryDirectory(key.fingerprint));
    return manifestMatches(manifest, key) ? manifest : undefined;
  }

  /** Removes the entry: first renamed out of sight (atomic), then deleted. */
  async delete(fingerprint: string): Promise<void> {
    this.#digests.delete(fingerprint);
    const entry = this.#entryDirectory(fingerprint);
    const trash = join(this.directory, TEMP_DIRECTORY, tempName(`trash-${fingerprint}`));
    await mkdir(join(this.directory, TEMP_DIRECTORY), { recursive: true });
    try {
      await rename(entry, trash);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
      throw new FormedError("E_CACHE", `cannot remove cache entry ${entry}`, { cause: error });
    }
    await rm(trash, { recursive: true, force: true });
  }

  lock(fingerprint: string): Promise<FingerprintLock> {
    return lockFingerprint(
      this.directory,
      checkFingerprint(fingerprint, "filesystem"),
      this.#lockOptions,
      this.#recycler,
    );
  }

  /** A recycled lock folder to write an entry in, if one is left (and still there). */
  #takeScratchFolder(): string | undefined {
    for (let folder = this.#scratch.pop(); folder !== undefined; folder = this.#scratch.pop()) {
      if (existsSync(folder)) return folder;
    }
    return undefined;
  }

  /**
   * Removes what dead processes left in `.tmp/` and `.locks/` (see removeDeadTempDirectories,
   * removeAbandonedLocks); returns how many. Runs before the first put (`.locks/` also at the
   * first lock).
   */
  async cleanTemporary(): Promise<number> {
    const locks = removeAbandonedLocks(this.directory, this.#lockOptions);
    return locks + (await removeDeadTempDirectories(this.directory));
  }

  /** What dead processes left, removed before this process writes its first entry. */
  #cleanOnce(): Promise<unknown> {
    this.#cleaned ??= this.#cleanBeforeFirstPut().catch(() => undefined);
    return this.#cleaned;
  }

  /** As cleanTemporary, but `.locks/` only when this process's first lock has not cleaned it already. */
  async #cleanBeforeFirstPut(): Promise<number> {
    const locks = removeAbandonedLocksOnce(this.directory, this.#lockOptions);
    return locks + (await removeDeadTempDirectories(this.directory));
  }

  #entryDirectory(fingerprint: string): string {
    checkFingerprint(fingerprint, "filesystem");
    return join(this.directory, fingerprint.slice(0, 2), fingerprint);
  }

  /** Hashes every file the format wrote and builds the manifest. */
  #describe(temp: string, fingerprint: string, format: string): Manifest {
    const paths = listFilesSync(temp);
    if (paths.includes(ENTRY_MANIFEST_FILE)) {
      throw new FormedError(
        "E_FORMAT",
        `format "${format}" wrote ${ENTRY_MANIFEST_FILE}, a name the filesystem cache keeps for its manifest`,
      );
    }
    const files = paths.map((path) => ({ path, ...hashFileSync(join(temp, ...path.split("/"))) }));
    return newManifest(fingerprint, format, files);
  }

  /**
   * Renames the finished temp directory to `entry`. If an entry is already there, another
   * writer won the race: theirs is kept when it is whole, replaced when it is damaged.
   */
  async #install(temp: string, entry: string, key: CacheKey): Promise<void> {
    const shard = join(entry, "..");
    if (!this.#shards.has(shard)) {
      mkdirSync(shard, { recursive: true });
      this.#shards.add(shard);
    }
    for (let attempt = 0; ; attempt++) {
      try {
        renameSync(temp, entry);
        return;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? "";
        if (code === "ENOENT" && attempt < 3 && existsSync(temp)) {
          // The shard went away (the cache folder was cleared) since we saw it: make it again.
          mkdirSync(shard, { recursive: true });
          continue;
        }
        if (!ALREADY_THERE.has(code)) throw error;
      }
      if (attempt > 0 || (await this.has(key))) {
        await rm(temp, { recursive: true, force: true });
        return;
      }
      await this.delete(key.fingerprint);
    }
  }
}

/** One mkdir, not `recursive`'s two, once `.tmp/` exists. */
function makeTempDirectory(temp: string): void {
  try {
    mkdirSync(temp);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    mkdirSync(temp, { recursive: true });
  }
}

/** The entry's manifest, synchronously (`has` runs once per step of every run); undefined when absent or not one. */
function readManifestSync(entryDirectory: string): Manifest | undefined {
  let text: string;
  try {
    text = readFileSync(join(entryDirectory, ENTRY_MANIFEST_FILE), "utf8");
  } catch {
    return undefined;
  }
  return parseManifest(text);
}

/** Every regular file under `root`, relative and "/"-separated, sorted. */
function listFilesSync(root: string): string[] {
  const files: string[] = [];
  const walk = (directory: string, prefix: string): void => {
    for (const entry of readdirSync(directory, { withFileTypes: true })) {
      const relative = prefix === "" ? entry.name : `${prefix}/${entry.name}`;
      if (entry.isDirectory()) walk(join(directory, entry.name), relative);
      else files.push(relative);
    }
  };
  walk(root, "");
  return files.sort();
}

const HASH_BUFFER_SIZE = 4 * 1024 * 1024;
let hashBuffer: Buffer | undefined;

/**
 * Size and sha256 of a file just written. Synchronous: hashing occupies the main thread
 * anyway, and most entries are a file or two of a few bytes.
 */
function hashFileSync(path: string): { size: number; sha256: string } {
  hashBuffer ??= Buffer.allocUnsafe(HASH_BUFFER_SIZE);
  const fd = openSync(path, "r");
  try {
    const hash = createHash("sha256");
    let size = 0;
    for (;;) {
      const bytesRead = readSync(fd, hashBuffer, 0, hashBuffer.length, null);
      if (bytesRead === 0) break;
      hash.update(hashBuffer.subarray(0, bytesRead));
      size += bytesRead;
    }
    return { size, sha256: hash.digest("hex") };
  } finally {
    closeSync(fd);
  }
}

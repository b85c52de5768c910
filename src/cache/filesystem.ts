import { existsSync } from "node:fs";
import { mkdir, open, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { formedVersion } from "../common/package-info.js";
import { FormedError } from "../errors.js";
import { ClassRegistry } from "../format/class-registry.js";
import type { FormatContext } from "../format/format.js";
import { type CacheKey, CacheMissError, type WorkflowCache } from "./cache.js";
import { type FingerprintLock, type LockOptions, lockFingerprint } from "./lock.js";
import {
  hashFile,
  inParallel,
  listTree,
  MANIFEST_FILE,
  MANIFEST_VERSION,
  type Manifest,
  readManifest,
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

/** The directory holding what the format wrote, inside an entry. */
export const DATA_DIRECTORY = "data";

const FINGERPRINT = /^[A-Za-z0-9_-]{2,200}$/;
const ALREADY_THERE = new Set(["ENOTEMPTY", "EEXIST", "EPERM"]);

/**
 * Results on disk: `<directory>/<fp[0..1]>/<fp>/` holds `data/` (the format's files) and
 * `manifest.json` (format, each file's size and sha256). An entry is written in
 * `<directory>/.tmp/`, flushed to disk, given its manifest last and renamed into place, so
 * whatever kills the process, an entry is complete or absent. Reads verify every checksum;
 * a damaged entry is removed and reported as a miss, so the step is recomputed.
 */
export class FilesystemCache implements WorkflowCache {
  readonly kind = "filesystem";
  readonly directory: string;
  readonly #context: FormatContext;
  readonly #lockOptions: LockOptions;
  #cleaned: Promise<unknown> | undefined;

  constructor(options: FilesystemCacheOptions) {
    this.directory = options.directory;
    this.#context = { classes: options.classes ?? new ClassRegistry() };
    this.#lockOptions = options.lock ?? {};
  }

  /** The entry's directory when a complete-looking entry exists (its manifest is there). */
  entryPath(fingerprint: string): string | undefined {
    const entry = this.#entryDirectory(fingerprint);
    return existsSync(join(entry, MANIFEST_FILE)) ? entry : undefined;
  }

  /** True when the manifest parses, names the key's format, and every file has its size. */
  async has(key: CacheKey): Promise<boolean> {
    const entry = this.#entryDirectory(key.fingerprint);
    const manifest = await readManifest(entry);
    if (manifest === undefined || manifest.fingerprint !== key.fingerprint) return false;
    if (manifest.format !== key.format.identifier) return false;
    for (const file of manifest.files) {
      try {
        if ((await stat(join(entry, DATA_DIRECTORY, file.path))).size !== file.size) return false;
      } catch {
        return false;
      }
    }
    return true;
  }

  async get(key: CacheKey): Promise<unknown> {
    const { fingerprint } = key;
    const entry = this.#entryDirectory(fingerprint);
    const manifest = await readManifest(entry);
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
    const damaged = await this.#findDamage(entry, manifest);
    if (damaged !== undefined) {
      await this.delete(fingerprint);
      throw new CacheMissError(fingerprint, `${DATA_DIRECTORY}/${damaged} is damaged; the entry was removed`);
    }
    return key.format.read(join(entry, DATA_DIRECTORY), this.#context);
  }

  async put(key: CacheKey, value: unknown): Promise<unknown> {
    const { fingerprint, format } = key;
    const entry = this.#entryDirectory(fingerprint);
    this.#cleaned ??= this.cleanTemporary().catch(() => undefined);
    await this.#cleaned;
    const temp = join(this.directory, TEMP_DIRECTORY, tempName(fingerprint));
    try {
      await mkdir(join(temp, DATA_DIRECTORY), { recursive: true });
      await format.write(value, join(temp, DATA_DIRECTORY), this.#context);
      const manifest = await this.#describe(temp, fingerprint, format.identifier);
      await writeDurably(join(temp, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
      await syncDirectory(temp);
      await this.#install(temp, entry, key);
    } catch (error) {
      await rm(temp, { recursive: true, force: true });
      throw error;
    }
    // Read from the entry (ours, or the one another process installed first) without
    // re-verifying: it was checked when written.
    return format.read(join(entry, DATA_DIRECTORY), this.#context);
  }

  /** Removes the entry: first renamed out of sight (atomic), then deleted. */
  async delete(fingerprint: string): Promise<void> {
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
    return lockFingerprint(this.directory, checkFingerprint(fingerprint), this.#lockOptions);
  }

  /** Removes scratch directories left by dead processes; returns how many. Runs before the first put. */
  cleanTemporary(): Promise<number> {
    return removeDeadTempDirectories(this.directory);
  }

  #entryDirectory(fingerprint: string): string {
    checkFingerprint(fingerprint);
    return join(this.directory, fingerprint.slice(0, 2), fingerprint);
  }

  /** Hashes and fsyncs every data file, fsyncs the directories, and builds the manifest. */
  async #describe(temp: string, fingerprint: string, format: string): Promise<Manifest> {
    const data = join(temp, DATA_DIRECTORY);
    const tree = await listTree(data);
    const files = await inParallel(tree.files, async (path) => ({
      path,
      ...(await hashFile(join(data, ...path.split("/")), true)),
    }));
    for (const directory of tree.directories) await syncDirectory(directory);
    return {
      manifest: MANIFEST_VERSION,
      fingerprint,
      format,
      created: new Date().toISOString(),
      formedVersion: formedVersion(),
      files,
    };
  }

  /**
   * Renames the finished temp directory to `entry`. If an entry is already there, another
   * writer won the race: theirs is kept when it is whole, replaced when it is damaged.
   */
  async #install(temp: string, entry: string, key: CacheKey): Promise<void> {
    const shard = join(entry, "..");
    await mkdir(shard, { recursive: true });
    for (let attempt = 0; ; attempt++) {
      try {
        await rename(temp, entry);
        await syncDirectory(shard);
        return;
      } catch (error) {
        if (!ALREADY_THERE.has((error as NodeJS.ErrnoException).code ?? "")) throw error;
      }
      if (attempt > 0 || (await this.has(key))) {
        await rm(temp, { recursive: true, force: true });
        return;
      }
      await this.delete(key.fingerprint);
    }
  }

  async #findDamage(entry: string, manifest: Manifest): Promise<string | undefined> {
    const checks = await inParallel(manifest.files, async (file) => {
      try {
        const actual = await hashFile(join(entry, DATA_DIRECTORY, ...file.path.split("/")));
        return actual.size === file.size && actual.sha256 === file.sha256 ? undefined : file.path;
      } catch {
        return file.path;
      }
    });
    return checks.find((path) => path !== undefined);
  }
}

function checkFingerprint(fingerprint: string): string {
  if (!FINGERPRINT.test(fingerprint)) {
    throw new FormedError(
      "E_CACHE",
      `invalid fingerprint ${JSON.stringify(fingerprint)} for the filesystem cache`,
      {
        hint: "Fingerprints are 2 to 200 letters, digits, '-' or '_'.",
      },
    );
  }
  return fingerprint;
}

async function writeDurably(path: string, text: string): Promise<void> {
  const handle = await open(path, "wx");
  try {
    await handle.writeFile(text, "utf8");
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Makes a directory's entries (new files, renames) durable; a no-op where unsupported. */
async function syncDirectory(path: string): Promise<void> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(path, "r");
    await handle.sync();
  } catch {
    // Windows cannot open directories; some filesystems refuse fsync on them.
  } finally {
    await handle?.close();
  }
}

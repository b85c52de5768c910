/**
 * The entries of a filesystem cache (see FilesystemCache for the layout), read from their
 * manifests alone, and their safe removal: under the entry's cross-process lock (so never while
 * another process computes or writes it), first moved out of place, then checked against the
 * running executions' uses (live-uses.ts) and put back if one uses it. A running execution names
 * a fingerprint before it looks the entry up, so either it named it before the check (the entry
 * stays), or it looks after the move and finds no entry (and computes it, waiting for our lock).
 */
import { lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { ENTRY_MANIFEST_FILE } from "./filesystem.js";
import type { CacheEntryInfo, CacheInventory, KeepCheck, RemoveOutcome } from "./inventory.js";
import { LiveUsesReader } from "./live-uses.js";
import { type LockOptions, removeAbandonedLocks, tryLockFingerprint } from "./lock.js";
import { checkFingerprint, contentDigest, parseManifest } from "./manifest.js";
import { removeDeadTempDirectories, TEMP_DIRECTORY, tempName } from "./temp-dirs.js";

const SHARD = /^[A-Za-z0-9_-]{2}$/;

export class FilesystemInventory implements CacheInventory {
  readonly kind = "filesystem";
  readonly location: string;
  readonly #lock: LockOptions;
  readonly #live: LiveUsesReader;

  constructor(
    readonly directory: string,
    options: { lock?: LockOptions } = {},
  ) {
    this.location = directory;
    this.#lock = options.lock ?? {};
    this.#live = new LiveUsesReader(directory);
  }

  async entries(): Promise<CacheEntryInfo[]> {
    const entries: CacheEntryInfo[] = [];
    for (const shard of namesIn(this.directory)) {
      if (!SHARD.test(shard)) continue;
      for (const fingerprint of namesIn(join(this.directory, shard))) {
        if (!fingerprint.startsWith(shard)) continue;
        const entry = this.#describe(fingerprint);
        if (entry !== undefined) entries.push(entry);
      }
    }
    return entries;
  }

  async entry(fingerprint: string): Promise<CacheEntryInfo | undefined> {
    return this.#describe(checkFingerprint(fingerprint, "filesystem"));
  }

  inUse(): Set<string> {
    this.#live.refresh();
    return this.#live.all();
  }

  async remove(fingerprint: string, keep?: KeepCheck): Promise<RemoveOutcome> {
    const entry = this.#path(checkFingerprint(fingerprint, "filesystem"));
    const lock = tryLockFingerprint(this.directory, fingerprint, this.#lock);
    if (lock === undefined) return { removed: false, reason: "held" };
    try {
      const described = this.#describe(fingerprint);
      if (described === undefined) return { removed: false, reason: "gone" };
      mkdirSync(join(this.directory, TEMP_DIRECTORY), { recursive: true });
      // The trash name carries our owner: if we die before it is deleted, the next put cleans it.
      const trash = join(this.directory, TEMP_DIRECTORY, tempName(`trash-${fingerprint}`));
      try {
        renameSync(entry, trash);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return { removed: false, reason: "gone" };
        throw error;
      }
      let reason: "in-use" | "kept" | undefined;
      try {
        const ended = this.#live.refresh() > 0;
        if (this.#live.has(fingerprint)) reason = "in-use";
        else if ((await keep?.(fingerprint, ended)) === true) reason = "kept";
      } catch (error) {
        renameSync(trash, entry);
        throw error;
      }
      if (reason !== undefined) {
        renameSync(trash, entry);
        return { removed: false, reason };
      }
      await rm(trash, { recursive: true, force: true });
      return { removed: true, bytes: described.bytes };
    } finally {
      lock.releaseSync();
    }
  }

  async removeLeftovers(): Promise<number> {
    this.#live.refresh(); // removes the registers of dead runs
    return (
      removeAbandonedLocks(this.directory, this.#lock) + (await removeDeadTempDirectories(this.directory))
    );
  }

  #path(fingerprint: string): string {
    return join(this.directory, fingerprint.slice(0, 2), fingerprint);
  }

  #describe(fingerprint: string): CacheEntryInfo | undefined {
    const location = this.#path(fingerprint);
    let text: string | undefined;
    let manifestBytes = 0;
    try {
      text = readFileSync(join(location, ENTRY_MANIFEST_FILE), "utf8");
      manifestBytes = Buffer.byteLength(text);
    } catch {
      if (statSync(location, { throwIfNoEntry: false })?.isDirectory() !== true) return undefined;
    }
    const manifest = text === undefined ? undefined : parseManifest(text);
    if (manifest === undefined || manifest.fingerprint !== fingerprint) {
      return {
        fingerprint,
        format: "",
        bytes: folderBytes(location),
        files: [],
        location,
        damaged:
          manifest === undefined
            ? "its manifest is missing or unreadable"
            : "its manifest names another entry",
      };
    }
    return {
      fingerprint,
      format: manifest.format,
      bytes: manifest.files.reduce((sum, file) => sum + file.size, manifestBytes),
      created: manifest.created,
      digest: contentDigest(manifest.format, manifest.files),
      files: manifest.files.map((file) => file.path),
      location,
    };
  }
}

function namesIn(directory: string): string[] {
  try {
    return readdirSync(directory);
  } catch {
    return [];
  }
}

/** The bytes of every file under `path` (a damaged entry has no manifest to tell). */
function folderBytes(path: string): number {
  const stats = lstatSync(path, { throwIfNoEntry: false });
  if (stats === undefined) return 0;
  if (!stats.isDirectory()) return stats.size;
  return namesIn(path).reduce((sum, name) => sum + folderBytes(join(path, name)), 0);
}

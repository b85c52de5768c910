/**
 * The manifest of a filesystem cache entry: the last file written before the entry is renamed
 * into place, listing every data file with its size and sha256, so a reader can tell a complete
 * entry from a damaged one without trusting that the directory exists.
 */
import { createHash } from "node:crypto";
import { open, readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { formedVersion } from "../common/package-info.js";
import { FormedError } from "../errors.js";
import type { CacheKey } from "./cache.js";

export const MANIFEST_FILE = "manifest.json";
export const MANIFEST_VERSION = 1;

export interface ManifestFile {
  /** Relative to the entry's data/ directory, with "/" separators. */
  readonly path: string;
  readonly size: number;
  readonly sha256: string;
}

export interface Manifest {
  readonly manifest: typeof MANIFEST_VERSION;
  readonly fingerprint: string;
  /** The identifier of the format that wrote data/. */
  readonly format: string;
  /** ISO 8601. */
  readonly created: string;
  readonly formedVersion: string;
  readonly files: readonly ManifestFile[];
}

const HASH_BUFFER_SIZE = 4 * 1024 * 1024;
const PARALLEL_FILES = 4;

/** Size and sha256 of `path`, read with one fixed buffer. */
export async function hashFile(path: string): Promise<{ size: number; sha256: string }> {
  const handle = await open(path, "r");
  try {
    const hash = createHash("sha256");
    const buffer = Buffer.allocUnsafe(HASH_BUFFER_SIZE);
    let size = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      hash.update(bytesRead === buffer.length ? buffer : buffer.subarray(0, bytesRead));
      size += bytesRead;
    }
    return { size, sha256: hash.digest("hex") };
  } finally {
    await handle.close();
  }
}

/** Every regular file under `root` (relative, "/"-separated) and every directory (absolute). */
export async function listTree(root: string): Promise<{ files: string[]; directories: string[] }> {
  const files: string[] = [];
  const directories: string[] = [root];
  const walk = async (directory: string, prefix: string): Promise<void> => {
    for (const entry of await readdir(directory, { withFileTypes: true })) {
      const relative = prefix === "" ? entry.name : `${prefix}/${entry.name}`;
      if (entry.isDirectory()) {
        directories.push(join(directory, entry.name));
        await walk(join(directory, entry.name), relative);
      } else {
        files.push(relative);
      }
    }
  };
  await walk(root, "");
  files.sort();
  return { files, directories };
}

/** Runs `task` on every item, `PARALLEL_FILES` at a time (hashing is I/O and CPU bound). */
export async function inParallel<T, R>(items: readonly T[], task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_FILES, items.length) }, worker));
  return results;
}

/**
 * The manifest.json in `entryDirectory`, or undefined when it is absent or not a manifest (a
 * truncated write, an entry of another layout version).
 */
export async function readManifest(entryDirectory: string): Promise<Manifest | undefined> {
  let text: string;
  try {
    text = await readFile(join(entryDirectory, MANIFEST_FILE), "utf8");
  } catch {
    return undefined;
  }
  return parseManifest(text);
}

/** Whether `manifest` is there and describes `key`: its fingerprint, in its format. */
export function manifestMatches(manifest: Manifest | undefined, key: CacheKey): manifest is Manifest {
  return (
    manifest !== undefined &&
    manifest.fingerprint === key.fingerprint &&
    manifest.format === key.format.identifier
  );
}

/** The manifest in `text`, or undefined when it is not one. */
export function parseManifest(text: string): Manifest | undefined {
  try {
    const parsed = JSON.parse(text) as unknown;
    return isManifest(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function isManifest(value: unknown): value is Manifest {
  if (typeof value !== "object" || value === null) return false;
  const m = value as Record<string, unknown>;
  return (
    m.manifest === MANIFEST_VERSION &&
    typeof m.fingerprint === "string" &&
    typeof m.format === "string" &&
    Array.isArray(m.files) &&
    m.files.every((file: unknown) => {
      if (typeof file !== "object" || file === null) return false;
      const f = file as Record<string, unknown>;
      return (
        typeof f.path === "string" &&
        !f.path.split("/").includes("..") &&
        typeof f.size === "number" &&
        typeof f.sha256 === "string"
      );
    })
  );
}

const FINGERPRINT = /^[A-Za-z0-9_-]{2,200}$/;

/** A fingerprint names folders and runs: anything else is refused before it reaches a path. */
export function checkFingerprint(fingerprint: string, cache: string): string {
  if (!FINGERPRINT.test(fingerprint)) {
    throw new FormedError(
      "E_CACHE",
      `invalid fingerprint ${JSON.stringify(fingerprint)} for the ${cache} cache`,
      {
        hint: "Fingerprints are 2 to 200 letters, digits, '-' or '_'.",
      },
    );
  }
  return fingerprint;
}

/** The first file under `data` whose size or sha256 differs from the manifest (or that is gone). */
export async function findDamage(data: string, manifest: Manifest): Promise<string | undefined> {
  const checks = await inParallel(manifest.files, async (file) => {
    try {
      const actual = await hashFile(join(data, ...file.path.split("/")));
      return actual.size === file.size && actual.sha256 === file.sha256 ? undefined : file.path;
    } catch {
      return file.path;
    }
  });
  return checks.find((path) => path !== undefined);
}

/** The manifest of an entry whose data files are `files`. */
export function newManifest(fingerprint: string, format: string, files: ManifestFile[]): Manifest {
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
 * The content digest of an entry: what its format wrote, file by file, and nothing about when
 * or for which fingerprint. Two entries with the same bytes have the same digest, which is what
 * a reader's key is made of (early cutoff).
 */
export function contentDigest(format: string, files: readonly ManifestFile[]): string {
  const hash = createHash("sha256").update(`formed-digest-v1\0${format}`);
  for (const file of [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    hash.update(`\0${file.path}\0${file.size}\0${file.sha256}`);
  }
  return hash.digest("hex").slice(0, 32);
}

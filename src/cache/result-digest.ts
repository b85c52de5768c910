/**
 * The content digest of a value that is not in a cache with bytes of its own (a `cacheable:
 * false` step's result, an entry of the memory cache): the value is written through its format
 * into a temporary folder and hashed as a filesystem entry would be, so a result has the same
 * digest however it was kept.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Format, FormatContext } from "../format/format.js";
import type { CacheKey, WorkflowCache } from "./cache.js";
import { contentDigest, hashFile, inParallel, listTree } from "./manifest.js";

/**
 * The digest of a result known only by how it was made (a cache that cannot tell its content, a
 * value no format writes): never equal to a content digest, so never mistaken for another result.
 */
export function madeBy(fingerprint: string): string {
  return `made-by-${fingerprint}`;
}

/** The content digest of a stored entry, or its `madeBy` digest when the cache cannot tell. */
export async function storedDigest(cache: WorkflowCache, key: CacheKey): Promise<string> {
  return (await cache.digest?.(key)) ?? madeBy(key.fingerprint);
}

/** The digest, or undefined when the format cannot write the value (a live client, a socket...). */
export async function digestThroughFormat(
  value: unknown,
  format: Format,
  context: FormatContext,
): Promise<string | undefined> {
  const directory = await mkdtemp(join(tmpdir(), "formed-digest-"));
  try {
    await format.write(value, directory, context);
    const { files } = await listTree(directory);
    const described = await inParallel(files, async (path) => ({
      path,
      ...(await hashFile(join(directory, ...path.split("/")))),
    }));
    return contentDigest(format.identifier, described);
  } catch {
    return undefined;
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

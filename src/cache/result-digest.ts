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
import { contentDigest, hashFile, inParallel, listTree } from "./manifest.js";

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

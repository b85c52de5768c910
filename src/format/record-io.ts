/**
 * Framing for the binary format's streamed results: each record is a 4-byte little-endian
 * length followed by that many bytes. Readers are lazy and read in large chunks.
 */
import { closeSync, createReadStream, openSync, readSync } from "node:fs";
import { FormedError } from "../errors.js";

const CHUNK_SIZE = 1024 * 1024;
export const HEADER_SIZE = 4;
const MAX_RECORD = 0xffff_ffff;

/** The 4-byte header announcing a record of `length` bytes. */
export function recordHeader(length: number, file: string): Buffer {
  if (length > MAX_RECORD) {
    throw new FormedError("E_FORMAT", `an item of ${length} bytes is too large for ${file} (at most 4 GiB)`);
  }
  const header = Buffer.allocUnsafe(HEADER_SIZE);
  header.writeUInt32LE(length, 0);
  return header;
}

function truncated(path: string): FormedError {
  return new FormedError("E_FORMAT", `${path} ends in the middle of a record`, {
    hint: "The entry is damaged; delete it to recompute.",
  });
}

/** The records of `path`, read with fs.readSync over one buffer. */
export function* readRecordsSync(path: string): Generator<Buffer, void, undefined> {
  const fd = openSync(path, "r");
  try {
    let buffer = Buffer.allocUnsafe(CHUNK_SIZE);
    let start = 0;
    let end = 0;
    // Makes `count` bytes available at buffer[start..]; false at end of file.
    const fill = (count: number): boolean => {
      if (end - start >= count) return true;
      if (start + count > buffer.length) {
        const next = count > buffer.length ? Buffer.allocUnsafe(Math.max(count, CHUNK_SIZE)) : buffer;
        buffer.copy(next, 0, start, end);
        buffer = next;
        end -= start;
        start = 0;
      }
      while (end - start < count) {
        const read = readSync(fd, buffer, end, buffer.length - end, null);
        if (read === 0) return false;
        end += read;
      }
      return true;
    };
    for (;;) {
      if (!fill(HEADER_SIZE)) {
        if (end > start) throw truncated(path);
        return;
      }
      const length = buffer.readUInt32LE(start);
      start += HEADER_SIZE;
      if (!fill(length)) throw truncated(path);
      // A copy: v8.deserialize makes typed arrays that view its input, which must not be
      // the read buffer we are about to overwrite.
      const record = Buffer.from(buffer.subarray(start, start + length));
      start += length;
      yield record;
    }
  } finally {
    closeSync(fd);
  }
}

/** The records of `path`, read through a stream. */
export async function* readRecords(path: string): AsyncGenerator<Buffer, void, undefined> {
  const stream = createReadStream(path, { highWaterMark: CHUNK_SIZE });
  try {
    let pending: Buffer = Buffer.alloc(0);
    let wanted = HEADER_SIZE;
    let inRecord = false;
    const parts: Buffer[] = [];
    let partsLength = 0;
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      parts.push(chunk);
      partsLength += chunk.length;
      if (partsLength < wanted) continue;
      pending = parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
      parts.length = 0;
      let offset = 0;
      while (pending.length - offset >= wanted) {
        if (inRecord) {
          // A copy, so typed arrays deserialized from it do not pin the whole chunk.
          yield Buffer.from(pending.subarray(offset, offset + wanted));
          offset += wanted;
          wanted = HEADER_SIZE;
        } else {
          wanted = pending.readUInt32LE(offset);
          offset += HEADER_SIZE;
        }
        inRecord = !inRecord;
      }
      const rest = pending.subarray(offset);
      partsLength = rest.length;
      if (rest.length > 0) parts.push(Buffer.from(rest));
    }
    if (partsLength > 0 || inRecord) throw truncated(path);
  } finally {
    stream.destroy();
  }
}

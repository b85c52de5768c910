/**
 * Writes a stream of small pieces (JSON lines, v8 records) to a file in large writes. Pieces
 * are encoded straight into one of two fixed buffers; when it is full it goes to the OS while
 * the other fills. Memory stays at two buffers whatever the stream's length (no joined
 * strings, no per-chunk allocations for the allocator to fragment), and producers wait only
 * when a buffer is full, not once per piece.
 */
import { type FileHandle, open } from "node:fs/promises";

export const DEFAULT_CHUNK_SIZE = 4 * 1024 * 1024;

// A UTF-16 code unit takes at most 3 bytes in UTF-8 (a surrogate pair: 2 units, 4 bytes).
const MAX_UTF8_BYTES_PER_UNIT = 3;

export class BufferedFileWriter {
  readonly #handle: FileHandle;
  #chunk: Buffer;
  #spare: Buffer;
  #offset = 0;
  #inFlight: Promise<void> = Promise.resolve();

  private constructor(handle: FileHandle, chunkSize: number) {
    this.#handle = handle;
    this.#chunk = Buffer.allocUnsafe(chunkSize);
    this.#spare = Buffer.allocUnsafe(chunkSize);
  }

  static async create(path: string, chunkSize = DEFAULT_CHUNK_SIZE): Promise<BufferedFileWriter> {
    return new BufferedFileWriter(await open(path, "wx"), chunkSize);
  }

  /**
   * Queues `pieces`, in order. Returns a promise when the caller must wait before adding more
   * (a buffer is being written out); undefined otherwise. The caller must await it.
   */
  add(...pieces: (string | Uint8Array)[]): Promise<void> | undefined {
    let need = 0;
    for (const piece of pieces)
      need += typeof piece === "string" ? piece.length * MAX_UTF8_BYTES_PER_UNIT : piece.length;
    if (need <= this.#chunk.length - this.#offset) {
      this.#copy(pieces);
      return undefined;
    }
    return this.#addAfterFlush(pieces, need);
  }

  /** Writes what is queued and closes the file; the file is closed even when a write failed. */
  async close(): Promise<void> {
    try {
      await this.#flush();
      await this.#inFlight;
    } finally {
      await this.#handle.close();
    }
  }

  /** Closes the file after a failure elsewhere, discarding what is queued. */
  async abort(): Promise<void> {
    await this.#inFlight.catch(() => undefined);
    await this.#handle.close().catch(() => undefined);
  }

  #copy(pieces: (string | Uint8Array)[]): void {
    for (const piece of pieces) {
      if (typeof piece === "string") {
        this.#offset += this.#chunk.write(piece, this.#offset, "utf8");
      } else {
        this.#chunk.set(piece, this.#offset);
        this.#offset += piece.length;
      }
    }
  }

  async #addAfterFlush(pieces: (string | Uint8Array)[], need: number): Promise<void> {
    await this.#flush();
    if (need <= this.#chunk.length) {
      this.#copy(pieces);
      return;
    }
    // Larger than a buffer: written on its own, after everything before it.
    for (const piece of pieces) {
      const bytes = typeof piece === "string" ? Buffer.from(piece, "utf8") : piece;
      await this.#enqueue(bytes, bytes.length);
    }
  }

  /**
   * Hands the filled buffer to a write and resolves once the other buffer (written by the
   * previous flush) is free to fill.
   */
  #flush(): Promise<void> {
    if (this.#offset === 0) return this.#inFlight;
    const previous = this.#inFlight;
    this.#enqueue(this.#chunk, this.#offset);
    [this.#chunk, this.#spare] = [this.#spare, this.#chunk];
    this.#offset = 0;
    return previous;
  }

  #enqueue(bytes: Uint8Array, length: number): Promise<void> {
    const write = this.#inFlight.then(() => this.#writeAll(bytes, length));
    // Observed here so a failure surfaces at the next add/close, not as an unhandled rejection.
    write.catch(() => undefined);
    this.#inFlight = write;
    return write;
  }

  async #writeAll(bytes: Uint8Array, length: number): Promise<void> {
    let offset = 0;
    while (offset < length) {
      const { bytesWritten } = await this.#handle.write(bytes, offset, length - offset);
      offset += bytesWritten;
    }
  }
}

/**
 * The few object operations a remote cache needs, on an S3 bucket or an S3-compatible store,
 * through the AWS SDK (loaded on first use: only projects with `workflow.remote_cache` need it).
 * Files go up and come down as streams, so no result is ever held whole in memory, and every
 * failure becomes one FormedError that names the store and says what to do.
 */
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { S3Client } from "@aws-sdk/client-s3";
import { FormedError } from "../errors.js";

export interface S3StoreOptions {
  readonly bucket: string;
  /** "" or a key prefix ending in "/". */
  readonly prefix: string;
  /** Default: the SDK's (AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, else Amazon S3). */
  readonly endpoint?: string;
  /** Default: AWS_REGION, AWS_DEFAULT_REGION, else us-east-1. */
  readonly region?: string;
  readonly forcePathStyle?: boolean;
}

type S3Sdk = typeof import("@aws-sdk/client-s3");
type Uploads = typeof import("@aws-sdk/lib-storage");

/**
 * Multipart parts of 8 MiB, 4 in flight per file: at most ~32 MiB of a file is in memory while
 * it is uploaded (lib-storage buffers `queueSize` parts), whatever its size.
 */
export const PART_SIZE = 8 * 1024 * 1024;
export const PARTS_IN_FLIGHT = 4;

/** Network failures: the store cannot be reached (as opposed to an answer that refuses). */
const UNREACHABLE = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EPIPE",
  "ECONNABORTED",
  "EADDRNOTAVAIL",
  "TimeoutError",
  "RequestTimeout",
]);

export class S3Store {
  readonly bucket: string;
  readonly prefix: string;
  /** Where the store is, for messages: its endpoint, or "Amazon S3 (<region>)". */
  readonly endpoint: string;
  readonly #client: S3Client;
  readonly #sdk: S3Sdk;
  readonly #uploads: Uploads;

  private constructor(
    options: S3StoreOptions,
    client: S3Client,
    sdk: S3Sdk,
    uploads: Uploads,
    region: string,
  ) {
    this.bucket = options.bucket;
    this.prefix = options.prefix;
    this.endpoint =
      options.endpoint ??
      process.env.AWS_ENDPOINT_URL_S3 ??
      process.env.AWS_ENDPOINT_URL ??
      `Amazon S3 (${region})`;
    this.#client = client;
    this.#sdk = sdk;
    this.#uploads = uploads;
  }

  /** Loads the SDK and makes a client; credentials come from the SDK's usual chain (AWS_* variables, profiles). */
  static async open(options: S3StoreOptions): Promise<S3Store> {
    // formed supports Node 20, and the SDK would print a notice about it on every run.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
    let sdk: S3Sdk;
    let uploads: Uploads;
    try {
      [sdk, uploads] = await Promise.all([import("@aws-sdk/client-s3"), import("@aws-sdk/lib-storage")]);
    } catch (error) {
      throw new FormedError(
        "E_MODULE",
        "workflow.remote_cache needs @aws-sdk/client-s3 and @aws-sdk/lib-storage: npm install @aws-sdk/client-s3 @aws-sdk/lib-storage",
        { cause: error },
      );
    }
    const region = options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? "us-east-1";
    const client = new sdk.S3Client({
      region,
      ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
      forcePathStyle: options.forcePathStyle ?? false,
      // Every file is checked against its sha256 when downloaded; the SDK's own CRC32 of each
      // request would hash every byte once more, and some S3-compatible stores refuse it.
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
      // A store that does not answer is reported in seconds, not after the OS gives up.
      requestHandler: { connectionTimeout: 5_000, requestTimeout: 120_000 },
    });
    return new S3Store(options, client, sdk, uploads, region);
  }

  /** `s3://<bucket>/<prefix><name>`: how messages name an object. */
  url(name = ""): string {
    return `s3://${this.bucket}/${this.prefix}${name}`;
  }

  /** The object's text, or undefined when there is no such object. */
  async readText(name: string): Promise<string | undefined> {
    try {
      const output = await this.#client.send(new this.#sdk.GetObjectCommand(this.#object(name)));
      return (await output.Body?.transformToString("utf8")) ?? "";
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw this.#failure(error, "read", name);
    }
  }

  /** The object's size, or undefined when there is no such object. */
  async size(name: string): Promise<number | undefined> {
    try {
      const output = await this.#client.send(new this.#sdk.HeadObjectCommand(this.#object(name)));
      return output.ContentLength ?? 0;
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw this.#failure(error, "look up", name);
    }
  }

  /**
   * Writes a small object. With `ifAbsent`, a conditional put (`If-None-Match: *`): false when
   * the object is already there (another writer's), and it is left as it is.
   */
  async writeText(name: string, text: string, options: { ifAbsent: boolean }): Promise<boolean> {
    try {
      await this.#client.send(
        new this.#sdk.PutObjectCommand({
          ...this.#object(name),
          Body: text,
          ContentType: "application/json",
          ...(options.ifAbsent ? { IfNoneMatch: "*" } : {}),
        }),
      );
      return true;
    } catch (error) {
      // 409: a conditional write racing another on the same key; either way one of them is there.
      const status = statusOf(error);
      if (options.ifAbsent && (status === 412 || status === 409)) return false;
      throw this.#failure(error, "write", name);
    }
  }

  /** Uploads a file as a stream, in parts when it is larger than one. */
  async uploadFile(name: string, path: string, size: number): Promise<void> {
    const upload = new this.#uploads.Upload({
      client: this.#client,
      // 1 MiB reads: a part is gathered from 8 reads rather than 128.
      params: {
        ...this.#object(name),
        Body: createReadStream(path, { highWaterMark: 1024 * 1024 }),
        ContentLength: size,
      },
      partSize: PART_SIZE,
      queueSize: PARTS_IN_FLIGHT,
    });
    try {
      await upload.done();
    } catch (error) {
      throw this.#failure(error, "upload", name);
    }
  }

  /**
   * Streams the object into `path`, hashing it on the way: its size and sha256, or undefined
   * when there is no such object.
   */
  async downloadFile(name: string, path: string): Promise<{ size: number; sha256: string } | undefined> {
    const hash = createHash("sha256");
    let size = 0;
    try {
      const output = await this.#client.send(new this.#sdk.GetObjectCommand(this.#object(name)));
      const body = (output.Body as Readable | undefined) ?? Readable.from([]);
      await pipeline(
        body,
        async function* (chunks: AsyncIterable<Buffer>) {
          for await (const chunk of chunks) {
            hash.update(chunk);
            size += chunk.length;
            yield chunk;
          }
        },
        createWriteStream(path),
      );
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw this.#failure(error, "download", name);
    }
    return { size, sha256: hash.digest("hex") };
  }

  async delete(name: string): Promise<void> {
    try {
      await this.#client.send(new this.#sdk.DeleteObjectCommand(this.#object(name)));
    } catch (error) {
      throw this.#failure(error, "delete", name);
    }
  }

  #object(name: string): { Bucket: string; Key: string } {
    return { Bucket: this.bucket, Key: `${this.prefix}${name}` };
  }

  /** One clear error for a failed request: unreachable, no bucket, no credentials, refused. */
  #failure(error: unknown, action: string, name: string): FormedError {
    if (error instanceof FormedError) return error;
    const where = `the S3 cache at ${this.endpoint} (bucket ${this.bucket})`;
    const reason = describe(error);
    const code = codeOf(error);
    if (code === "CredentialsProviderError" || code === "CredentialsError") {
      return new FormedError("E_CACHE", `${where}: no AWS credentials: ${reason}`, {
        hint: "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE) for workflow.remote_cache",
        cause: error,
      });
    }
    if (code === "NoSuchBucket") {
      return new FormedError("E_CACHE", `${where}: the bucket does not exist`, {
        hint: "create it, or fix workflow.remote_cache.bucket in formed.yml",
        cause: error,
      });
    }
    if (UNREACHABLE.has(code)) {
      return new FormedError("E_CACHE", `${where} cannot be reached: ${reason}`, {
        hint: "start the store or fix workflow.remote_cache.endpoint in formed.yml; results computed meanwhile stay in the local cache, and a later run uploads them",
        cause: error,
      });
    }
    return new FormedError("E_CACHE", `${where} failed to ${action} ${this.url(name)}: ${reason}`, {
      ...(statusOf(error) === 403
        ? {
            hint: "check the credentials (AWS_ACCESS_KEY_ID, AWS_PROFILE) and their permissions on the bucket",
          }
        : {}),
      cause: error,
    });
  }
}

function statusOf(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
}

function codeOf(error: unknown): string {
  const { code, name } = (error ?? {}) as { code?: unknown; name?: unknown };
  return typeof code === "string" ? code : typeof name === "string" ? name : "";
}

function isMissing(error: unknown): boolean {
  const code = codeOf(error);
  return code === "NoSuchKey" || code === "NotFound" || (statusOf(error) === 404 && code !== "NoSuchBucket");
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = codeOf(error);
  // The SDK's message is sometimes only the error's name (`UnknownError`), or empty.
  const message = error.message === code ? "" : error.message;
  if (message.includes(code)) return message;
  const status = statusOf(error);
  return [code, message, status === undefined ? "" : `(HTTP ${status})`].filter(Boolean).join(" ").trim();
}

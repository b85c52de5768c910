/**
 * Connections to the distributed executor's Redis server. bullmq and ioredis are optional peer
 * dependencies, required on first use (a project that never distributes needs neither). A
 * connection that breaks reconnects for a few seconds, then gives up: every pending command
 * fails and whoever uses it is told once, with the server's address (never its password), so
 * a stopped server ends a run with a clear error instead of an endless reconnect loop.
 */
import { createRequire } from "node:module";
import { FormedError } from "../../errors.js";

type BullMq = typeof import("bullmq");
type IoRedis = typeof import("ioredis");
export type RedisClient = import("ioredis").Redis;

const requireHere = createRequire(import.meta.url);

/** bullmq and ioredis, or an error that says how to install them. */
export function queuePackages(): { bullmq: BullMq; Redis: IoRedis["Redis"] } {
  try {
    const ioredis = requireHere("ioredis") as IoRedis;
    const bullmq = requireHere("bullmq") as BullMq;
    return { bullmq, Redis: ioredis.Redis };
  } catch (error) {
    throw new FormedError(
      "E_REDIS",
      `the distributed executor needs the packages bullmq and ioredis, which could not be loaded: ${(error as Error).message.split("\n", 1)[0]}`,
      { hint: "install them in your project: npm install bullmq ioredis", cause: error },
    );
  }
}

/** The path ioredis is required from (a lease refresher thread loads the same copy). */
export function ioredisPath(): string {
  return requireHere.resolve("ioredis");
}

/** The server, for messages: `redis://host:port/db`, no credentials. */
export function describeServer(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = "";
    parsed.password = "";
    return parsed.toString().replace(/\/$/, "");
  } catch {
    return "(an unreadable Redis URL)";
  }
}

/** The Redis server cannot be reached, or went away: every step waiting on it fails with this. */
export class RedisUnavailableError extends FormedError {
  constructor(
    readonly server: string,
    reason: string,
    cause?: unknown,
  ) {
    super("E_REDIS", `lost the Redis server at ${server}: ${reason}`, {
      hint: "start it again (or fix workflow.executor.redis in formed.yml) and run again: finished steps are cached",
      ...(cause === undefined ? {} : { cause }),
    });
    this.name = "RedisUnavailableError";
  }
}

export interface ConnectOptions {
  /** How long a broken connection is retried before giving up (milliseconds). */
  readonly patienceMs: number;
  /** Called once when the connection gives up, with the reason. */
  readonly onLost?: (error: RedisUnavailableError) => void;
  /** A name shown by `CLIENT LIST`. */
  readonly name?: string;
}

/**
 * A client that reconnects for `patienceMs` after a failure and then ends. `maxRetriesPerRequest`
 * is null, as BullMQ requires of blocking connections: commands wait while it reconnects, and
 * fail when it gives up.
 */
export function connectRedis(url: string, options: ConnectOptions): RedisClient {
  const { Redis } = queuePackages();
  const server = describeServer(url);
  let failingSince: number | undefined;
  let lastError: Error | undefined;
  let lost = false;
  const client = new Redis(url, {
    maxRetriesPerRequest: null,
    connectTimeout: Math.min(options.patienceMs, 5_000),
    ...(options.name === undefined ? {} : { connectionName: options.name }),
    retryStrategy: (times) => {
      failingSince ??= Date.now();
      if (Date.now() - failingSince >= options.patienceMs) return null;
      return Math.min(times * 100, 1_000);
    },
  });
  client.on("ready", () => {
    failingSince = undefined;
  });
  // Without a listener ioredis prints every failed attempt; the reason is kept for the message.
  client.on("error", (error: Error) => {
    lastError = error;
  });
  client.on("end", () => {
    if (lost || closing.has(client)) return;
    lost = true;
    const reason =
      lastError === undefined
        ? "the connection closed"
        : `${lastError.message} (gave up after ${Math.round(options.patienceMs / 1000)} s)`;
    options.onLost?.(new RedisUnavailableError(server, reason, lastError));
  });
  return client;
}

const closing = new WeakSet<RedisClient>();

/** Closes a client on purpose (its end is not a loss); never throws. */
export async function closeRedis(client: RedisClient): Promise<void> {
  closing.add(client);
  try {
    if (client.status === "end") return;
    if (client.status === "ready") await client.quit();
    else client.disconnect();
  } catch {
    client.disconnect();
  }
}

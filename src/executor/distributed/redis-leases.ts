/**
 * One computation per step across machines: with the distributed executor, the cache's lock on
 * a fingerprint is a Redis lease (`SET key token NX PX ttl`) instead of a folder, so schedulers
 * on different machines that share a cache (and a Redis) compute a step once. A lease is renewed
 * from a thread (`lease-refresher.ts`) while held and deleted on release only if it is still
 * ours; a holder that dies loses it after `ttl`. Waiting for a held lease has no timeout: its
 * holder may be computing a long step.
 */
import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { CacheLock, WorkflowCache } from "../../cache/cache.js";
import { leaseKey } from "./job-protocol.js";
import { startRenewing, stopRenewing } from "./lease-refresher.js";
import type { RedisClient } from "./redis-link.js";

/** As the folder locks: 30 s to live, renewed every 5 s, so a stalled machine keeps its leases. */
export const LEASE_TTL_MS = 30_000;
export const LEASE_RENEW_MS = 5_000;

const FIRST_POLL_MS = 25;
const MAX_POLL_MS = 1_000;
const RELEASE =
  "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

export interface LeaseOptions {
  readonly ttl?: number;
  readonly update?: number;
  /** Wraps each command: turns a lost server into its own error. */
  readonly guard?: <T>(command: Promise<T>) => Promise<T>;
}

export class RedisLeases {
  readonly #client: () => Promise<RedisClient>;
  readonly #url: string;
  readonly #ttl: number;
  readonly #update: number;
  readonly #guard: <T>(command: Promise<T>) => Promise<T>;

  /** `client`: the connection to take leases on (made when first needed); `url`: what the renewer connects to. */
  constructor(client: () => Promise<RedisClient>, url: string, options: LeaseOptions = {}) {
    this.#client = client;
    this.#url = url;
    this.#ttl = Math.max(options.ttl ?? LEASE_TTL_MS, 100);
    this.#update = Math.max(Math.min(options.update ?? LEASE_RENEW_MS, this.#ttl / 3), 10);
    this.#guard = options.guard ?? ((command) => command);
  }

  /** Takes the lease on `fingerprint`, waiting as long as another holder keeps it. */
  async lock(fingerprint: string): Promise<CacheLock> {
    const client = await this.#client();
    const key = leaseKey(fingerprint);
    const token = randomBytes(12).toString("hex");
    let delay = FIRST_POLL_MS;
    while ((await this.#guard(client.set(key, token, "PX", this.#ttl, "NX"))) !== "OK") {
      // Jitter keeps waiters from polling in lockstep.
      await sleep(delay * (0.75 + Math.random() * 0.5));
      delay = Math.min(delay * 1.5, MAX_POLL_MS);
    }
    const renewal = startRenewing({
      url: this.#url,
      key,
      token,
      ttl: this.#ttl,
      update: this.#update,
      // Not thrown: losing the lease only risks computing a step twice, which atomic cache writes make harmless.
      onLost: (reason) =>
        process.emitWarning(`the lease on ${fingerprint} was lost: ${reason}`, "FormedCacheLockWarning"),
    });
    let released = false;
    return {
      release: async () => {
        if (released) return;
        released = true;
        stopRenewing(renewal);
        // Best effort: a lease we cannot delete expires on its own.
        await client.eval(RELEASE, 1, key, token).catch(() => undefined);
      },
    };
  }
}

/** `cache`, with its lock taken from `leases` (every other member is the cache's own). */
export function withLeases(cache: WorkflowCache, leases: RedisLeases): WorkflowCache {
  const lock = (fingerprint: string) => leases.lock(fingerprint);
  return new Proxy(cache, {
    get(target, property) {
      if (property === "lock") return lock;
      const value: unknown = Reflect.get(target, property, target);
      // Methods run on the cache itself: its private fields are not the proxy's.
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

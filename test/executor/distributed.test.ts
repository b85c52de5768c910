/**
 * The distributed executor's parts, in process, against a real Redis server: its settings, its
 * queues, the Redis leases that make one computation per step across machines (renewed while
 * the event loop is blocked), and a run with no worker at all when every step must stay here.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemoryCache } from "../../src/cache/memory.js";
import { parseResources } from "../../src/cli/commands/worker.js";
import { ConfigurationError, FormedError } from "../../src/errors.js";
import { createExecutor, distributedTarget } from "../../src/executor/create-executor.js";
import { DistributedExecutor } from "../../src/executor/distributed/distributed-executor.js";
import { leaseKey, queueFor, queuesServed } from "../../src/executor/distributed/job-protocol.js";
import { RedisLeases, withLeases } from "../../src/executor/distributed/redis-leases.js";
import {
  closeRedis,
  connectRedis,
  describeServer,
  type RedisClient,
  RedisUnavailableError,
} from "../../src/executor/distributed/redis-link.js";
import { WorkflowGraph } from "../../src/graph/graph.js";
import { MemoryOrganizer } from "../../src/organizer/memory-organizer.js";
import { collectMetadata } from "../../src/organizer/metadata.js";
import { step } from "../../src/step/step.js";
import { type RedisServer, startRedisServer } from "../support/redis-server.js";
import { registries } from "../support/registries.js";

const context = { cwd: "/project", settingsFile: "/project/formed.yml" };

function issues(action: () => unknown) {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return (error as ConfigurationError).issues;
  }
  throw new Error("expected a ConfigurationError");
}

let redis: RedisServer;
const clients: RedisClient[] = [];
const client = () => {
  const made = connectRedis(redis.url, { patienceMs: 2_000 });
  clients.push(made);
  return made;
};

beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(async () => {
  await Promise.all(clients.map((made) => closeRedis(made)));
  await redis?.dispose();
});

describe("the distributed executor's settings", () => {
  it("builds from formed.yml, with --jobs over its jobs", () => {
    const spec = { type: "distributed", redis: "redis://127.0.0.1:6379", queue: "team" };
    expect(createExecutor(spec, context)).toBeInstanceOf(DistributedExecutor);
    expect(createExecutor(spec, context, { jobs: 1 })).toBeInstanceOf(DistributedExecutor);
    expect(distributedTarget(spec, context)).toEqual({ redis: "redis://127.0.0.1:6379", queue: "team" });
    expect(distributedTarget(spec, context, "other").queue).toBe("other");
    expect(distributedTarget({ type: "distributed", redis: "redis://h:1" }, context).queue).toBe("formed");
  });

  it("says every problem at once, with its path", () => {
    expect(
      issues(() => createExecutor({ type: "distributed", queue: "a:b", jobs: 0, workers: true }, context)),
    ).toEqual([
      {
        path: "workflow.executor.queue",
        message: 'expected a queue name (letters, digits, _ and -), got string "a:b"',
      },
      { path: "workflow.executor.jobs", message: "expected a whole number of at least 1, got number 0" },
      {
        path: "workflow.executor.workers",
        message:
          "unknown option for the distributed executor (it takes redis, queue, jobs, keep_going, resources)",
      },
      {
        path: "workflow.executor.redis",
        message: "the distributed executor needs the URL of its Redis server, e.g. redis://127.0.0.1:6379",
      },
    ]);
    expect(
      issues(() => createExecutor({ type: "distributed", redis: "localhost" }, context))[0]?.message,
    ).toMatch(/expected a Redis URL/);
    expect(issues(() => distributedTarget({ type: "parallel" }, context))[0]?.message).toMatch(
      /a worker serves the distributed executor's queue; this project's executor is "parallel"/,
    );
  });

  it("reads --resources, and refuses what is not NAME=AMOUNT", () => {
    expect(parseResources("gpu=1, llm=4,mem=0.5")).toEqual({ gpu: 1, llm: 4, mem: 0.5 });
    expect(parseResources(undefined)).toEqual({});
    expect(() => parseResources("gpu")).toThrow(/--resources expects NAME=AMOUNT/);
  });
});

describe("queues by resources", () => {
  it("sends a step to the queue of its resource names, and a worker listens to every queue its resources cover", () => {
    expect(queueFor("q", {})).toBe("q");
    expect(queueFor("q", { llm: 2, gpu: 1, none: 0 })).toBe("q.gpu+llm");
    expect(queuesServed("q", {}).sort()).toEqual(["q"]);
    expect(queuesServed("q", { llm: 4, gpu: 1 }).sort()).toEqual(["q", "q.gpu", "q.gpu+llm", "q.llm"]);
    expect(queuesServed("q", { gpu: 1 })).not.toContain(queueFor("q", { llm: 1 }));
  });

  it("names the server without its password", () => {
    expect(describeServer("redis://user:secret@cache.example:6380/2")).toBe("redis://cache.example:6380/2");
  });
});

describe("Redis leases", () => {
  it("holds one fingerprint for one holder at a time, and hands it over on release", async () => {
    const leases = new RedisLeases(async () => client(), redis.url);
    const first = await leases.lock("f1");
    let second = false;
    const waiting = leases.lock("f1").then((lock) => {
      second = true;
      return lock;
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(second).toBe(false);
    await first.release();
    const lock = await waiting;
    expect(second).toBe(true);
    await lock.release();
    expect(await client().exists(leaseKey("f1"))).toBe(0);
  });

  it("keeps a lease while the event loop is blocked for longer than it lives (renewed from a thread)", async () => {
    const leases = new RedisLeases(async () => client(), redis.url, { ttl: 600, update: 100 });
    const lock = await leases.lock("blocked");
    const before = await client().get(leaseKey("blocked"));
    // Give the renewer time to connect, then block this thread for ~3 lease lifetimes.
    await new Promise((resolve) => setTimeout(resolve, 500));
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1_800);
    expect(await client().get(leaseKey("blocked"))).toBe(before);
    expect(await client().pttl(leaseKey("blocked"))).toBeGreaterThan(0);
    await lock.release();
  });

  it("lets a dead holder's lease expire, and never releases a lease that is no longer its own", async () => {
    const other = client();
    await other.set(leaseKey("dead"), "someone-else", "PX", 300);
    const leases = new RedisLeases(async () => client(), redis.url, { ttl: 300, update: 100 });
    const lock = await leases.lock("dead"); // after the other one's 300 ms
    const ours = await other.get(leaseKey("dead"));
    expect(ours).not.toBe("someone-else");
    await other.set(leaseKey("dead"), "thief");
    await lock.release();
    expect(await other.get(leaseKey("dead"))).toBe("thief");
    await other.del(leaseKey("dead"));
  });

  it("takes the lock of a wrapped cache from Redis, everything else from the cache", async () => {
    const cache = new MemoryCache();
    const wrapped = withLeases(cache, new RedisLeases(async () => client(), redis.url));
    const lock = await wrapped.lock!("w");
    expect(await client().exists(leaseKey("w"))).toBe(1);
    await lock.release();
    expect(wrapped.kind).toBe(cache.kind);
    expect(await wrapped.has({ fingerprint: "w", format: undefined as never })).toBe(false);
  });
});

describe("connections", () => {
  it("gives up on a server that does not answer, with its address", async () => {
    let lost: RedisUnavailableError | undefined;
    const dead = connectRedis("redis://127.0.0.1:1", { patienceMs: 500, onLost: (error) => (lost = error) });
    await expect(dead.ping()).rejects.toThrow();
    expect(lost).toBeInstanceOf(RedisUnavailableError);
    expect(lost?.message).toMatch(/^lost the Redis server at redis:\/\/127\.0\.0\.1:1: .*ECONNREFUSED/);
  });

  it("runs a graph whose steps all stay in this process (worker: false) with only Redis and no worker", async () => {
    const organizer = new MemoryOrganizer({ cache: new MemoryCache() });
    const steps = {
      here: step({ worker: false }, ({ x }: { x: number }) => x + 1),
    };
    const graph = WorkflowGraph.build({ steps: { a: { type: "here", x: 1 } } } as never, registries(steps));
    const executor = new DistributedExecutor({ redis: redis.url, queue: "unit" });
    const result = await organizer.run(graph, {
      metadata: collectMetadata({ cwd: process.cwd() }),
      executor,
    });
    expect(result.error).toBeUndefined();
    expect(result.steps.get("a")?.status).toBe("completed");
  });

  it("fails the steps of a run whose server cannot be reached with one clear message", async () => {
    const organizer = new MemoryOrganizer({ cache: new MemoryCache() });
    const graph = WorkflowGraph.build(
      { steps: { a: { type: "here" } } } as never,
      registries({ here: step({ worker: false }, () => 1) }),
    );
    const executor = new DistributedExecutor({ redis: "redis://127.0.0.1:1", queue: "unit" });
    const result = await organizer.run(graph, {
      metadata: collectMetadata({ cwd: process.cwd() }),
      executor,
    });
    expect(result.error).toBeInstanceOf(FormedError);
    expect((result.error as Error).message).toMatch(/lost the Redis server at redis:\/\/127\.0\.0\.1:1/);
    expect(result.steps.get("a")?.status).toBe("failure");
  }, 30_000);
});

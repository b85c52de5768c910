import { type ConfigIssue, ConfigurationError, describeValue } from "../errors.js";
import { DefaultExecutor } from "./default-executor.js";
import { DistributedExecutor } from "./distributed/distributed-executor.js";
import type { DistributedTarget } from "./distributed/distributed-runner.js";
import { QUEUE_NAME } from "./distributed/job-protocol.js";
import type { WorkflowExecutor } from "./executor.js";
import { ParallelExecutor } from "./parallel-executor.js";
import type { ResourceRequest } from "./resource-gate.js";

/** Where the executor runs: what its worker processes open. */
export interface ExecutorContext {
  readonly cwd: string;
  readonly settingsFile?: string;
}

/** Command-line choices over formed.yml's (`--jobs`, `--keep-going`). */
export interface ExecutorOverrides {
  readonly jobs?: number;
  readonly keepGoing?: boolean;
}

interface ExecutorOptions {
  jobs?: number;
  resources?: ResourceRequest;
  keepGoing?: boolean;
  workers?: boolean;
  redis?: string;
  queue?: string;
}

/** The queue of a distributed executor whose formed.yml names none. */
export const DEFAULT_QUEUE = "formed";

/** Each executor type's options (snake_case, as formed.yml writes them). */
const OPTIONS: Record<string, readonly string[]> = {
  default: ["keep_going", "resources"],
  // The seed's name for the default.
  sequential: ["keep_going", "resources"],
  parallel: ["jobs", "keep_going", "resources", "workers"],
  distributed: ["redis", "queue", "jobs", "keep_going", "resources"],
};

/**
 * Builds the executor `workflow.executor` of formed.yml names, or says every problem with it.
 * `--jobs 1` is the sequential executor; `--jobs N` is the parallel one, with formed.yml's other options
 * (a distributed executor stays distributed: `--jobs` is how many steps it has in flight).
 */
export function createExecutor(
  spec: { type: string; [option: string]: unknown },
  context: ExecutorContext,
  overrides: ExecutorOverrides = {},
): WorkflowExecutor {
  const issues: ConfigIssue[] = [];
  const known = OPTIONS[spec.type];
  if (known === undefined) {
    issues.push({
      path: "workflow.executor.type",
      message: `unknown executor "${spec.type}"; expected one of ${Object.keys(OPTIONS).join(", ")}`,
    });
  }
  const options = readOptions(spec, known ?? [], issues);
  if (spec.type === "distributed" && options.redis === undefined && spec.redis === undefined) {
    issues.push({
      path: "workflow.executor.redis",
      message: "the distributed executor needs the URL of its Redis server, e.g. redis://127.0.0.1:6379",
    });
  }
  if (issues.length > 0) {
    throw new ConfigurationError(issues, {
      code: "E_SETTINGS",
      ...(context.settingsFile === undefined ? {} : { file: context.settingsFile }),
    });
  }
  const jobs = overrides.jobs ?? (spec.type === "parallel" || spec.type === "distributed" ? options.jobs : 1);
  const keepGoing = overrides.keepGoing ?? options.keepGoing;
  const common = {
    ...(keepGoing === undefined ? {} : { keepGoing }),
    ...(options.resources === undefined ? {} : { resources: options.resources }),
  };
  if (spec.type === "distributed") {
    return new DistributedExecutor({
      ...common,
      redis: options.redis!,
      queue: options.queue ?? DEFAULT_QUEUE,
      ...(jobs === undefined ? {} : { jobs }),
    });
  }
  // `--jobs 1` is the sequential executor; formed.yml's `{ type: parallel, jobs: 1 }` keeps its
  // worker process (one step at a time, out of the main process: Ctrl-C stops a CPU-bound step).
  if (jobs === 1 && (overrides.jobs === 1 || spec.type !== "parallel")) return new DefaultExecutor(common);
  return new ParallelExecutor({
    ...common,
    ...(jobs === undefined ? {} : { jobs }),
    ...(options.workers === undefined ? {} : { workers: options.workers }),
    project: context,
  });
}

/**
 * The Redis server and queue of formed.yml's distributed executor (what `formed worker` serves),
 * or every problem with them; `queue` over formed.yml's.
 */
export function distributedTarget(
  spec: { type: string; [option: string]: unknown },
  context: ExecutorContext,
  queue?: string,
): DistributedTarget {
  const issues: ConfigIssue[] = [];
  if (spec.type !== "distributed") {
    issues.push({
      path: "workflow.executor.type",
      message: `a worker serves the distributed executor's queue; this project's executor is "${spec.type}" (set type: distributed, redis: URL, queue: NAME)`,
    });
  }
  const options = readOptions(spec, OPTIONS.distributed ?? [], issues);
  if (options.redis === undefined && spec.redis === undefined) {
    issues.push({ path: "workflow.executor.redis", message: "the URL of the Redis server is missing" });
  }
  if (queue !== undefined && !QUEUE_NAME.test(queue)) {
    issues.push({
      path: "--queue",
      message: `expected a queue name (letters, digits, _ and -), got "${queue}"`,
    });
  }
  if (issues.length > 0) {
    throw new ConfigurationError(issues, {
      code: "E_SETTINGS",
      ...(context.settingsFile === undefined ? {} : { file: context.settingsFile }),
    });
  }
  return { redis: options.redis!, queue: queue ?? options.queue ?? DEFAULT_QUEUE };
}

function readOptions(
  spec: Record<string, unknown>,
  known: readonly string[],
  issues: ConfigIssue[],
): ExecutorOptions {
  const options: ExecutorOptions = {};
  const problem = (key: string, expected: string) =>
    issues.push({
      path: `workflow.executor.${key}`,
      message: `expected ${expected}, got ${describeValue(spec[key])}`,
    });
  for (const [key, value] of Object.entries(spec)) {
    if (key === "type") continue;
    if (!known.includes(key)) {
      const takes = known.length === 0 ? "none" : known.join(", ");
      issues.push({
        path: `workflow.executor.${key}`,
        message: `unknown option for the ${spec.type} executor (it takes ${takes})`,
      });
    } else if (key === "jobs") {
      if (isCount(value)) options.jobs = value;
      else problem(key, "a whole number of at least 1");
    } else if (key === "keep_going" || key === "workers") {
      if (typeof value !== "boolean") problem(key, "true or false");
      else if (key === "workers") options.workers = value;
      else options.keepGoing = value;
    } else if (key === "resources") {
      options.resources = readResources(value, issues);
    } else if (key === "redis") {
      if (typeof value === "string" && /^rediss?:\/\/[^/]/.test(value)) options.redis = value;
      else problem(key, "a Redis URL (redis://host:port or rediss://...)");
    } else if (key === "queue") {
      if (typeof value === "string" && QUEUE_NAME.test(value)) options.queue = value;
      else problem(key, "a queue name (letters, digits, _ and -)");
    }
  }
  return options;
}

function readResources(value: unknown, issues: ConfigIssue[]): ResourceRequest | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    issues.push({
      path: "workflow.executor.resources",
      message: `expected a mapping of resource names to amounts (e.g. gpu: 1), got ${describeValue(value)}`,
    });
    return undefined;
  }
  const resources: Record<string, number> = {};
  for (const [name, amount] of Object.entries(value)) {
    if (!/^[A-Za-z_][\w-]*$/.test(name)) {
      issues.push({
        path: `workflow.executor.resources`,
        message: `"${name}" is not a resource name (letters, digits, _ and -)`,
      });
    } else if (typeof amount !== "number" || !Number.isFinite(amount) || amount < 0) {
      issues.push({
        path: `workflow.executor.resources.${name}`,
        message: `expected a number of at least 0, got ${describeValue(amount)}`,
      });
    } else resources[name] = amount;
  }
  return resources;
}

function isCount(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= 1;
}

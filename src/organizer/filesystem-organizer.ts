import { mkdirSync, readFileSync, rmSync, symlinkSync, unlinkSync } from "node:fs";
import { mkdir, readdir, readFile, rm } from "node:fs/promises";
import { join, relative, resolve, sep } from "node:path";
import type { WorkflowCache } from "../cache/cache.js";
import { FilesystemCache } from "../cache/filesystem.js";
import { FilesystemInventory } from "../cache/filesystem-inventory.js";
import { LiveUses } from "../cache/live-uses.js";
import { selfOwner } from "../cache/owner.js";
import { RemoteCache } from "../cache/remote-cache.js";
import type { S3StoreOptions } from "../cache/s3-store.js";
import { writeFailure, writeFileAtomicSync, writeJsonAtomic } from "../common/atomic-write.js";
import { FormedError } from "../errors.js";
import type { ExecutionKeys } from "../fingerprint/step-key.js";
import type { ClassRegistry } from "../format/class-registry.js";
import type { StepNode } from "../graph/step-node.js";
import { fileSink, type LogSink } from "../logging/logger.js";
import type { ExecutionState, StepState } from "../step/context.js";
import type { ArchivedExecution, ArchivedGraph } from "./archive.js";
import { validateExecutionId } from "./execution-id.js";
import {
  countSteps,
  type ExecutionSummary,
  isUnfinished,
  newestFirst,
  summarizeExecution,
  withInterruption,
} from "./execution-summary.js";
import { KEYS_FILE, keysInFolder, readKeysFile, writeKeysFile } from "./keys-file.js";
import type { ExecutionMetadata } from "./metadata.js";
import { type ExecutionRecord, RecordingOrganizer } from "./recording-organizer.js";
import { encodeStepName } from "./step-folder-name.js";
import {
  readSummaryRecord,
  type SummaryRecord,
  summaryFromFolder,
  writeSummaryRecord,
} from "./summary-file.js";

export interface FilesystemOrganizerOptions {
  /** The root folder; default `.formed` under the working directory. */
  directory?: string;
  /** The working directory `directory` is relative to. */
  cwd?: string;
  classes?: ClassRegistry;
  /** A shared S3 store behind the cache (`workflow.remote_cache`). */
  remoteCache?: S3StoreOptions;
}

/**
 * How long step records may wait in memory before they are written. Per-step files are the
 * organizer's main cost on a graph of many quick steps (a cached step starts and ends within
 * microseconds), so state changes are kept and written in one batch at most this often, and at
 * every execution state change (start, end). A killed process loses at most this much of its
 * record; the cache, which holds the results, is never affected.
 */
const FLUSH_INTERVAL_MS = 200;

/**
 * Records everything under one folder (default `.formed/`):
 *
 *     cache/                      the filesystem cache (see FilesystemCache)
 *     workdir/<fingerprint>/      useStepWorkdir() directories
 *     executions/<id>/
 *       graph.json metadata.json state.json out.log
 *       summary.json              status, times, step counts, owner: what `workflow list` reads
 *       keys.json                 what every step's key was made from (for --dry-run, explain)
 *       steps.json                every step's state, and where its result is in the cache
 *       steps/<name>/state.json out.log result -> ../../../../cache/.../<fingerprint>
 *
 * A step's folder under steps/ is made for a step that ran (or runs, or failed) or logged; a
 * step found in the cache is in steps.json only. A step's description (type, fingerprint,
 * config, dependencies) is in graph.json.
 */
export class FilesystemOrganizer extends RecordingOrganizer {
  readonly kind = "filesystem";
  readonly cache: WorkflowCache;
  readonly directory: string;
  readonly #cacheDirectory: string;
  readonly #remote: RemoteCache | undefined;

  constructor(options: FilesystemOrganizerOptions = {}) {
    super();
    this.directory = resolve(options.cwd ?? process.cwd(), options.directory ?? ".formed");
    this.#cacheDirectory = join(this.directory, "cache");
    const local = new FilesystemCache({
      directory: this.#cacheDirectory,
      ...(options.classes === undefined ? {} : { classes: options.classes }),
    });
    this.#remote =
      options.remoteCache === undefined ? undefined : new RemoteCache({ local, store: options.remoteCache });
    this.cache = this.#remote ?? local;
  }

  /** The cache's entries, for `formed cache info`, `gc` and `remove`. */
  inventory(): FilesystemInventory {
    return new FilesystemInventory(this.#cacheDirectory);
  }

  #executionDir(id: string): string {
    return join(this.directory, "executions", validateExecutionId(id));
  }

  protected async createRecord(id: string): Promise<ExecutionRecord> {
    const dir = this.#executionDir(id);
    // Until state.json is written the folder is not yet an execution's record: when anything
    // fails before (a full disk, typically), all of it is removed, so no half-made record is
    // left. Every write names its file when it fails: Node's message does not.
    let made = false;
    let recorded = false;
    let uses: LiveUses | undefined;
    const failure = (error: unknown, path: string): unknown => {
      if (made && !recorded) {
        uses?.close();
        rmSync(dir, { recursive: true, force: true });
      }
      return writeFailure(error, path, "E_EXECUTION");
    };
    const attempt = <T>(path: string, write: () => T): T => {
      try {
        return write();
      } catch (error) {
        throw failure(error, path);
      }
    };
    const attemptAsync = async (path: string, write: () => Promise<void>): Promise<void> => {
      try {
        await write();
      } catch (error) {
        throw failure(error, path);
      }
    };
    const executions = join(this.directory, "executions");
    await attemptAsync(executions, () => mkdir(executions, { recursive: true }).then(() => undefined));
    try {
      // Not recursive: mkdir fails when the folder exists, so two runs can never share an id.
      await mkdir(dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EEXIST") {
        throw new FormedError(
          "E_EXECUTION",
          `execution ${id} already exists in ${relative(process.cwd(), dir) || dir}`,
          {
            hint: "choose another --execution-id, or remove the old one with `formed workflow remove`",
          },
        );
      }
      throw failure(error, dir);
    }
    made = true;
    const stepsDir = join(dir, "steps");
    await attemptAsync(stepsDir, () => mkdir(stepsDir));
    // Who runs it, from the start: a record whose process died is then shown as interrupted.
    let summary: SummaryRecord = {
      status: "pending",
      createdAt: new Date().toISOString(),
      owner: selfOwner(),
      steps: countSteps([]),
    };
    attempt(join(dir, "summary.json"), () => writeSummaryRecord(dir, summary));
    // Every fingerprint this run makes, named before the cache is asked for it: `cache gc` leaves those.
    uses = attempt(join(this.#cacheDirectory, ".live"), () => LiveUses.open(this.#cacheDirectory));
    const liveUses = uses;
    // Synchronous calls on purpose: these are many tiny writes, and a round trip through
    // libuv's thread pool costs several times the syscall itself.
    const madeStepDirs = new Set<string>();
    const stepDir = (node: StepNode): string => {
      const path = join(stepsDir, encodeStepName(node.name));
      if (!madeStepDirs.has(node.name)) {
        // No step.json beside state.json: graph.json already describes every step.
        attempt(path, () => mkdirSync(path, { recursive: true }));
        madeStepDirs.add(node.name);
      }
      return path;
    };
    const linkResult = (node: StepNode, entry: string): void => {
      const link = join(stepDir(node), "result");
      const target = relative(stepDir(node), entry);
      attempt(link, () => {
        try {
          symlinkSync(target, link, "dir");
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
          unlinkSync(link);
          symlinkSync(target, link, "dir");
        }
      });
    };
    const writeSync = (path: string, text: string): void =>
      attempt(path, () => writeFileAtomicSync(path, text));
    const logTo = (path: string): LogSink => {
      const sink = fileSink(path);
      return (record) => attempt(path, () => sink(record));
    };

    // Every step's latest state and result, written whole to steps.json at each flush. A step's
    // own folder (state.json, result link, out.log) is written only for a step that logged, or
    // that was not done (running, failed, canceled) when the records were flushed: for a step
    // that ran quietly and completed, a folder, a state file and a link would only repeat
    // steps.json, and would cost more than computing a small step (on a cold run of
    // thousands of them, a third of the time). The states are serialized when reported: the
    // executor keeps mutating the objects.
    const index: StepsIndex = { steps: {}, results: {} };
    const dirty = new Map<string, { node: StepNode; state?: string; result?: string }>();
    let lastFlush = Date.now();
    let timer: NodeJS.Timeout | undefined;
    /** A failure of a flush from the timer, where nothing could catch it: thrown by the next write. */
    let deferred: unknown;
    const flush = (): void => {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      lastFlush = Date.now();
      if (deferred !== undefined) {
        const error = deferred;
        deferred = undefined;
        throw error;
      }
      if (dirty.size === 0) return;
      for (const { node, state, result } of dirty.values()) {
        const status = index.steps[node.name]?.status;
        const own = (status !== "completed" && status !== "cached") || madeStepDirs.has(node.name);
        if (!own) continue;
        if (state !== undefined) writeSync(join(stepDir(node), "state.json"), state);
        if (result !== undefined) linkResult(node, result);
      }
      dirty.clear();
      writeSync(join(dir, STEPS_INDEX_FILE), `${JSON.stringify(index)}\n`);
    };
    const flushLater = (): void => {
      try {
        flush();
      } catch (error) {
        deferred = error;
      }
    };
    const schedule = (): void => {
      if (Date.now() - lastFlush >= FLUSH_INTERVAL_MS) {
        flush();
      } else if (timer === undefined) {
        timer = setTimeout(flushLater, FLUSH_INTERVAL_MS);
        // The execution's end flushes too; a pending timer must not keep the process alive.
        timer.unref();
      }
    };
    const update = (node: StepNode, change: { state?: string; result?: string }): void => {
      const entry = dirty.get(node.name);
      if (entry === undefined) dirty.set(node.name, { node, ...change });
      else Object.assign(entry, change);
      schedule();
    };

    return {
      writeGraph: (graph: ArchivedGraph) => {
        const path = join(dir, "graph.json");
        return attemptAsync(path, () => writeJsonAtomic(path, graph));
      },
      writeMetadata: (metadata: ExecutionMetadata) => {
        const path = join(dir, "metadata.json");
        if (metadata.config !== undefined) summary = { ...summary, config: metadata.config };
        return attemptAsync(path, () => writeJsonAtomic(path, metadata));
      },
      writeState: async (state: ExecutionState) => {
        // Step records first, so a finished execution's state never precedes its steps'.
        flush();
        writeSync(join(dir, "state.json"), `${JSON.stringify(state, null, 2)}\n`);
        recorded = true;
        summary = {
          ...summary,
          status: state.status,
          ...(state.startedAt === undefined ? {} : { startedAt: state.startedAt }),
          ...(state.finishedAt === undefined ? {} : { finishedAt: state.finishedAt }),
          steps: countSteps(Object.values(index.steps)),
        };
        attempt(join(dir, "summary.json"), () => writeSummaryRecord(dir, summary));
        if (!isUnfinished(state.status)) liveUses.close();
      },
      stepKeyed: (_node: StepNode, fingerprint: string) =>
        attempt(join(this.#cacheDirectory, ".live"), () => liveUses.add(fingerprint)),
      writeStepState: async (node: StepNode, state: StepState) => {
        if (state.fingerprint !== "")
          attempt(join(this.#cacheDirectory, ".live"), () => liveUses.add(state.fingerprint));
        index.steps[node.name] = { ...state };
        update(node, { state: `${JSON.stringify(state, null, 2)}\n` });
      },
      recordResult: async (node: StepNode, fingerprint: string) => {
        if (!node.shouldBeCached) return;
        // A result computed while the shared store was down is uploaded now.
        await this.#remote?.publish({ fingerprint, format: node.format });
        const entry = this.cache.entryPath?.(fingerprint);
        if (entry === undefined) return;
        index.results[node.name] = relative(dir, entry).split(sep).join("/");
        update(node, { result: entry });
      },
      writeKeys: (keys) => attemptAsync(join(dir, KEYS_FILE), async () => writeKeysFile(dir, keys)),
      executionLog: logTo(join(dir, "out.log")),
      stepLog: (node: StepNode) => {
        let sink: LogSink | undefined;
        return (record) => {
          // The step's folder may not be written yet (records are batched): make it now.
          sink ??= logTo(join(stepDir(node), "out.log"));
          sink(record);
        };
      },
    };
  }

  async get(id: string): Promise<ArchivedExecution | undefined> {
    const dir = this.#executionDir(id);
    const read = async <T>(name: string): Promise<T | undefined> => {
      try {
        return JSON.parse(await readFile(join(dir, name), "utf8")) as T;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
        throw new FormedError(
          "E_EXECUTION",
          `the record of execution ${id} is unreadable: ${join(dir, name)}`,
          {
            cause: error,
          },
        );
      }
    };
    const graph = await read<ArchivedGraph>("graph.json");
    const metadata = await read<ExecutionMetadata>("metadata.json");
    if (graph === undefined || metadata === undefined) return undefined;
    const recorded = (await read<ExecutionState>("state.json")) ?? { status: "pending" };
    const index = await read<StepsIndex>(STEPS_INDEX_FILE);
    const steps: Record<string, StepState> = {};
    for (const name of graph.order) {
      // steps.json has every step up to its last flush; a step's own state.json may be newer
      // (a killed run) and is the only record in executions written before steps.json existed.
      const own =
        index?.steps[name]?.status === "cached"
          ? undefined
          : await read<StepState>(join("steps", encodeStepName(name), "state.json"));
      const stepState = own ?? index?.steps[name];
      if (stepState !== undefined) steps[name] = stepState;
    }
    return { id, graph, metadata, ...withInterruption(recorded, steps, readSummaryRecord(dir)?.owner) };
  }

  /**
   * Every execution, newest first, from each one's summary.json (and, for one not ended, its
   * steps.json): no other record is read.
   */
  async summaries(): Promise<ExecutionSummary[]> {
    const summaries: ExecutionSummary[] = [];
    for (const id of await this.list()) {
      const dir = join(this.directory, "executions", id);
      const summary =
        summaryFromFolder(id, dir, () => readJsonSync<StepsIndex>(join(dir, STEPS_INDEX_FILE))?.steps) ??
        // Recorded before summaries existed, or damaged: the whole record tells.
        (await this.get(id).then(
          (execution) => execution && summarizeExecution(execution),
          () => undefined,
        ));
      if (summary !== undefined) summaries.push(summary);
    }
    return newestFirst(summaries);
  }

  /** The path of an execution's log, or of one of its steps' logs. */
  logPath(id: string, step?: string): string {
    const dir = this.#executionDir(id);
    return step === undefined ? join(dir, "out.log") : join(dir, "steps", encodeStepName(step), "out.log");
  }

  async list(): Promise<string[]> {
    try {
      return (await readdir(join(this.directory, "executions"))).sort();
    } catch {
      return [];
    }
  }

  async remove(id: string): Promise<void> {
    const dir = this.#executionDir(id);
    const existing = await readdir(dir).catch(() => undefined);
    if (existing === undefined) {
      throw new FormedError("E_EXECUTION", `no execution ${id} in ${this.directory}`);
    }
    await rm(dir, { recursive: true, force: true });
  }

  workdir(fingerprint: string): string {
    return join(this.directory, "workdir", fingerprint);
  }

  keys(): AsyncIterable<{ id: string; keys: ExecutionKeys }> {
    return keysInFolder(join(this.directory, "executions"));
  }

  async keysOf(id: string): Promise<ExecutionKeys | undefined> {
    return readKeysFile(join(this.directory, "executions", validateExecutionId(id)));
  }
}

/** Every step's state in one file; `results` maps a step to its cache entry, relative to the execution. */
interface StepsIndex {
  steps: Record<string, StepState>;
  results: Record<string, string>;
}

const STEPS_INDEX_FILE = "steps.json";

function readJsonSync<T>(path: string): T | undefined {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as T;
  } catch {
    return undefined;
  }
}

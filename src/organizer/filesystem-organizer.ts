import { mkdir, readdir, readFile, rm, symlink, unlink } from "node:fs/promises";
import { join, relative, resolve } from "node:path";
import type { WorkflowCache } from "../cache/cache.js";
import { FilesystemCache } from "../cache/filesystem.js";
import { writeJsonAtomic } from "../common/atomic-write.js";
import { FormedError } from "../errors.js";
import type { ClassRegistry } from "../format/class-registry.js";
import type { StepNode } from "../graph/step-node.js";
import { fileSink } from "../logging/logger.js";
import type { ExecutionState, StepState } from "../step/context.js";
import type { ArchivedExecution, ArchivedGraph } from "./archive.js";
import { validateExecutionId } from "./execution-id.js";
import type { ExecutionMetadata } from "./metadata.js";
import { type ExecutionRecord, RecordingOrganizer } from "./recording-organizer.js";

export interface FilesystemOrganizerOptions {
  /** The root folder; default `.formed` under the working directory. */
  directory?: string;
  /** The working directory `directory` is relative to. */
  cwd?: string;
  classes?: ClassRegistry;
}

/**
 * Records everything under one folder (default `.formed/`):
 *
 *     cache/                      the filesystem cache (see FilesystemCache)
 *     workdir/<fingerprint>/      useStepWorkdir() directories
 *     executions/<id>/
 *       graph.json metadata.json state.json out.log
 *       steps/<name>/state.json out.log step.json result -> ../../../../cache/.../<fingerprint>
 */
export class FilesystemOrganizer extends RecordingOrganizer {
  readonly kind = "filesystem";
  readonly cache: WorkflowCache;
  readonly directory: string;

  constructor(options: FilesystemOrganizerOptions = {}) {
    super();
    this.directory = resolve(options.cwd ?? process.cwd(), options.directory ?? ".formed");
    this.cache = new FilesystemCache({
      directory: join(this.directory, "cache"),
      ...(options.classes === undefined ? {} : { classes: options.classes }),
    });
  }

  #executionDir(id: string): string {
    return join(this.directory, "executions", validateExecutionId(id));
  }

  protected async createRecord(id: string): Promise<ExecutionRecord> {
    const dir = this.#executionDir(id);
    await mkdir(join(this.directory, "executions"), { recursive: true });
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
      throw error;
    }
    const stepsDir = join(dir, "steps");
    await mkdir(stepsDir);
    const madeStepDirs = new Set<string>();
    const stepDir = async (node: StepNode): Promise<string> => {
      const path = join(stepsDir, encodeStepName(node.name));
      if (!madeStepDirs.has(node.name)) {
        await mkdir(path, { recursive: true });
        await writeJsonAtomic(join(path, "step.json"), {
          name: node.name,
          type: node.type,
          fingerprint: node.fingerprint,
          version: node.version,
          format: node.format.identifier,
          config: node.config,
          dependencies: node.dependencies,
        });
        madeStepDirs.add(node.name);
      }
      return path;
    };
    return {
      writeGraph: (graph: ArchivedGraph) => writeJsonAtomic(join(dir, "graph.json"), graph),
      writeMetadata: (metadata: ExecutionMetadata) => writeJsonAtomic(join(dir, "metadata.json"), metadata),
      writeState: (state: ExecutionState) => writeJsonAtomic(join(dir, "state.json"), state),
      writeStepState: async (node: StepNode, state: StepState) =>
        writeJsonAtomic(join(await stepDir(node), "state.json"), state),
      recordResult: async (node: StepNode) => {
        const entry = this.cache.entryPath?.(node.fingerprint);
        if (entry === undefined) return;
        const link = join(await stepDir(node), "result");
        await unlink(link).catch(() => undefined);
        await symlink(relative(join(link, ".."), entry), link, "dir");
      },
      executionLog: fileSink(join(dir, "out.log")),
      stepLog: (node: StepNode) => {
        const path = join(stepsDir, encodeStepName(node.name));
        const sink = fileSink(join(path, "out.log"));
        return (record) => {
          if (!madeStepDirs.has(node.name)) return; // the folder is made at step start; nothing logs before
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
    const state = (await read<ExecutionState>("state.json")) ?? { status: "pending" };
    const steps: Record<string, StepState> = {};
    for (const name of graph.order) {
      const stepState = await read<StepState>(join("steps", encodeStepName(name), "state.json"));
      if (stepState !== undefined) steps[name] = stepState;
    }
    return { id, graph, metadata, state, steps };
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
}

/** Step names are free text in config; as folder names, keep them readable but safe. */
function encodeStepName(name: string): string {
  const percent = (char: string) => `%${char.charCodeAt(0).toString(16).padStart(2, "0")}`;
  // A leading dot is escaped too, so no name can be "." or ".." or a hidden folder.
  return name.replace(/[^A-Za-z0-9_.!-]/g, percent).replace(/^\./, percent);
}

import { dirname, join, resolve } from "node:path";
import { type LoadWorkflowConfigOptions, loadWorkflowConfig } from "../config/load-config.js";
import { validateWorkflowConfigShape, type WorkflowConfig } from "../config/workflow-config.js";
import { buildValue } from "../construct/build.js";
import { FormedError } from "../errors.js";
import type { WorkflowCallback } from "../executor/callback.js";
import { createExecutor, type ExecutorContext } from "../executor/create-executor.js";
import type { WorkflowExecutor } from "../executor/executor.js";
import { FieldDigestMemo } from "../executor/input-digests.js";
import { type PlannedStep, planRun } from "../executor/plan.js";
import type { ConstructArguments } from "../executor/step-computation.js";
import { CodeGraph } from "../fingerprint/code-graph/code-graph.js";
import { CodeVersionMemo } from "../fingerprint/code-version-memo.js";
import { ClassRegistry } from "../format/class-registry.js";
import { FormatRegistry } from "../format/registry.js";
import { WorkflowGraph } from "../graph/graph.js";
import type { JsonnetEngine } from "../jsonnet/engine.js";
import { fileSink, type LogSink } from "../logging/logger.js";
import { importModuleFrom, loadRequiredModules } from "../modules/load-modules.js";
import type { LoadedModule } from "../modules/loaded-module.js";
import type { ArchivedExecution } from "../organizer/archive.js";
import { organizerOfSettings } from "../organizer/create-organizer.js";
import { collectMetadata, type GitInfo, readGitInfo } from "../organizer/metadata.js";
import type { OrganizerRunResult, WorkflowOrganizer } from "../organizer/organizer.js";
import { applyEnvironment, type FormedSettings, loadSettings } from "../settings/settings.js";
import { StepRegistry } from "../step/registry.js";
import { analyzeProjectTypes } from "../types/analyzer/index.js";
import type { ProjectTypes } from "../types/type-description.js";
import { registerModuleExports } from "./register-exports.js";

export interface LoadProjectOptions {
  /** The working directory: where formed.yml is looked for and `.formed/` lives. Default: process.cwd(). */
  cwd?: string;
  /** A settings file other than `<cwd>/formed.yml`. */
  settingsFile?: string;
  /** Use this organizer instead of the one formed.yml names. */
  organizer?: WorkflowOrganizer;
}

export interface LoadGraphOptions {
  /** `std.extVar` values over the environment's. */
  extVars?: Record<string, string>;
  /** Top-level arguments, when the config is a function: strings, and Jsonnet code. */
  tlaVars?: Record<string, string>;
  tlaCodes?: Record<string, string>;
  /** A Jsonnet object of dotted keys to set in the config. */
  overrides?: string;
  engine?: JsonnetEngine;
}

export interface RunOptions {
  executionId?: string;
  /** Only these steps and their dependencies. */
  steps?: readonly string[];
  callbacks?: readonly WorkflowCallback[];
  logSinks?: readonly LogSink[];
  /** Cancels the run when aborted (the CLI aborts it on Ctrl-C). */
  signal?: AbortSignal;
  /** Run these steps again even when cached (their entries are replaced). */
  force?: readonly string[];
  /** Steps at once, over formed.yml's executor (`--jobs`): 1 runs them one by one in this process. */
  jobs?: number;
  /** A failed step stops only the steps that read it (`--keep-going`). */
  keepGoing?: boolean;
}

export interface PlanOptions {
  /** Only these steps and their dependencies. */
  steps?: readonly string[];
  force?: readonly string[];
  /** Give reasons against this execution rather than the latest that has each step. */
  against?: string;
  /** How `steps` was given, for the error naming an unknown one (default `--step`). */
  stepsOption?: string;
}

/**
 * A working directory made ready to run workflows: its settings read, its modules loaded and
 * their steps, classes and formats registered, its organizer built. The CLI is a thin layer over
 * this; programs use it the same way.
 */
export class WorkflowProject {
  readonly #configFiles = new WeakMap<WorkflowGraph, string>();
  #types: Promise<ProjectTypes> | undefined;
  #codeVersions: CodeVersionMemo | undefined;
  #fieldDigests: FieldDigestMemo | undefined;
  /** Git information read ahead by loadWithGraph, for the first run only. */
  #gitInfo: Promise<GitInfo> | undefined;

  private constructor(
    readonly cwd: string,
    readonly settings: FormedSettings,
    readonly modules: readonly LoadedModule[],
    readonly steps: StepRegistry,
    readonly formats: FormatRegistry,
    readonly classes: ClassRegistry,
    readonly organizer: WorkflowOrganizer,
    readonly executor: WorkflowExecutor,
  ) {}

  static async load(options: LoadProjectOptions = {}): Promise<WorkflowProject> {
    const cwd = resolve(options.cwd ?? process.cwd());
    return WorkflowProject.#open(cwd, await WorkflowProject.#readSettings(cwd, options), options);
  }

  /**
   * `load`, then `loadGraph(source)`, with the config evaluated (by the Jsonnet engine, in a
   * process of its own) while the step modules load. The config sees the environment as
   * formed.yml sets it, not what step modules may change while loading. Problems are reported
   * in the order of `load` then `loadGraph`: modules, then step types, then the config.
   * With `runNext`, the git information the next `run` records is read meanwhile too.
   */
  static async loadWithGraph(
    source: string,
    options: LoadProjectOptions & LoadGraphOptions & { runNext?: boolean } = {},
  ): Promise<{ project: WorkflowProject; graph: WorkflowGraph }> {
    const cwd = resolve(options.cwd ?? process.cwd());
    const settings = await WorkflowProject.#readSettings(cwd, options);
    const evaluating = loadWorkflowConfig(resolve(cwd, source), configOptions(cwd, options));
    // Awaited below, once the modules loaded: until then, a failure must not go unhandled.
    evaluating.catch(() => undefined);
    const git = options.runNext === true ? readGitInfo(cwd) : undefined;
    const project = await WorkflowProject.#open(cwd, settings, options);
    project.#gitInfo = git;
    await project.types();
    const { file, config } = await evaluating;
    return { project, graph: await project.#graphOf(config, file) };
  }

  static async #readSettings(cwd: string, options: LoadProjectOptions): Promise<FormedSettings> {
    const settings = await loadSettings({
      cwd,
      ...(options.settingsFile === undefined ? {} : { file: options.settingsFile }),
    });
    applyEnvironment(settings);
    return settings;
  }

  static async #open(
    cwd: string,
    settings: FormedSettings,
    options: LoadProjectOptions,
  ): Promise<WorkflowProject> {
    const settingsFile = settings.file;
    const context = settingsFile === undefined ? {} : { settingsFile };
    const classes = new ClassRegistry();
    const organizer = options.organizer ?? organizerOfSettings(settings, { cwd, classes });
    const executor = createExecutor(
      settings.workflow.executor,
      WorkflowProject.#executorContextOf(cwd, settings),
    );
    // Module paths in formed.yml are relative to formed.yml, wherever --settings points.
    const moduleBase = settingsFile === undefined ? cwd : dirname(settingsFile);
    const modules = await loadRequiredModules(settings.requiredModules, { cwd: moduleBase, ...context });
    const steps = new StepRegistry();
    const formats = new FormatRegistry();
    registerModuleExports(modules, { steps, formats, classes });
    return new WorkflowProject(cwd, settings, modules, steps, formats, classes, organizer, executor);
  }

  /**
   * The parameter and result types of every step from a required module, read from their source
   * (cached on disk by the content of every file read: an unchanged project pays almost nothing).
   */
  async types(): Promise<ProjectTypes> {
    this.#types ??= analyzeProjectTypes({
      cwd: this.cwd,
      steps: this.steps
        .entries()
        .flatMap((entry) =>
          entry.module === undefined || entry.exportName === undefined
            ? []
            : [{ name: entry.name, file: entry.module.file, exportName: entry.exportName }],
        ),
      modules: this.modules.map((module) => module.file),
    });
    return this.#types;
  }

  /** Builds the graph of a config file (Jsonnet or JSON) or of a config object, validating every step's arguments. */
  async loadGraph(source: string | WorkflowConfig, options: LoadGraphOptions = {}): Promise<WorkflowGraph> {
    if (typeof source !== "string") {
      const config = validateWorkflowConfigShape(source);
      return this.#buildGraph(config, { types: await this.types() });
    }
    const { file, config } = await loadWorkflowConfig(
      resolve(this.cwd, source),
      configOptions(this.cwd, options),
    );
    return this.#graphOf(config, file);
  }

  #takeGitInfo(): Promise<GitInfo> {
    const ahead = this.#gitInfo;
    this.#gitInfo = undefined;
    return ahead ?? readGitInfo(this.cwd);
  }

  async #graphOf(config: WorkflowConfig, file: string): Promise<WorkflowGraph> {
    const graph = this.#buildGraph(config, { file, types: await this.types() });
    this.#configFiles.set(graph, file);
    return graph;
  }

  #buildGraph(config: WorkflowConfig, options: { file?: string; types: ProjectTypes }): WorkflowGraph {
    this.#codeVersions ??= CodeVersionMemo.open(join(this.cwd, ".formed", "code-versions.json"));
    // A new graph each time: it reads each file once, and files may have changed since the last build.
    const codeGraph = new CodeGraph({
      root: this.cwd,
      memoFile: join(this.cwd, ".formed", "code-graph.json"),
    });
    try {
      return WorkflowGraph.build(config, {
        ...options,
        steps: this.steps,
        formats: this.formats,
        codeVersions: this.#codeVersions,
        codeGraph,
        cwd: this.cwd,
      });
    } finally {
      this.#codeVersions.save();
      codeGraph.save();
    }
  }

  /** Field digests by content, remembered in `.formed/` so a cached re-run reads no result to make its keys. */
  #fieldDigestMemo(): FieldDigestMemo {
    this.#fieldDigests ??= new FieldDigestMemo(join(this.cwd, ".formed", "field-digests.json"));
    return this.#fieldDigests;
  }

  /**
   * What `run` would do, running nothing: each step reused, run (and why, against the latest
   * execution that had it) or waiting for a step that must run first.
   */
  async plan(graph: WorkflowGraph, options: PlanOptions = {}): Promise<PlannedStep[]> {
    const memo = this.#fieldDigestMemo();
    try {
      return await planRun(graph, {
        cache: this.organizer.cache,
        classes: this.classes,
        fieldDigests: memo,
        ...(this.organizer.keys === undefined ? {} : { history: this.organizer.keys() }),
        ...(options.against === undefined ? {} : { against: options.against }),
        ...(options.steps === undefined || options.steps.length === 0 ? {} : { targets: options.steps }),
        ...(options.stepsOption === undefined ? {} : { targetsOption: options.stepsOption }),
        ...(options.force === undefined ? {} : { force: options.force }),
      });
    } finally {
      memo.save();
    }
  }

  /** Runs the graph as a new execution of the organizer. A failed step fails the execution; see `error`. */
  async run(graph: WorkflowGraph, options: RunOptions = {}): Promise<OrganizerRunResult> {
    const configFile = this.#configFiles.get(graph);
    await this.types();
    const fieldDigests = this.#fieldDigestMemo();
    try {
      return await this.#runWith(graph, options, configFile, fieldDigests);
    } finally {
      fieldDigests.save();
    }
  }

  async #runWith(
    graph: WorkflowGraph,
    options: RunOptions,
    configFile: string | undefined,
    fieldDigests: FieldDigestMemo,
  ): Promise<OrganizerRunResult> {
    // Unknown names and steps asking for more than there is fail before anything runs.
    if (options.force !== undefined) graph.closure(options.force, "--force");
    const executor = this.#executorFor(options);
    executor.check?.(
      graph,
      options.steps === undefined || options.steps.length === 0 ? undefined : options.steps,
    );
    return this.organizer.run(graph, {
      classes: this.classes,
      fieldDigests,
      ...(options.force === undefined || options.force.length === 0 ? {} : { force: options.force }),
      construct: this.constructArguments,
      executor,
      logLevel: this.settings.logging.level,
      metadata: collectMetadata({
        cwd: this.cwd,
        git: await this.#takeGitInfo(),
        environment: this.settings.environment,
        requiredModules: this.settings.requiredModules,
        ...(configFile === undefined ? {} : { config: configFile }),
      }),
      ...(options.executionId === undefined ? {} : { executionId: options.executionId }),
      ...(options.steps === undefined || options.steps.length === 0 ? {} : { targets: options.steps }),
      ...(options.callbacks === undefined ? {} : { callbacks: options.callbacks }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      logSinks: [
        ...(options.logSinks ?? []),
        // logging.file of formed.yml: every log line of every execution, appended.
        ...(this.settings.logging.file === undefined
          ? []
          : [fileSink(resolve(this.cwd, this.settings.logging.file), { createFolder: true })]),
      ],
    });
  }

  /**
   * Builds the objects a step's arguments describe (classes, Registrable choices, Dates...) from
   * its config, refs already replaced by results, by the step's parameter type.
   */
  readonly constructArguments: ConstructArguments = async (step, args) => {
    const types = await this.types();
    const parameter = types.steps[step.type]?.parameter;
    if (parameter === undefined) return args;
    return (await buildValue(parameter, args, {
      types,
      importModule: importModuleFrom,
      cwd: this.cwd,
      path: `steps.${step.name}`,
    })) as Record<string, unknown>;
  };

  /** The executor of formed.yml, or, with `jobs`/`keepGoing` given, one made with them over formed.yml's. */
  #executorFor(options: RunOptions): WorkflowExecutor {
    if (options.jobs === undefined && options.keepGoing === undefined) return this.executor;
    return createExecutor(this.settings.workflow.executor, this.#executorContext(), {
      ...(options.jobs === undefined ? {} : { jobs: options.jobs }),
      ...(options.keepGoing === undefined ? {} : { keepGoing: options.keepGoing }),
    });
  }

  #executorContext(): ExecutorContext {
    return WorkflowProject.#executorContextOf(this.cwd, this.settings);
  }

  static #executorContextOf(cwd: string, settings: FormedSettings): ExecutorContext {
    return { cwd, ...(settings.file === undefined ? {} : { settingsFile: settings.file }) };
  }

  /** A past execution by id; an unknown id is an error. */
  async getExecution(id: string): Promise<ArchivedExecution> {
    const execution = await this.organizer.get(id);
    if (execution === undefined) {
      throw new FormedError("E_EXECUTION", `no execution ${id} in the ${this.organizer.kind} organizer`);
    }
    return execution;
  }

  /** The cached result of `step` in execution `id`. */
  async readResult(id: string, step: string): Promise<unknown> {
    return this.organizer.readResult(await this.getExecution(id), step, this.formats);
  }
}

function configOptions(cwd: string, options: LoadGraphOptions): LoadWorkflowConfigOptions {
  return {
    cwd,
    ...(options.extVars === undefined ? {} : { extVars: options.extVars }),
    ...(options.tlaVars === undefined ? {} : { tlaVars: options.tlaVars }),
    ...(options.tlaCodes === undefined ? {} : { tlaCodes: options.tlaCodes }),
    ...(options.overrides === undefined ? {} : { overrides: options.overrides }),
    ...(options.engine === undefined ? {} : { engine: options.engine }),
  };
}

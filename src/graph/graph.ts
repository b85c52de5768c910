import { closestName } from "../common/closest-name.js";
import { stepNameIssues } from "../config/step-names.js";
import { configDepthIssues, type WorkflowConfig } from "../config/workflow-config.js";
import { type ConfigIssue, ConfigurationError } from "../errors.js";
import type { CodeGraph } from "../fingerprint/code-graph/code-graph.js";
import type { CodeVersionMemo } from "../fingerprint/code-version-memo.js";
import type { FormatRegistry } from "../format/registry.js";
import type { RegisteredStep, StepRegistry } from "../step/registry.js";
import type { ProjectTypes } from "../types/type-description.js";
import { FORBIDDEN_FIELDS, forEachRef, formatPath, parseRef, type StepRef } from "./ref.js";
import type { StepNode } from "./step-node.js";
import { StepVersions } from "./step-version.js";
import { ignoredArgumentsOf, validateFieldRefs, validateGraphArguments } from "./validate-arguments.js";

export interface BuildGraphOptions {
  readonly steps: StepRegistry;
  readonly formats: FormatRegistry;
  /** The config file, for error messages. */
  readonly file?: string;
  /** Parameter and result types read from the steps' source: arguments are validated against them. */
  readonly types?: ProjectTypes;
  /** Code versions of earlier runs, so unchanged step sources are not parsed again. */
  readonly codeVersions?: CodeVersionMemo;
  /**
   * Follows the code each step reaches (helpers, imported modules, classes its config builds,
   * package versions) into its version. Without it, a version covers the step function alone.
   */
  readonly codeGraph?: CodeGraph;
  /** What relative `module:Export` references are relative to (default: the working directory). */
  readonly cwd?: string;
}

/**
 * The DAG of a workflow config: every step with its dependencies and fingerprint, in an order
 * where each step comes after the steps it reads.
 */
export class WorkflowGraph {
  readonly #nodes: ReadonlyMap<string, StepNode>;
  /** Step names, dependencies first; ties keep config order. */
  readonly order: readonly string[];
  readonly config: WorkflowConfig;

  private constructor(
    nodes: ReadonlyMap<string, StepNode>,
    order: readonly string[],
    config: WorkflowConfig,
  ) {
    this.#nodes = nodes;
    this.order = order;
    this.config = config;
  }

  /** Builds the graph, or throws one ConfigurationError listing every problem of the config. */
  static build(config: WorkflowConfig, options: BuildGraphOptions): WorkflowGraph {
    const fileOption = options.file === undefined ? {} : { file: options.file };
    // Before any walk over the arguments: validation and fingerprints recurse.
    const tooDeep = configDepthIssues(config);
    if (tooDeep.length > 0) throw new ConfigurationError(tooDeep, fileOption);
    const issues: ConfigIssue[] = stepNameIssues(Object.keys(config.steps));
    const names = new Set(Object.keys(config.steps));
    const refsByStep = new Map<string, StepRef[]>();
    const registeredByStep = new Map<string, RegisteredStep>();

    for (const [name, stepConfig] of Object.entries(config.steps)) {
      const registered = options.steps.get(stepConfig.type);
      if (registered === undefined) {
        const known = options.steps.names();
        const suggestion = closestName(stepConfig.type, known);
        issues.push({
          path: `steps.${name}.type`,
          message:
            `unknown step type "${stepConfig.type}"` +
            (suggestion === undefined ? "" : `; did you mean "${suggestion}"?`) +
            ` (registered: ${known.length === 0 ? "none; list your modules in required_modules of formed.yml" : known.join(", ")})`,
        });
      } else {
        registeredByStep.set(name, registered);
      }
      refsByStep.set(name, collectRefs(name, stepConfig, names, issues));
    }

    const order = topologicalOrder(Object.keys(config.steps), refsByStep, issues);
    if (options.types !== undefined) {
      const stepTypeOf = (name: string) => registeredByStep.get(name)?.name;
      issues.push(...validateFieldRefs(refsByStep, stepTypeOf, options.types));
      issues.push(...validateGraphArguments(config, stepTypeOf, options.types));
    }
    if (issues.length > 0) throw new ConfigurationError(issues, fileOption);

    const nodes = new Map<string, StepNode>();
    const versions = new StepVersions({
      ...(options.codeVersions === undefined ? {} : { codeVersions: options.codeVersions }),
      ...(options.codeGraph === undefined ? {} : { codeGraph: options.codeGraph }),
      ...(options.types === undefined ? {} : { types: options.types }),
      ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    });
    for (const name of order) {
      const stepConfig = config.steps[name]!;
      const registered = registeredByStep.get(name)!;
      const refs = refsByStep.get(name)!;
      const { step } = registered;
      let format: ReturnType<FormatRegistry["resolve"]>;
      try {
        format = options.formats.resolve(step.options.format ?? "auto");
      } catch (error) {
        throw new ConfigurationError([{ path: `steps.${name}`, message: (error as Error).message }], {
          ...(options.file === undefined ? {} : { file: options.file }),
          cause: error,
        });
      }
      const deterministic = step.options.deterministic ?? true;
      const cacheable = step.options.cacheable;
      const { version, code, stepCode } = versions.of(registered, stepConfig);
      const ignored = new Set([
        ...code.ignoredArguments,
        ...ignoredArgumentsOf(options.types, registered.name),
      ]);
      const keyArguments: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(stepConfig)) {
        if (key !== "type" && !ignored.has(key)) keyArguments[key] = value;
      }
      nodes.set(name, {
        name,
        type: registered.name,
        registered,
        config: stepConfig,
        refs,
        dependencies: [...new Set(refs.map((ref) => ref.step))],
        version,
        deterministic,
        cacheable,
        shouldBeCached: cacheable ?? deterministic,
        memoized: !name.endsWith("!"),
        format,
        resources: step.options.resources ?? {},
        ignoredArguments: [...ignored],
        key: {
          type: registered.name,
          version,
          explicitVersion: step.options.version !== undefined,
          deterministic,
          cacheable,
          format: format.identifier,
          arguments: keyArguments,
          refs,
          ...(stepCode === undefined ? {} : { code: stepCode }),
        },
      });
    }
    return new WorkflowGraph(nodes, order, config);
  }

  get(name: string): StepNode | undefined {
    return this.#nodes.get(name);
  }

  /** Nodes in execution order. */
  nodes(): StepNode[] {
    return this.order.map((name) => this.#nodes.get(name)!);
  }

  get size(): number {
    return this.order.length;
  }

  /** The named steps and everything they depend on, in execution order. Unknown names throw. */
  closure(targets: readonly string[], option = "--step"): StepNode[] {
    const wanted = new Set<string>();
    const unknown = targets.filter((target) => !this.#nodes.has(target));
    if (unknown.length > 0) {
      throw new ConfigurationError(
        unknown.map((target) => {
          const suggestion = closestName(target, this.order);
          return {
            path: `steps.${target}`,
            message: `${option} names no step of this workflow${suggestion === undefined ? "" : `; did you mean "${suggestion}"?`}`,
          };
        }),
      );
    }
    const visit = (name: string): void => {
      if (wanted.has(name)) return;
      wanted.add(name);
      for (const dependency of this.#nodes.get(name)!.dependencies) visit(dependency);
    };
    for (const target of targets) visit(target);
    return this.nodes().filter((node) => wanted.has(node.name));
  }

  /** Names of the steps that read `name`'s result. */
  dependents(name: string): string[] {
    return this.order.filter((other) => this.#nodes.get(other)!.dependencies.includes(name));
  }
}

function collectRefs(
  name: string,
  stepConfig: Record<string, unknown>,
  names: Set<string>,
  issues: ConfigIssue[],
) {
  const refs: StepRef[] = [];
  for (const [key, value] of Object.entries(stepConfig)) {
    if (key === "type") continue;
    forEachRef(
      value,
      (ref, path) => {
        const where = `steps.${name}.${formatPath(path)}`;
        const extra = Object.keys(ref).filter((k) => k !== "type" && k !== "ref");
        if (typeof ref.ref !== "string" || ref.ref === "") {
          issues.push({
            path: where,
            message: `a ref needs "ref": "<step name>", got ${JSON.stringify(ref.ref)}`,
          });
          return;
        }
        if (extra.length > 0) {
          issues.push({
            path: where,
            message: `a ref takes only "type" and "ref", got also ${JSON.stringify(extra)}`,
          });
        }
        const parsed = parseRef(ref.ref, names);
        if (parsed === undefined) {
          const suggestion = closestName(ref.ref.split(".")[0] ?? ref.ref, [...names]);
          issues.push({
            path: where,
            message: `ref "${ref.ref}" names no step of this workflow${suggestion === undefined ? "" : `; did you mean "${suggestion}"?`}`,
          });
          return;
        }
        const badField = parsed.field.find((key) => key === "" || FORBIDDEN_FIELDS.has(key));
        if (badField !== undefined) {
          issues.push({
            path: where,
            message:
              badField === ""
                ? `ref "${ref.ref}" has an empty field name; write "<step>.<field>.<field>"`
                : `ref "${ref.ref}" reads "${badField}", which is never a field of a result (${[...FORBIDDEN_FIELDS].join(", ")} are refused)`,
          });
          return;
        }
        refs.push({ step: parsed.step, field: parsed.field, path });
      },
      [key],
    );
  }
  return refs;
}

/** Kahn's algorithm in config order; a cycle is reported with its path, once per cycle. */
function topologicalOrder(
  names: string[],
  refsByStep: Map<string, StepRef[]>,
  issues: ConfigIssue[],
): string[] {
  const dependencies = new Map(
    names.map((name) => [name, new Set((refsByStep.get(name) ?? []).map((r) => r.step))]),
  );
  // Kahn's algorithm; among the steps ready to run, the one first in the config goes first.
  const position = new Map(names.map((name, index) => [name, index]));
  const waitingOn = new Map(names.map((name) => [name, dependencies.get(name)!.size]));
  const readers = new Map<string, string[]>(names.map((name) => [name, []]));
  for (const name of names) {
    for (const dependency of dependencies.get(name)!) readers.get(dependency)?.push(name);
  }
  const ready = new MinHeap<number>();
  for (const name of names) if (waitingOn.get(name) === 0) ready.push(position.get(name)!);
  const order: string[] = [];
  const done = new Set<string>();
  while (ready.size > 0) {
    const name = names[ready.pop()!]!;
    done.add(name);
    order.push(name);
    for (const reader of readers.get(name)!) {
      const left = waitingOn.get(reader)! - 1;
      waitingOn.set(reader, left);
      if (left === 0) ready.push(position.get(reader)!);
    }
  }
  if (order.length === names.length) return order;

  const reported = new Set<string>();
  for (const start of names) {
    if (done.has(start) || reported.has(start)) continue;
    const cycle = findCycle(start, dependencies, done);
    if (cycle === undefined) continue;
    const key = [...cycle].sort().join("\0");
    if (cycle.some((name) => reported.has(name)) && reported.has(key)) continue;
    reported.add(key);
    for (const name of cycle) reported.add(name);
    issues.push({
      path: `steps.${cycle[0]}`,
      message: `dependency cycle: ${[...cycle, cycle[0]].join(" -> ")}`,
    });
  }
  return order;
}

function findCycle(
  start: string,
  dependencies: Map<string, Set<string>>,
  done: Set<string>,
): string[] | undefined {
  const stack: string[] = [];
  const onStack = new Set<string>();
  const seen = new Set<string>();
  const visit = (name: string): string[] | undefined => {
    if (onStack.has(name)) return stack.slice(stack.indexOf(name));
    if (seen.has(name) || done.has(name)) return undefined;
    seen.add(name);
    stack.push(name);
    onStack.add(name);
    for (const dependency of dependencies.get(name) ?? []) {
      const cycle = visit(dependency);
      if (cycle !== undefined) return cycle;
    }
    stack.pop();
    onStack.delete(name);
    return undefined;
  };
  return visit(start);
}

/** A binary min-heap of numbers: the ready steps by config position. */
class MinHeap<T extends number> {
  readonly #items: T[] = [];

  get size(): number {
    return this.#items.length;
  }

  push(item: T): void {
    const items = this.#items;
    items.push(item);
    let index = items.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (items[parent]! <= item) break;
      items[index] = items[parent]!;
      index = parent;
    }
    items[index] = item;
  }

  pop(): T | undefined {
    const items = this.#items;
    const top = items[0];
    const last = items.pop();
    if (items.length === 0 || last === undefined) return top;
    let index = 0;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= items.length) break;
      const right = left + 1;
      const child = right < items.length && items[right]! < items[left]! ? right : left;
      if (items[child]! >= last) break;
      items[index] = items[child]!;
      index = child;
    }
    items[index] = last;
    return top;
  }
}

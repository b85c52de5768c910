/**
 * A step's code version, as the graph gives it to each `StepNode`: its explicit `version`, else
 * the hash of all the code it reaches (its function, the classes its config builds, what they
 * import: the code graph), else its function's own hash. One place, so that a `formed worker`
 * checking a job's version from its own checkout computes it exactly as the scheduler did.
 */
import { isAbsolute } from "node:path";
import { fileURLToPath } from "node:url";
import type { StepConfig } from "../config/workflow-config.js";
import type { CodeGraph, CodeRoot, StepCode } from "../fingerprint/code-graph/code-graph.js";
import { type CodeInfo, codeVersion } from "../fingerprint/code-version.js";
import type { CodeVersionMemo } from "../fingerprint/code-version-memo.js";
import { canonicalJson } from "../fingerprint/fingerprint.js";
import type { RegisteredStep } from "../step/registry.js";
import type { ProjectTypes } from "../types/type-description.js";
import { configBuiltRoots } from "./config-built-code.js";

export interface StepVersionSources {
  /** Code versions of earlier runs, so unchanged step sources are not parsed again. */
  readonly codeVersions?: CodeVersionMemo;
  /** Follows the code each step reaches; without it, a version covers the step function alone. */
  readonly codeGraph?: CodeGraph;
  /** What the config builds for a step (its classes are roots of its code). */
  readonly types?: ProjectTypes;
  /** What relative `module:Export` references are relative to (default: the working directory). */
  readonly cwd?: string;
}

export interface StepVersion {
  readonly version: string;
  /** The step function's own code information (its ignored arguments among it). */
  readonly code: CodeInfo;
  /** All the code it reaches, when the code graph was followed (no explicit version). */
  readonly stepCode?: StepCode;
}

/** Versions of steps, each step function parsed once and each set of roots walked once. */
export class StepVersions {
  readonly #sources: StepVersionSources;
  readonly #codes = new Map<RegisteredStep, CodeInfo>();
  // Steps of one type with the same config-built classes reach the same code: walked once.
  readonly #stepCodes = new Map<string, StepCode>();

  constructor(sources: StepVersionSources) {
    this.#sources = sources;
  }

  of(registered: RegisteredStep, stepConfig: StepConfig): StepVersion {
    const { step } = registered;
    let code = this.#codes.get(registered);
    if (code === undefined) {
      code = codeVersion(
        {
          ...(registered.module === undefined ? {} : { file: registered.module.file }),
          ...(registered.exportName === undefined ? {} : { exportName: registered.exportName }),
          ...(step.definedAt === undefined ? {} : { definedAt: step.definedAt }),
          fnText: step.fn.toString(),
        },
        this.#sources.codeVersions,
      );
      this.#codes.set(registered, code);
    }
    let stepCode: StepCode | undefined;
    const { codeGraph, types, cwd } = this.#sources;
    if (step.options.version === undefined && codeGraph !== undefined) {
      const roots = [
        stepRoot(registered, code),
        ...configBuiltRoots(types, registered.name, stepConfig, cwd ?? process.cwd()),
      ];
      const rootsKey = canonicalJson(roots);
      stepCode = this.#stepCodes.get(rootsKey);
      if (stepCode === undefined) {
        stepCode = codeGraph.stepCode(roots);
        this.#stepCodes.set(rootsKey, stepCode);
      }
    }
    const version = step.options.version ?? stepCode?.version ?? code.version;
    return { version, code, ...(stepCode === undefined ? {} : { stepCode }) };
  }
}

/** Where the step's own code starts: its export, or the function found where `step()` was called. */
function stepRoot(registered: RegisteredStep, code: CodeInfo): CodeRoot {
  const file = registered.module?.file;
  if (code.located === "export" && file !== undefined && registered.exportName !== undefined) {
    return { kind: "export", specifier: file, from: file, exportName: registered.exportName };
  }
  const site = code.located === "call-site" ? registered.step.definedAt?.file : undefined;
  const siteFile = site?.startsWith("file:") ? fileURLToPath(site) : site;
  return {
    kind: "function",
    name: `step ${registered.name}`,
    ...(siteFile === undefined || !isAbsolute(siteFile) ? {} : { file: siteFile }),
    hash: code.version,
    // Found by its text alone, its free names cannot be resolved: its own hash is all there is.
    references: (code.located === "call-site" ? code.references : undefined) ?? NO_REFERENCES,
  };
}

const NO_REFERENCES = { names: [], members: {}, bare: [], dynamicImports: [], computedImports: [] };

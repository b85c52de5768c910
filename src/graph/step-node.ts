import type { StepConfig } from "../config/workflow-config.js";
import type { StaticKeyParts } from "../fingerprint/step-key.js";
import type { Format } from "../format/format.js";
import type { RegisteredStep } from "../step/registry.js";
import type { StepRef } from "./ref.js";

/** One step of a graph, live: it can run, its step function is loaded. */
export interface StepNode {
  /** The step's name in the config (`steps.NAME`). */
  readonly name: string;
  /** The registered step type (`type` in config). */
  readonly type: string;
  readonly registered: RegisteredStep;
  readonly config: StepConfig;
  /** Every ref inside the config, with its path. */
  readonly refs: readonly StepRef[];
  /** The names of the steps this one reads, once each, in config order. */
  readonly dependencies: readonly string[];
  readonly version: string;
  readonly deterministic: boolean;
  readonly cacheable: boolean | undefined;
  /** Whether the result goes to the cache: cacheable, or by default deterministic. */
  readonly shouldBeCached: boolean;
  /** A name ending in `!` opts out of the in-run memo: each dependent runs the step again. */
  readonly memoized: boolean;
  readonly format: Format;
  /** What it holds while it computes (`step({ resources })`); empty for most steps. */
  readonly resources: Readonly<Record<string, number>>;
  readonly ignoredArguments: readonly string[];
  /**
   * What the step's fingerprint is made of before anything runs; the fingerprint itself also
   * needs the digests of the results it reads, so it is made when they exist (`makeStepKey`).
   */
  readonly key: StaticKeyParts;
}

/** The ProjectTypes of the examples (quick start and Euler), as the analyzer reads their steps.ts. */
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { GoJsonnetEngine } from "../../../src/jsonnet/go-jsonnet.js";
import { analyzeProjectTypes } from "../../../src/types/analyzer/index.js";
import type { ProjectTypes } from "../../../src/types/type-description.js";

/** Registered name -> export name in steps.ts, as `required_modules: [./steps.ts]` registers them. */
const STEPS = {
  collatz: {
    generateCollatz: "generateCollatz",
    countSteps: "countSteps",
    peak: "peak",
    "my::summarize": "summarize",
    report: "report",
  },
  euler: {
    sumOfMultiples: "sumOfMultiples",
    fibonacci: "fibonacci",
    sumOfEven: "sumOfEven",
    primes: "primes",
    largestPrimeFactor: "largestPrimeFactor",
    nthPrime: "nthPrime",
    collect: "collect",
    report: "report",
  },
} as const;

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

export type Example = keyof typeof STEPS;

export function exampleDir(example: Example): string {
  return join(REPO_ROOT, "examples", example);
}

export function exampleTypes(example: Example): Promise<ProjectTypes> {
  return analyzeProjectTypes({
    cwd: exampleDir(example),
    steps: Object.entries(STEPS[example]).map(([name, exportName]) => ({
      name,
      file: "steps.ts",
      exportName,
    })),
  });
}

/** The example's config.jsonnet evaluated, as `formed workflow check` reads it. */
export async function exampleConfig(
  example: Example,
): Promise<{ steps: Record<string, Record<string, unknown>> }> {
  return (await new GoJsonnetEngine().evaluateFile(join(exampleDir(example), "config.jsonnet"))) as never;
}

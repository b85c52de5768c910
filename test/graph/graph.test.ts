import { describe, expect, it } from "vitest";
import { ConfigurationError } from "../../src/errors.js";
import { makeStepKey, refPathKey } from "../../src/fingerprint/step-key.js";
import { WorkflowGraph } from "../../src/graph/graph.js";
import { visualizeGraph } from "../../src/graph/visualize.js";
import { step } from "../../src/step/step.js";
import { registries } from "../support/registries.js";

const add = step(({ a, b }: { a: number; b: number }) => a + b);
const double = step(({ x }: { x: number }) => x * 2);
const both = step(({ x, y }: { x: number; y: number }) => ({ x, y }));
const ref = (name: string) => ({ type: "ref", ref: name });

function build(steps: Record<string, Record<string, unknown>>) {
  return WorkflowGraph.build({ steps } as never, registries({ add, double, both }));
}

/** A step's fingerprint when every result it reads has the digest `digest`. */
function fingerprintOf(graph: WorkflowGraph, name: string, digest = "d1"): string {
  const node = graph.get(name)!;
  return makeStepKey(node.key, new Map(node.refs.map((r) => [refPathKey(r.path), digest]))).fingerprint;
}

function issuesOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return (error as ConfigurationError).issues.map((issue) => `[${issue.path}] ${issue.message}`);
  }
  throw new Error("expected a ConfigurationError");
}

describe("WorkflowGraph.build", () => {
  it("orders steps after the steps they read; among ready steps, the first in the config goes first", () => {
    const graph = build({
      c: { type: "double", x: ref("b") },
      b: { type: "double", x: ref("a") },
      a: { type: "add", a: 1, b: 2 },
      z: { type: "add", a: 0, b: 0 },
    });
    expect(graph.order).toEqual(["a", "b", "c", "z"]);
    expect(graph.get("c")?.dependencies).toEqual(["b"]);
  });

  it("orders a long chain written backwards", () => {
    const steps: Record<string, Record<string, unknown>> = {};
    for (let i = 3000; i >= 1; i--) steps[`s${i}`] = { type: "double", x: ref(`s${i - 1}`) };
    steps.s0 = { type: "add", a: 1, b: 1 };
    const graph = build(steps);
    expect(graph.order).toEqual(Array.from({ length: 3001 }, (_, i) => `s${i}`));
  });

  it("reports unknown types, missing refs and malformed refs all at once, with paths", () => {
    const issues = issuesOf(() =>
      build({
        a: { type: "ad", a: 1, b: 2 },
        b: { type: "double", x: ref("nope") },
        c: { type: "both", x: { type: "ref", ref: 3 }, y: { type: "ref", ref: "a", extra: true } },
      }),
    );
    expect(issues).toHaveLength(4);
    expect(issues[0]).toMatch(/^\[steps\.a\.type\] unknown step type "ad"; did you mean "add"\?/);
    expect(issues).toContain('[steps.b.x] ref "nope" names no step of this workflow');
    expect(issues).toContain('[steps.c.x] a ref needs "ref": "<step name>", got 3');
    expect(issues).toContain('[steps.c.y] a ref takes only "type" and "ref", got also ["extra"]');
  });

  it("reports each cycle once, with its path", () => {
    const issues = issuesOf(() =>
      build({
        a: { type: "double", x: ref("b") },
        b: { type: "double", x: ref("a") },
        free: { type: "add", a: 1, b: 1 },
        self: { type: "double", x: ref("self") },
      }),
    );
    expect(issues).toEqual([
      "[steps.a] dependency cycle: a -> b -> a",
      "[steps.self] dependency cycle: self -> self",
    ]);
  });

  it("splits field refs at the longest step name, so step names may contain dots", () => {
    const graph = build({
      "data.v1": { type: "both", x: 1, y: 2 },
      out: { type: "double", x: ref("data.v1.x") },
    });
    expect(graph.get("out")?.refs).toEqual([{ step: "data.v1", field: ["x"], path: ["x"] }]);
  });

  it("gives fingerprints that ignore key order and config names, follow arguments, and read upstream by content", () => {
    const base = build({ a: { type: "add", a: 1, b: 2 }, d: { type: "double", x: ref("a") } });
    const reordered = build({ a: { b: 2, type: "add", a: 1 }, d: { type: "double", x: ref("a") } });
    const renamed = build({ first: { type: "add", a: 1, b: 2 }, d: { type: "double", x: ref("first") } });
    const changed = build({ a: { type: "add", a: 1, b: 3 }, d: { type: "double", x: ref("a") } });
    expect(fingerprintOf(reordered, "a")).toBe(fingerprintOf(base, "a"));
    expect(fingerprintOf(renamed, "d")).toBe(fingerprintOf(base, "d"));
    expect(fingerprintOf(changed, "a")).not.toBe(fingerprintOf(base, "a"));
    // Early cutoff: a reader's key follows the content it reads, not how that content was made.
    expect(fingerprintOf(changed, "d")).toBe(fingerprintOf(base, "d"));
    expect(fingerprintOf(base, "d", "d2")).not.toBe(fingerprintOf(base, "d"));
  });

  it("covers the step flags and the format in the fingerprint", () => {
    const flagged = step({ deterministic: false }, ({ a, b }: { a: number; b: number }) => a + b);
    const json = step({ format: "json" }, ({ a, b }: { a: number; b: number }) => a + b);
    const config = { steps: { a: { type: "add", a: 1, b: 2 } } } as never;
    const fingerprintWith = (fn: typeof add) =>
      fingerprintOf(WorkflowGraph.build(config, registries({ add: fn })), "a");
    const plain = fingerprintWith(step(({ a, b }: { a: number; b: number }) => a + b));
    expect(fingerprintWith(flagged)).not.toBe(plain);
    expect(fingerprintWith(json)).not.toBe(plain);
    const node = WorkflowGraph.build(config, registries({ add: flagged })).get("a")!;
    expect(node.shouldBeCached).toBe(false);
  });

  it("selects a step and its dependencies with closure, and rejects unknown names", () => {
    const graph = build({
      a: { type: "add", a: 1, b: 2 },
      b: { type: "double", x: ref("a") },
      c: { type: "double", x: ref("b") },
      other: { type: "add", a: 0, b: 0 },
    });
    expect(graph.closure(["b"]).map((node) => node.name)).toEqual(["a", "b"]);
    expect(issuesOf(() => graph.closure(["bb"]))).toEqual([
      '[steps.bb] --step names no step of this workflow; did you mean "b"?',
    ]);
  });

  it("draws the DAG with shared steps once", () => {
    const graph = build({
      a: { type: "add", a: 1, b: 2 },
      b: { type: "double", x: ref("a") },
      c: { type: "both", x: ref("a"), y: ref("b") },
    });
    expect(visualizeGraph(graph, (name) => (name === "a" ? "[cached]" : ""))).toBe(
      ["• c", "  ├─ a  [cached]", "  └─ b", "     └─ a (see above)", ""].join("\n"),
    );
  });
});

/**
 * What every organizer must do. Each organizer's test file calls `describeOrganizerConformance`
 * with a factory that gives a fresh, empty organizer (its own folder, experiment, ...).
 */
import { afterEach, describe, expect, it } from "vitest";
import { FormedError } from "../../src/errors.js";
import { WorkflowGraph } from "../../src/graph/graph.js";
import { collectMetadata } from "../../src/organizer/metadata.js";
import type { WorkflowOrganizer } from "../../src/organizer/organizer.js";
import { type Step, step } from "../../src/step/step.js";
import { ExecutionRecords } from "../../src/workflow/execution-records.js";
import { rejection } from "../support/files.js";
import { registries } from "../support/registries.js";

export interface OrganizerHarness {
  organizer: WorkflowOrganizer;
  cleanup(): Promise<void>;
}

const ref = (name: string) => ({ type: "ref", ref: name });
const metadata = collectMetadata({ cwd: process.cwd() });

/** Steps that count their calls, so a test can tell a cached step from a computed one. */
function countingSteps() {
  const calls: string[] = [];
  const steps: Record<string, Step> = {
    numbers: step(function* ({ n }: { n: number }) {
      calls.push("numbers");
      for (let i = 1; i <= n; i++) yield i;
    }),
    total: step(({ xs, scale }: { xs: Iterable<number>; scale: number }) => {
      calls.push("total");
      let sum = 0;
      for (const x of xs) sum += x;
      let count = 0;
      for (const _ of xs) count++;
      return { sum: sum * scale, count };
    }),
    boom: step(({ after }: { after: unknown }) => {
      calls.push("boom");
      throw new Error(`kaboom after ${JSON.stringify(after)}`);
    }),
  };
  return { calls, steps };
}

export function describeOrganizerConformance(name: string, make: () => Promise<OrganizerHarness>): void {
  describe(`${name} organizer conformance`, () => {
    const harnesses: OrganizerHarness[] = [];
    afterEach(async () => {
      await Promise.all(harnesses.splice(0).map((harness) => harness.cleanup()));
    });
    async function organizer(): Promise<WorkflowOrganizer> {
      const harness = await make();
      harnesses.push(harness);
      return harness.organizer;
    }
    function graph(steps: Record<string, Step>, config: Record<string, Record<string, unknown>>) {
      const built = registries(steps);
      return { graph: WorkflowGraph.build({ steps: config } as never, built), formats: built.formats };
    }

    it(`has kind "${name}"`, async () => {
      expect((await organizer()).kind).toBe(name);
    });

    it("records a run, loads it back with get(), and reads results", async () => {
      const org = await organizer();
      const { calls, steps } = countingSteps();
      const { graph: g, formats } = graph(steps, {
        numbers: { type: "numbers", n: 4 },
        total: { type: "total", xs: ref("numbers"), scale: 10 },
      });
      const result = await org.run(g, { metadata, executionId: "first" });
      expect(result.error).toBeUndefined();
      expect(calls).toEqual(["numbers", "total"]);
      expect(result.execution.state.status).toBe("completed");
      expect(result.execution.steps.numbers?.status).toBe("completed");

      const loaded = await org.get("first");
      expect(loaded).toBeDefined();
      expect(loaded?.id).toBe("first");
      expect(loaded?.graph).toEqual(result.execution.graph);
      expect(loaded?.metadata).toEqual(JSON.parse(JSON.stringify(metadata)));
      expect(loaded?.state).toEqual(result.execution.state);
      expect(loaded?.steps).toEqual(result.execution.steps);
      expect(loaded?.graph.order).toEqual(["numbers", "total"]);

      expect(await org.readResult(loaded!, "total", formats)).toEqual({ sum: 100, count: 4 });
      const numbers = (await org.readResult(loaded!, "numbers", formats)) as Iterable<number>;
      expect([...numbers]).toEqual([1, 2, 3, 4]);
      expect([...numbers]).toEqual([1, 2, 3, 4]);
      const missing = await rejection(org.readResult(loaded!, "nope", formats));
      expect(missing.code).toBe("E_NOT_FOUND");
    });

    it("reuses cached results in a later execution without calling the steps", async () => {
      const org = await organizer();
      const { calls, steps } = countingSteps();
      const config = {
        numbers: { type: "numbers", n: 3 },
        total: { type: "total", xs: ref("numbers"), scale: 2 },
      };
      await org.run(graph(steps, config).graph, { metadata, executionId: "one" });
      calls.length = 0;
      const again = await org.run(graph(steps, config).graph, { metadata, executionId: "two" });
      expect(again.error).toBeUndefined();
      expect(calls).toEqual([]);
      expect(again.execution.steps.numbers?.status).toBe("cached");
      expect(again.execution.steps.total?.status).toBe("cached");
      expect((await org.get("two"))?.steps.total?.status).toBe("cached");
    });

    it("lists its executions newest first with step counts, and diffs two of them", async () => {
      const org = await organizer();
      const { steps } = countingSteps();
      const config = (scale: number) => ({
        numbers: { type: "numbers", n: 3 },
        total: { type: "total", xs: ref("numbers"), scale },
      });
      await org.run(graph(steps, config(1)).graph, { metadata, executionId: "older" });
      await org.run(graph(steps, config(5)).graph, { metadata, executionId: "newer" });
      await org.run(graph(steps, { ...config(1), boom: { type: "boom", after: ref("total") } }).graph, {
        metadata,
        executionId: "broken",
      });
      const records = ExecutionRecords.of(org);
      const list = await records.list();
      expect(list.map((summary) => [summary.id, summary.status])).toEqual([
        ["broken", "failure"],
        ["newer", "completed"],
        ["older", "completed"],
      ]);
      expect(list.map((summary) => summary.steps)).toEqual([
        { total: 3, ran: 0, reused: 2, failed: 1, canceled: 0 },
        { total: 2, ran: 1, reused: 1, failed: 0, canceled: 0 },
        { total: 2, ran: 2, reused: 0, failed: 0, canceled: 0 },
      ]);
      const diff = await records.diff("older", "newer");
      expect(diff.steps.map((step) => [step.name, step.result])).toEqual(
        org.inventory === undefined
          ? [
              ["numbers", "unknown"],
              ["total", "unknown"],
            ]
          : [
              ["numbers", "same-result"],
              ["total", "different-result"],
            ],
      );
      expect(diff.steps[1]?.differences).toContainEqual({
        kind: "argument",
        path: "steps.total.scale",
        old: 1,
        new: 5,
      });
      expect((await rejection(records.get("nope"))).code).toBe("E_EXECUTION");
    });

    it("records a failed step and execution, and keeps what finished before it", async () => {
      const org = await organizer();
      const { calls, steps } = countingSteps();
      const { graph: g, formats } = graph(steps, {
        numbers: { type: "numbers", n: 2 },
        total: { type: "total", xs: ref("numbers"), scale: 1 },
        boom: { type: "boom", after: ref("total") },
      });
      const result = await org.run(g, { metadata, executionId: "failing" });
      expect(result.error).toBeInstanceOf(FormedError);
      expect(calls).toEqual(["numbers", "total", "boom"]);
      const loaded = await org.get("failing");
      expect(loaded?.state.status).toBe("failure");
      expect(loaded?.state.error).toContain("kaboom");
      expect(loaded?.steps.boom?.status).toBe("failure");
      expect(loaded?.steps.boom?.error).toContain("kaboom");
      expect(loaded?.steps.total?.status).toBe("completed");
      expect(await org.readResult(loaded!, "total", formats)).toEqual({ sum: 3, count: 2 });
    });

    it("refuses a taken execution id and leaves the first execution as it was", async () => {
      const org = await organizer();
      const { steps } = countingSteps();
      const { graph: g } = graph(steps, { numbers: { type: "numbers", n: 1 } });
      await org.run(g, { metadata, executionId: "taken" });
      const before = await org.get("taken");
      const error = await rejection(org.run(g, { metadata, executionId: "taken" }));
      expect(error.code).toBe("E_EXECUTION");
      expect(error.message).toContain("taken");
      expect(await org.get("taken")).toEqual(before);
      expect(await org.list()).toEqual(["taken"]);
    });

    it("lists executions oldest first and removes one", async () => {
      const org = await organizer();
      const { steps } = countingSteps();
      const { graph: g, formats } = graph(steps, { numbers: { type: "numbers", n: 5 } });
      await org.run(g, { metadata, executionId: "a1" });
      await org.run(g, { metadata, executionId: "b2" });
      expect(await org.list()).toEqual(["a1", "b2"]);
      await org.remove("a1");
      expect(await org.list()).toEqual(["b2"]);
      expect(await org.get("a1")).toBeUndefined();
      expect((await rejection(org.remove("a1"))).code).toBe("E_EXECUTION");
      // Removing an execution forgets its record, not the cached results.
      const kept = await org.get("b2");
      expect([...((await org.readResult(kept!, "numbers", formats)) as Iterable<number>)]).toEqual([
        1, 2, 3, 4, 5,
      ]);
    });

    it("gives each fingerprint its own stable workdir", async () => {
      const org = await organizer();
      expect(org.workdir("abcdef0123")).toBe(org.workdir("abcdef0123"));
      expect(org.workdir("abcdef0123")).not.toBe(org.workdir("0123abcdef"));
      expect(await org.get("never")).toBeUndefined();
    });
  });
}

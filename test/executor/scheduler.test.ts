import { describe, expect, it } from "vitest";
import type { ResourceRequest } from "../../src/executor/resource-gate.js";
import { ExecutionCanceledError } from "../../src/executor/run-fault.js";
import {
  NotStartedError,
  type ScheduleResult,
  type SchedulerOptions,
  schedule,
} from "../../src/executor/scheduler.js";

/** Lets every pending promise callback run (no timers, no timing). */
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

interface FakeStep {
  readonly name: string;
  readonly dependencies: readonly string[];
  /** Asked of `slot.acquire` once the task has started. */
  readonly resources?: ResourceRequest;
}

const s = (name: string, dependencies: string[] = [], resources?: ResourceRequest): FakeStep => ({
  name,
  dependencies,
  ...(resources === undefined ? {} : { resources }),
});

interface Deferred {
  readonly promise: Promise<void>;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((yes, no) => {
    resolve = yes;
    reject = no;
  });
  return { promise, resolve, reject };
}

/**
 * Runs `schedule` over fake tasks: each records "start X", acquires its resources (recording
 * "acquired X"), then waits until the test calls `finish(X)` or `fail(X, error)`, and records
 * "end X" (or "failed X"). `auto`: tasks finish by themselves, in a microtask.
 */
function harness(steps: readonly FakeStep[], options: SchedulerOptions, auto = false) {
  const events: string[] = [];
  const running = new Set<string>();
  const holding = new Map<string, number>(); // resource name → tasks holding it now
  let peakRunning = 0;
  let peakHolding = 0;
  const controls = new Map<string, Deferred>();
  const control = (name: string) => {
    let entry = controls.get(name);
    if (entry === undefined) {
      entry = deferred();
      controls.set(name, entry);
    }
    return entry;
  };
  let settled = false;
  const result: Promise<ScheduleResult> = schedule(
    steps,
    async (step, slot) => {
      events.push(`start ${step.name}`);
      running.add(step.name);
      peakRunning = Math.max(peakRunning, running.size);
      try {
        if (step.resources !== undefined) {
          await slot.acquire(step.resources);
          events.push(`acquired ${step.name}`);
          for (const name of Object.keys(step.resources)) {
            holding.set(name, (holding.get(name) ?? 0) + 1);
            peakHolding = Math.max(peakHolding, holding.get(name)!);
          }
        }
        if (auto) await Promise.resolve();
        else await control(step.name).promise;
        events.push(`end ${step.name}`);
      } catch (error) {
        events.push(`failed ${step.name}`);
        throw error;
      } finally {
        running.delete(step.name);
        if (step.resources !== undefined && events.includes(`acquired ${step.name}`)) {
          for (const name of Object.keys(step.resources)) holding.set(name, holding.get(name)! - 1);
        }
      }
    },
    options,
  ).finally(() => {
    settled = true;
  });
  return {
    events,
    running,
    result,
    started: () => events.filter((event) => event.startsWith("start ")).map((event) => event.slice(6)),
    isSettled: () => settled,
    peakRunning: () => peakRunning,
    peakHolding: () => peakHolding,
    finish: async (name: string) => {
      control(name).resolve();
      await flush();
    },
    fail: async (name: string, error: unknown) => {
      control(name).reject(error);
      await flush();
    },
  };
}

describe("schedule", () => {
  it("starts a step only once every step it reads has succeeded", async () => {
    const h = harness([s("a"), s("b"), s("c", ["a", "b"]), s("d", ["c"])], { jobs: 4 });
    await flush();
    expect(h.started()).toEqual(["a", "b"]);
    await h.finish("a");
    expect(h.started()).toEqual(["a", "b"]);
    await h.finish("b");
    expect(h.started()).toEqual(["a", "b", "c"]);
    await h.finish("c");
    expect(h.started()).toEqual(["a", "b", "c", "d"]);
    expect(h.isSettled()).toBe(false);
    await h.finish("d");
    const result = await h.result;
    expect(result.failures.size).toBe(0);
    expect(result.blocked).toEqual([]);
    expect(result.interruption).toBeUndefined();
  });

  it("takes a dependency outside the scheduled steps as done, and counts a repeated one once", async () => {
    const h = harness([s("a"), s("x", ["elsewhere"]), s("y", ["a", "a"])], { jobs: 4 }, true);
    const result = await h.result;
    expect(h.started().sort()).toEqual(["a", "x", "y"]);
    expect(h.events.indexOf("start y")).toBeGreaterThan(h.events.indexOf("end a"));
    expect(result.failures.size).toBe(0);
  });

  it("resolves at once with nothing to run", async () => {
    const result = await schedule([], async () => undefined, { jobs: 2 });
    expect(result).toEqual({ failures: new Map(), blocked: [] });
  });

  it("never runs more than `jobs` tasks at once, and runs them all", async () => {
    const names = ["a", "b", "c", "d", "e", "f"];
    const h = harness(
      names.map((name) => s(name)),
      { jobs: 2 },
    );
    await flush();
    expect(h.started()).toEqual(["a", "b"]);
    for (const name of ["b", "a", "d", "c", "e", "f"]) {
      expect(h.running.size).toBeLessThanOrEqual(2);
      await h.finish(name);
    }
    await h.result;
    expect(h.started().sort()).toEqual(names);
    expect(h.peakRunning()).toBe(2);
  });

  it("treats jobs below 1 as one job", async () => {
    const h = harness([s("a"), s("b"), s("c")], { jobs: 0 }, true);
    await h.result;
    expect(h.peakRunning()).toBe(1);
    expect(h.started()).toEqual(["a", "b", "c"]);
  });

  it("with one job runs the steps one at a time in the given order, a step ready later going before later ones", async () => {
    // s2 becomes ready only when s1 is done, but is run before s3 and s5, which were ready first.
    const steps = [s("s1"), s("s2", ["s1"]), s("s3"), s("s4", ["s2"]), s("s5")];
    const h = harness(steps, { jobs: 1 }, true);
    await h.result;
    expect(h.events).toEqual([
      "start s1",
      "end s1",
      "start s2",
      "end s2",
      "start s3",
      "end s3",
      "start s4",
      "end s4",
      "start s5",
      "end s5",
    ]);
  });

  it("among ready steps, starts them in the given order, not in the order they became ready", async () => {
    const h = harness([s("a"), s("b"), s("late", ["b"]), s("early", ["a"]), s("z")], { jobs: 1 });
    await flush();
    expect(h.started()).toEqual(["a"]);
    await h.finish("a"); // "early" is ready now, but b comes before it in the list
    expect(h.started()).toEqual(["a", "b"]);
    await h.finish("b"); // "late" is ready now; "late" < "early" < "z"
    expect(h.started()).toEqual(["a", "b", "late"]);
    await h.finish("late");
    expect(h.started()).toEqual(["a", "b", "late", "early"]);
    await h.finish("early");
    await h.finish("z");
    await h.result;
    expect(h.started()).toEqual(["a", "b", "late", "early", "z"]);
  });

  it("gives up a task's job slot while it waits in slot.acquire, so another step runs meanwhile", async () => {
    const h = harness([s("gpu", [], { gpu: 1 }), s("cpu")], { jobs: 1, resources: { gpu: 1 } });
    await flush();
    // "gpu" started, gave up its slot to wait for slot + gpu; "cpu" took the slot.
    expect(h.events).toEqual(["start gpu", "start cpu"]);
    await h.finish("cpu");
    expect(h.events).toEqual(["start gpu", "start cpu", "end cpu", "acquired gpu"]);
    await h.finish("gpu");
    expect((await h.result).failures.size).toBe(0);
  });

  it("keeps a task's job slot when it acquires no resources", async () => {
    const h = harness([s("a", [], {}), s("b")], { jobs: 1 });
    await flush();
    expect(h.events).toEqual(["start a", "acquired a"]);
    await h.finish("a");
    await h.finish("b");
    expect(h.events).toEqual(["start a", "acquired a", "end a", "start b", "end b"]);
  });

  it("never lets more tasks hold a resource than its capacity, while the others keep running", async () => {
    const h = harness([s("g1", [], { gpu: 1 }), s("g2", [], { gpu: 1 }), s("g3", [], { gpu: 1 }), s("c")], {
      jobs: 3,
      resources: { gpu: 1 },
    });
    await flush();
    expect(h.started()).toEqual(["g1", "g2", "g3", "c"]);
    expect(h.events.filter((event) => event.startsWith("acquired"))).toEqual(["acquired g1"]);
    await h.finish("c");
    expect(h.events.filter((event) => event.startsWith("acquired"))).toEqual(["acquired g1"]);
    await h.finish("g1");
    expect(h.events.filter((event) => event.startsWith("acquired"))).toEqual(["acquired g1", "acquired g2"]);
    await h.finish("g2");
    await h.finish("g3");
    const result = await h.result;
    expect(result.failures.size).toBe(0);
    expect(h.peakHolding()).toBe(1);
  });

  it("with keepGoing, a failure blocks only the steps that read it, directly or not; the others run", async () => {
    const boom = new Error("boom");
    const steps = [s("a"), s("b", ["a"]), s("c", ["b", "d"]), s("d"), s("e", ["d"]), s("f"), s("g", ["c"])];
    const h = harness(steps, { jobs: 2, keepGoing: true });
    await flush();
    expect(h.started()).toEqual(["a", "d"]);
    await h.fail("a", boom);
    expect(h.started()).toEqual(["a", "d", "f"]);
    await h.finish("d");
    expect(h.started()).toEqual(["a", "d", "f", "e"]);
    await h.finish("f");
    await h.finish("e");
    const result = await h.result;
    expect(h.started()).toEqual(["a", "d", "f", "e"]);
    expect([...result.failures]).toEqual([["a", boom]]);
    expect(result.blocked).toEqual(["b", "c", "g"]);
    expect(result.interruption).toBeUndefined();
  });

  it("with keepGoing, reports every failure in the order they failed", async () => {
    const first = new Error("first");
    const second = new Error("second");
    const h = harness([s("x"), s("y"), s("z"), s("after-y", ["y"])], { jobs: 3, keepGoing: true });
    await flush();
    await h.fail("y", first);
    await h.fail("x", second);
    await h.finish("z");
    const result = await h.result;
    expect([...result.failures]).toEqual([
      ["y", first],
      ["x", second],
    ]);
    expect(result.blocked).toEqual(["after-y"]);
  });

  it("without keepGoing, a failure stops every step not yet started while the running ones finish", async () => {
    const boom = new Error("boom");
    const h = harness([s("a"), s("b"), s("c"), s("d", ["b"])], { jobs: 2 });
    await flush();
    expect(h.started()).toEqual(["a", "b"]);
    await h.fail("a", boom);
    expect(h.started()).toEqual(["a", "b"]); // c waited for a slot: it does not start
    expect(h.isSettled()).toBe(false); // b still runs
    await h.finish("b");
    const result = await h.result;
    expect(h.started()).toEqual(["a", "b"]); // nor d, though b succeeded
    expect(h.events).toContain("end b");
    expect([...result.failures]).toEqual([["a", boom]]);
    expect(result.blocked).toEqual([]);
    expect(result.interruption).toBeUndefined();
  });

  it("without keepGoing, a failure refuses a running task waiting in slot.acquire with NotStartedError, which is no failure", async () => {
    const boom = new Error("boom");
    const refused: unknown[] = [];
    const controls = new Map<string, Deferred>();
    const steps = [s("holder", [], { gpu: 1 }), s("waiter", [], { gpu: 1 }), s("bad")];
    const result = schedule(
      steps,
      async (step, slot) => {
        const control = deferred();
        controls.set(step.name, control);
        if (step.resources !== undefined) {
          await slot.acquire(step.resources).catch((error: unknown) => {
            refused.push(error);
            throw error;
          });
        }
        await control.promise;
      },
      { jobs: 3, resources: { gpu: 1 } },
    );
    await flush();
    controls.get("bad")!.reject(boom);
    await flush();
    expect(refused).toHaveLength(1);
    expect(refused[0]).toBeInstanceOf(NotStartedError);
    controls.get("holder")!.resolve();
    const { failures } = await result;
    expect([...failures]).toEqual([["bad", boom]]);
  });

  it("does not count a task that throws NotStartedError as a failure, nor stop the run for it", async () => {
    const h = harness([s("a"), s("b"), s("after-a", ["a"])], { jobs: 1 });
    await flush();
    await h.fail("a", new NotStartedError());
    expect(h.started()).toEqual(["a", "b"]);
    await h.finish("b");
    const result = await h.result;
    expect(result.failures.size).toBe(0);
    expect(result.blocked).toEqual([]);
    expect(result.interruption).toBeUndefined();
    expect(h.started()).toEqual(["a", "b"]);
  });

  it("on abort starts nothing more, waits for the running tasks and reports the reason as the interruption", async () => {
    const controller = new AbortController();
    const reason = new ExecutionCanceledError();
    const h = harness([s("a"), s("b"), s("c"), s("d", ["a"])], { jobs: 2, signal: controller.signal });
    await flush();
    expect(h.started()).toEqual(["a", "b"]);
    controller.abort(reason);
    await h.finish("a"); // a's reader d does not start, nor c that waited for a slot
    expect(h.started()).toEqual(["a", "b"]);
    expect(h.isSettled()).toBe(false);
    await h.fail("b", new ExecutionCanceledError()); // a running task stops itself: no failure
    const result = await h.result;
    expect(h.started()).toEqual(["a", "b"]);
    expect(result.interruption).toBe(reason);
    expect(result.failures.size).toBe(0);
    expect(result.blocked).toEqual([]);
  });

  it("records a running task's own error after an abort as a failure, keeping the abort as the interruption", async () => {
    const controller = new AbortController();
    const reason = new Error("fault");
    const broke = new Error("broke while stopping");
    const h = harness([s("a"), s("b")], { jobs: 1, keepGoing: true, signal: controller.signal });
    await flush();
    controller.abort(reason);
    await h.fail("a", broke);
    const result = await h.result;
    expect(h.started()).toEqual(["a"]);
    expect(result.interruption).toBe(reason);
    expect([...result.failures]).toEqual([["a", broke]]);
  });

  it("starts nothing when the signal is aborted before it runs", async () => {
    const controller = new AbortController();
    controller.abort("gone");
    const h = harness([s("a"), s("b")], { jobs: 2, signal: controller.signal }, true);
    const result = await h.result;
    expect(h.started()).toEqual([]);
    expect(result.interruption).toBe("gone");
    expect(result.failures.size).toBe(0);
  });

  it("refuses a task waiting in slot.acquire when the run is aborted", async () => {
    const controller = new AbortController();
    const h = harness([s("holder", [], { gpu: 1 }), s("waiter", [], { gpu: 1 })], {
      jobs: 2,
      resources: { gpu: 1 },
      signal: controller.signal,
    });
    await flush();
    expect(h.events).toEqual(["start holder", "start waiter", "acquired holder"]);
    controller.abort(new ExecutionCanceledError());
    await flush();
    expect(h.events).toContain("failed waiter");
    expect(h.events).not.toContain("acquired waiter");
    await h.finish("holder");
    const result = await h.result;
    expect(result.failures.size).toBe(0);
    expect(result.interruption).toBeInstanceOf(ExecutionCanceledError);
  });
});

import { describe, expect, it } from "vitest";
import { type Release, ResourceGate, type ResourceRequest } from "../../src/executor/resource-gate.js";

/** Lets every pending promise callback run (no timers, no timing). */
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Requests granted so far, in order, with their releases. */
function tracker(gate: ResourceGate) {
  const granted: string[] = [];
  const releases = new Map<string, Release>();
  const rejected = new Map<string, unknown>();
  const request = (label: string, resources: ResourceRequest, priority: number) => {
    gate.acquire(resources, priority).then(
      (release) => {
        granted.push(label);
        releases.set(label, release);
      },
      (error: unknown) => rejected.set(label, error),
    );
  };
  const release = (label: string) => {
    const free = releases.get(label);
    if (free === undefined) throw new Error(`${label} was not granted`);
    free();
  };
  return { granted, rejected, request, release };
}

describe("ResourceGate", () => {
  it("never grants more of a resource than its capacity, across many requests of different sizes", async () => {
    const capacity = 3;
    const gate = new ResourceGate({ gpu: capacity });
    let inUse = 0;
    let peak = 0;
    const sizes = [2, 1, 3, 1, 1, 2, 3, 1, 2, 1];
    const holders: { amount: number; release: Release }[] = [];
    const all = sizes.map((amount, index) =>
      gate.acquire({ gpu: amount }, index).then((release) => {
        inUse += amount;
        peak = Math.max(peak, inUse);
        expect(inUse).toBeLessThanOrEqual(capacity);
        holders.push({ amount, release });
      }),
    );
    let released = 0;
    while (released < sizes.length) {
      await flush();
      expect(holders.length).toBeGreaterThan(0); // something always holds: no request is stuck
      // Give back the oldest holding, in order.
      const holder = holders.shift()!;
      inUse -= holder.amount;
      holder.release();
      released++;
    }
    await Promise.all(all);
    expect(peak).toBe(capacity);
    expect(inUse).toBe(0);
  });

  it("grants a request that fits at once, and makes a request that does not fit wait for a release", async () => {
    const gate = new ResourceGate({ gpu: 2 });
    const { granted, request, release } = tracker(gate);
    request("a", { gpu: 1 }, 0);
    request("b", { gpu: 1 }, 1);
    request("c", { gpu: 1 }, 2);
    await flush();
    expect(granted).toEqual(["a", "b"]);
    release("a");
    await flush();
    expect(granted).toEqual(["a", "b", "c"]);
  });

  it("serves waiting requests by priority (lowest number first), not by arrival", async () => {
    const gate = new ResourceGate({ gpu: 1 });
    const { granted, request, release } = tracker(gate);
    request("holder", { gpu: 1 }, 0);
    request("p5", { gpu: 1 }, 5);
    request("p1", { gpu: 1 }, 1);
    request("p3", { gpu: 1 }, 3);
    request("p1-again", { gpu: 1 }, 1); // same priority: after the one already waiting
    await flush();
    expect(granted).toEqual(["holder"]);
    for (const label of ["holder", "p1", "p1-again", "p3"]) {
      release(label);
      await flush();
    }
    expect(granted).toEqual(["holder", "p1", "p1-again", "p3", "p5"]);
  });

  it("does not let a waiting request that does not fit block a smaller, later one that does", async () => {
    const gate = new ResourceGate({ gpu: 2, cpu: 1 });
    const { granted, request, release } = tracker(gate);
    request("one", { gpu: 1 }, 0);
    await flush();
    request("big", { gpu: 2 }, 1); // waits: only 1 gpu is free
    request("small", { gpu: 1 }, 2); // fits: served although "big" waits before it
    request("other", { cpu: 1 }, 3); // another resource entirely
    await flush();
    expect(granted).toEqual(["one", "small", "other"]);
    release("one");
    await flush();
    expect(granted).toEqual(["one", "small", "other"]); // still 1 gpu held by "small"
    release("small");
    await flush();
    expect(granted).toEqual(["one", "small", "other", "big"]);
  });

  it("waits for every resource of a request to be free at once", async () => {
    const gate = new ResourceGate({ gpu: 1, llm: 1 });
    const { granted, request, release } = tracker(gate);
    request("gpu", { gpu: 1 }, 0);
    request("llm", { llm: 1 }, 1);
    request("both", { gpu: 1, llm: 1 }, 2);
    await flush();
    expect(granted).toEqual(["gpu", "llm"]);
    release("gpu");
    await flush();
    expect(granted).toEqual(["gpu", "llm"]);
    release("llm");
    await flush();
    expect(granted).toEqual(["gpu", "llm", "both"]);
  });

  it("treats a resource without a capacity as unlimited", async () => {
    const gate = new ResourceGate({ gpu: 1 });
    const { granted, request } = tracker(gate);
    for (let index = 0; index < 20; index++) request(`llm${index}`, { llm: 1000 }, index);
    await flush();
    expect(granted).toHaveLength(20);
    expect(gate.impossible({ llm: 1e9 })).toBeUndefined();
  });

  it("says what in a request exceeds capacity with impossible", () => {
    const gate = new ResourceGate({ gpu: 2, llm: 4 });
    expect(gate.impossible({ gpu: 3 })).toBe("gpu: 3 (there are 2)");
    expect(gate.impossible({ llm: 4, gpu: 5 })).toBe("gpu: 5 (there are 2)");
    expect(gate.impossible({ gpu: 2, llm: 4 })).toBeUndefined();
    expect(gate.impossible({})).toBeUndefined();
    expect(gate.impossible({ tpu: 100 })).toBeUndefined();
    expect(new ResourceGate({ gpu: 0 }).impossible({ gpu: 1 })).toBe("gpu: 1 (there are 0)");
  });

  it("close rejects every waiting request and every later one with its reason; held ones stay held", async () => {
    const gate = new ResourceGate({ gpu: 1 });
    const { granted, rejected, request, release } = tracker(gate);
    request("holder", { gpu: 1 }, 0);
    request("w1", { gpu: 1 }, 1);
    request("w2", { gpu: 1 }, 2);
    await flush();
    const reason = new Error("stopped");
    gate.close(reason);
    gate.close(new Error("second close")); // the first reason stays
    await flush();
    expect(rejected.get("w1")).toBe(reason);
    expect(rejected.get("w2")).toBe(reason);
    await expect(gate.acquire({ gpu: 1 }, 0)).rejects.toBe(reason);
    await expect(gate.acquire({}, 0)).rejects.toBe(reason);
    // The holder's release still works and grants nothing (nobody waits any more).
    release("holder");
    await flush();
    expect(granted).toEqual(["holder"]);
  });

  it("makes a second call of a release do nothing", async () => {
    const gate = new ResourceGate({ gpu: 2 });
    const { granted, request, release } = tracker(gate);
    request("a", { gpu: 1 }, 0);
    await flush();
    release("a");
    release("a");
    request("b", { gpu: 2 }, 1);
    request("c", { gpu: 1 }, 2); // would fit only if the double release had freed 2 gpus
    await flush();
    expect(granted).toEqual(["a", "b"]);
    release("b");
    await flush();
    expect(granted).toEqual(["a", "b", "c"]);
  });
});

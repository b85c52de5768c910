import { describe, expect, it } from "vitest";
import type { CacheKey } from "../../src/cache/cache.js";
import { MemoryCache } from "../../src/cache/memory.js";
import { WorkflowGraph } from "../../src/graph/graph.js";
import { MemoryOrganizer } from "../../src/organizer/memory-organizer.js";
import { collectMetadata } from "../../src/organizer/metadata.js";
import {
  useExecutionContext,
  useStepContext,
  useStepLogger,
  useStepWorkdir,
} from "../../src/step/context.js";
import { type Step, step } from "../../src/step/step.js";
import { registries } from "../support/registries.js";

const ref = (name: string) => ({ type: "ref", ref: name });
const metadata = collectMetadata({ cwd: process.cwd() });

/** A memory cache that counts reads, to see which results a run actually loads. */
class CountingCache extends MemoryCache {
  reads: string[] = [];
  override async get(key: CacheKey): Promise<unknown> {
    this.reads.push(key.fingerprint);
    return super.get(key);
  }
}

function setup(steps: Record<string, Step>, config: Record<string, Record<string, unknown>>) {
  const cache = new CountingCache();
  const organizer = new MemoryOrganizer({ cache });
  const graph = WorkflowGraph.build({ steps: config } as never, registries(steps));
  const run = (executionId?: string) =>
    organizer.run(graph, { metadata, ...(executionId === undefined ? {} : { executionId }) });
  return { cache, organizer, graph, run };
}

describe("DefaultExecutor", () => {
  it("runs sync, async, generator and async generator steps, streaming iterables through the cache", async () => {
    const calls: string[] = [];
    const { run, organizer } = setup(
      {
        syncStep: step(({ n }: { n: number }) => {
          calls.push("sync");
          return n + 1;
        }),
        asyncStep: step(async ({ n }: { n: number }) => {
          calls.push("async");
          return n * 10;
        }),
        gen: step(function* ({ n }: { n: number }) {
          calls.push("gen");
          for (let i = 0; i < n; i++) yield i;
        }),
        agen: step(async function* ({ n }: { n: number }) {
          calls.push("agen");
          for (let i = 0; i < n; i++) yield `#${i}`;
        }),
        collect: step(({ xs, ys }: { xs: Iterable<number>; ys: AsyncIterable<string> }) => {
          const first = [...xs];
          const again = [...xs];
          return { first, again, hasAsync: Symbol.asyncIterator in ys };
        }),
      },
      {
        s: { type: "syncStep", n: 1 },
        a: { type: "asyncStep", n: ref("s") },
        g: { type: "gen", n: ref("s") },
        ag: { type: "agen", n: 2 },
        c: { type: "collect", xs: ref("g"), ys: ref("ag") },
      },
    );
    const result = await run("one");
    expect(result.error).toBeUndefined();
    expect(result.execution.state.status).toBe("completed");
    expect(calls).toEqual(["sync", "async", "gen", "agen"]);
    expect(await organizer.readResult(result.execution, "a", registries({}).formats)).toBe(20);
    expect(await organizer.readResult(result.execution, "c", registries({}).formats)).toEqual({
      first: [0, 1],
      again: [0, 1],
      hasAsync: true,
    });
  });

  it("loads no cached result on a fully cached re-run, and only what a re-running step reads", async () => {
    let factor = 2;
    const { run, cache } = setup(
      {
        base: step(({ n }: { n: number }) => n),
        scale: step({ version: "v" }, ({ x }: { x: number }) => x * factor),
      },
      { b: { type: "base", n: 3 }, s: { type: "scale", x: ref("b") } },
    );
    await run();
    cache.reads = [];
    const second = await run();
    expect(Object.values(second.execution.steps).map((s) => s.status)).toEqual(["cached", "cached"]);
    expect(cache.reads).toEqual([]);

    factor = 5;
    await cache.delete(second.execution.steps.s!.fingerprint);
    const third = await run();
    expect(third.execution.steps.s?.status).toBe("completed");
    expect(cache.reads).toEqual([third.execution.steps.b!.fingerprint]);
  });

  it("gives a running step its context, logger, workdir and the execution context", async () => {
    const seen: Record<string, unknown> = {};
    const { run, organizer } = setup(
      {
        inspect: step(function* ({ tag }: { tag: string }) {
          // Generators run while the cache consumes them: the context must still be there.
          const context = useStepContext();
          seen.name = context.info.name;
          seen.type = context.info.type;
          seen.fingerprint = context.info.fingerprint;
          seen.execution = useExecutionContext().id;
          seen.workdir = useStepWorkdir();
          useStepLogger().info(`tag is ${tag}`);
          yield tag;
        }),
      },
      { look: { type: "inspect", tag: "x" } },
    );
    const result = await run("ctx");
    expect(result.error).toBeUndefined();
    expect(seen).toMatchObject({ name: "look", type: "inspect", execution: "ctx" });
    expect(seen.fingerprint).toBe(result.execution.steps.look?.fingerprint);
    expect(String(seen.workdir)).toContain(String(seen.fingerprint));
    expect(organizer.log("ctx", "look").join("")).toContain("tag is x");
    expect(() => useStepContext()).toThrow(/only be called while a workflow step is running/);
  });

  it("fails the execution on the first failing step, keeping what finished", async () => {
    const { run, cache, graph } = setup(
      {
        ok: step(() => 1),
        bad: step(() => {
          throw new TypeError("nope");
        }),
        after: step(({ x }: { x: number }) => x),
      },
      { ok: { type: "ok" }, bad: { type: "bad" }, after: { type: "after", x: ref("bad") } },
    );
    const result = await run("failing");
    expect(result.execution.state.status).toBe("failure");
    expect(result.execution.steps.bad).toMatchObject({ status: "failure", error: "nope" });
    expect(result.execution.steps.after?.status).toBe("pending");
    expect(String(result.error)).toContain('step "bad" failed: nope');
    expect(
      await cache.has({
        fingerprint: result.execution.steps.ok!.fingerprint,
        format: graph.get("ok")!.format,
      }),
    ).toBe(true);
  });

  it("reports a field ref to a missing field as the reading step's failure", async () => {
    const { run } = setup(
      { pair: step(() => ({ a: 1 })), use: step(({ x }: { x: unknown }) => x) },
      { p: { type: "pair" }, u: { type: "use", x: ref("p.b") } },
    );
    const result = await run();
    expect(String(result.error)).toContain('[steps.u.x] ref "p.b": the result has no field "b"');
  });

  it("refuses an execution id that exists", async () => {
    const { run } = setup({ one: step(() => 1) }, { a: { type: "one" } });
    await run("same");
    await expect(run("same")).rejects.toThrow(/execution same already exists/);
  });
});

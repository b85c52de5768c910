import { describe, expect, it } from "vitest";
import { FIXTURE_STEPS, fixtureProject, ref } from "./harness.js";

const chain = {
  steps: {
    sum: { type: "add", a: 1, b: 2 },
    doubled: { type: "double", x: ref("sum") },
    other: { type: "add", a: 10, b: 20 },
    result: { type: "record", label: "result", value: ref("doubled") },
  },
};

describe("caching across runs", () => {
  it("computes every step once, then nothing on a second run", async () => {
    const project = fixtureProject(chain);
    const first = await project.formed(["workflow", "run", "config.json"]);
    expect(first.stderr).toContain("completed");
    expect(first.code).toBe(0);
    expect(project.calls().sort()).toEqual(["add", "add", "double", "record:result"]);
    expect(JSON.parse(project.read("out-result.json"))).toBe(6);

    project.clearCalls();
    const second = await project.formed(["workflow", "run", "config.json"]);
    expect(second.code).toBe(0);
    expect(project.calls()).toEqual([]);
    expect(second.stderr).toMatch(/0 ran, 4 cached/);
  });

  it("re-runs a step whose argument changed and its downstream only", async () => {
    const project = fixtureProject(chain);
    expect((await project.formed(["workflow", "run", "config.json"])).code).toBe(0);
    project.clearCalls();
    project.write(
      "config.json",
      JSON.stringify({ steps: { ...chain.steps, sum: { type: "add", a: 1, b: 5 } } }),
    );
    const run = await project.formed(["workflow", "run", "config.json"]);
    expect(run.code).toBe(0);
    expect(project.calls()).toEqual(["add", "double", "record:result"]);
    expect(JSON.parse(project.read("out-result.json"))).toBe(12);
  });

  it("ignores key order in the config", async () => {
    const project = fixtureProject(chain);
    await project.formed(["workflow", "run", "config.json"]);
    project.clearCalls();
    project.write(
      "config.json",
      JSON.stringify({ steps: { ...chain.steps, sum: { b: 2, a: 1, type: "add" } } }),
    );
    expect((await project.formed(["workflow", "run", "config.json"])).code).toBe(0);
    expect(project.calls()).toEqual([]);
  });

  it("keeps the cache over a comment, whitespace and type-only edit of the steps file", async () => {
    const project = fixtureProject(chain);
    await project.formed(["workflow", "run", "config.json"]);
    project.clearCalls();
    const edited = FIXTURE_STEPS.replace(
      'export const add = step(({ a, b }: { a: number; b: number }) => {\n  called("add");',
      '// adds two numbers\nexport const add = step(({ a, b }: { a: number; b: number | bigint }) => {\n\n    /* counted */ called( "add" );',
    );
    expect(edited).not.toBe(FIXTURE_STEPS);
    project.write("steps.ts", edited);
    expect((await project.formed(["workflow", "run", "config.json"])).code).toBe(0);
    expect(project.calls()).toEqual([]);
  });

  it("re-runs a step whose logic changed, and what reads it", async () => {
    const project = fixtureProject(chain);
    await project.formed(["workflow", "run", "config.json"]);
    project.clearCalls();
    project.write("steps.ts", FIXTURE_STEPS.replace("return x * 2;", "return x * 3;"));
    expect((await project.formed(["workflow", "run", "config.json"])).code).toBe(0);
    expect(project.calls()).toEqual(["double", "record:result"]);
    expect(JSON.parse(project.read("out-result.json"))).toBe(9);
  });
});

describe("the seed's step flags", () => {
  it("re-runs a deterministic: false step every execution, and a cacheable: false one, but once within a run", async () => {
    const project = fixtureProject({
      steps: {
        noise: { type: "random" },
        a: { type: "record", label: "a", value: ref("noise") },
        b: { type: "record", label: "b", value: ref("noise") },
        plus: { type: "uncached", x: 1 },
        c: { type: "record", label: "c", value: ref("plus") },
        d: { type: "record", label: "d", value: ref("plus") },
      },
    });
    expect((await project.formed(["workflow", "run", "config.json"])).code).toBe(0);
    // The in-run memo: each runs once though two steps read it.
    expect(project.calls().filter((c) => c === "random")).toHaveLength(1);
    expect(project.calls().filter((c) => c === "uncached")).toHaveLength(1);
    expect(project.read("out-a.json")).toBe(project.read("out-b.json"));

    project.clearCalls();
    expect((await project.formed(["workflow", "run", "config.json"])).code).toBe(0);
    // Not cached, so they run again. Readers are keyed on what they read: the new random value
    // makes its readers run again (the seed kept their stale results); the same x + 1 does not.
    expect(project.calls().sort()).toEqual(["random", "record:a", "record:b", "uncached"]);
    expect(project.read("out-a.json")).toBe(project.read("out-b.json"));
  });

  it("runs a step whose name ends in ! once for each step that reads it", async () => {
    const project = fixtureProject({
      steps: {
        "plus!": { type: "uncached", x: 1 },
        c: { type: "record", label: "c", value: ref("plus!") },
        d: { type: "record", label: "d", value: ref("plus!") },
      },
    });
    expect((await project.formed(["workflow", "run", "config.json"])).code).toBe(0);
    // Once as a step of its own, and once more for each reader.
    expect(project.calls().filter((c) => c === "uncached")).toHaveLength(3);
    expect(JSON.parse(project.read("out-c.json"))).toBe(2);
  });
});

describe("refs and results", () => {
  it("passes a field of a result with a field ref", async () => {
    const project = fixtureProject({
      steps: {
        both: { type: "pair", a: 3, b: 4 },
        left: { type: "record", label: "left", value: ref("both.left") },
        deep: { type: "record", label: "deep", value: ref("both.right.value") },
        nested: {
          type: "record",
          label: "nested",
          value: { list: [ref("both.left"), { x: ref("both.right") }] },
        },
      },
    });
    const run = await project.formed(["workflow", "run", "config.json"]);
    expect(run.stderr).not.toContain("error");
    expect(run.code).toBe(0);
    expect(JSON.parse(project.read("out-left.json"))).toBe(3);
    expect(JSON.parse(project.read("out-deep.json"))).toBe(4);
    expect(JSON.parse(project.read("out-nested.json"))).toEqual({ list: [3, { x: { value: 4 } }] });
  });

  it("streams an iterable result into the cache and lets a reader iterate it twice", async () => {
    const project = fixtureProject({
      steps: {
        seq: { type: "numbers", n: 1000 },
        total: { type: "sumTwice", items: ref("seq") },
        out: { type: "record", label: "total", value: ref("total") },
      },
    });
    expect((await project.formed(["workflow", "run", "config.json"])).code).toBe(0);
    expect(JSON.parse(project.read("out-total.json"))).toEqual({ first: 500500, second: 500500 });

    // A reader whose input is cached from an earlier run iterates the stored stream twice as well.
    project.write(
      "config.json",
      JSON.stringify({
        steps: {
          seq: { type: "numbers", n: 1000 },
          again: { type: "sumTwice", items: ref("seq") },
          out: { type: "record", label: "again", value: ref("again") },
        },
      }),
    );
    project.clearCalls();
    expect((await project.formed(["workflow", "run", "config.json"])).code).toBe(0);
    expect(project.calls()).not.toContain("numbers");
    expect(JSON.parse(project.read("out-again.json"))).toEqual({ first: 500500, second: 500500 });
  });

  it("gives steps a logger, a context and a workdir", async () => {
    const project = fixtureProject({ steps: { hello: { type: "logs", text: "hi there" } } });
    const run = await project.formed(["workflow", "run", "config.json", "--execution-id", "logged"]);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain("hello from hello: hi there");
    expect(project.read(".formed/executions/logged/steps/hello/out.log")).toContain(
      "hello from hello: hi there",
    );
    expect(project.read(".formed/executions/logged/out.log")).toContain("hello from hello: hi there");
    const steps = JSON.parse(project.read(".formed/executions/logged/steps.json"));
    const fingerprint = steps.steps.hello.fingerprint;
    expect(project.read(`.formed/workdir/${fingerprint}/note.txt`)).toBe("hi there");
  });
});

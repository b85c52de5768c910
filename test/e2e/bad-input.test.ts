/**
 * Bad input never crashes: each case gives one clear message naming the file or config path,
 * exit status 1, no stack trace, nothing run and nothing cached lost. Also the constructions
 * the analyzer used to miss (built-in classes, registrations it did not read).
 */
import { describe, expect, it } from "vitest";
import {
  type CliResult,
  FIXTURE_SETTINGS,
  FIXTURE_STEPS,
  fixtureProject,
  ref,
  tempProject,
} from "./harness.js";

/** Exit 1 with one error, no "unexpected error ... report it" and no stack trace. */
function expectCleanFailure(result: CliResult): void {
  expect(result.code, result.stderr).toBe(1);
  expect(result.stderr).toMatch(/^error: /);
  expect(result.stderr).not.toContain("unexpected error");
  expect(result.stderr).not.toMatch(/^\s+at /m);
}

/** `{"x": {"x": ... leaf ...}}` as text: JSON.stringify itself overflows at 10,000 levels. */
function nested(levels: number, leaf = "{}"): string {
  return `${'{"x":'.repeat(levels - 1)}${leaf}${"}".repeat(levels - 1)}`;
}

const TYPED_STEPS = `${FIXTURE_STEPS}
interface Deep { x?: Deep }
export const deep = step(({ x }: { x: Deep }) => {
  called("deep");
  let levels = 0;
  for (let at: Deep | undefined = x; at !== undefined; at = at.x) levels++;
  return levels;
});
export const obj = step(() => {
  called("obj");
  return { inner: { a: 1 } };
});
`;

describe("deeply nested config", () => {
  it("refuses an argument nested 10,000 deep with its path, runs nothing and keeps the cache", async () => {
    const project = fixtureProject({ steps: { a: { type: "add", a: 1, b: 2 } } });
    expect((await project.formed(["workflow", "run", "config.json"])).code).toBe(0);
    project.write(
      "deep.json",
      `{"steps":{"a":{"type":"add","a":1,"b":2},"r":{"type":"record","label":"d","value":${nested(10_000)}}}}`,
    );
    project.clearCalls();
    for (const command of ["check", "run"]) {
      const result = await project.formed(["workflow", command, "deep.json"]);
      expectCleanFailure(result);
      expect(result.stderr).toContain(
        "deep.json: [steps.r.value.x.x.x.x.x...] nested deeper than 1,000 levels",
      );
    }
    expect(project.calls()).toEqual([]);
    const again = await project.formed(["workflow", "run", "config.json"]);
    expect(again.stderr).toContain("0 ran, 1 cached");
  });

  it("builds and runs a typed argument 1,000 levels deep; a Jsonnet one too deep for the engine names the file", async () => {
    const project = tempProject({ "steps.ts": TYPED_STEPS, "formed.yml": FIXTURE_SETTINGS });
    project.write("deep.json", `{"steps":{"d":{"type":"deep","x":${nested(1_000)}}}}`);
    const run = await project.formed(["workflow", "run", "deep.json"]);
    expect(run.code, run.stderr).toBe(0);
    expect(project.calls()).toEqual(["deep"]);

    project.write("deep.jsonnet", `{steps:{d:{type:"deep",x:${nested(1_000)}}}}`);
    const jsonnet = await project.formed(["workflow", "check", "deep.jsonnet"]);
    expectCleanFailure(jsonnet);
    expect(jsonnet.stderr).toContain(`${project.dir}/deep.jsonnet: RUNTIME ERROR: max stack frames exceeded`);

    project.write("deeper.jsonnet", `{steps:{d:{type:"deep",x:${nested(10_000)}}}}`);
    const deeper = await project.formed(["workflow", "check", "deeper.jsonnet"]);
    expectCleanFailure(deeper);
    expect(deeper.stderr).toContain(`${project.dir}/deeper.jsonnet: the Jsonnet engine ran out of stack`);
  });
});

describe("errors that name their file", () => {
  it("a config that is a function, run without --tla-*", async () => {
    const project = fixtureProject(
      {},
      { "fn.jsonnet": "function(n) { steps: { a: { type: 'double', x: n } } }" },
    );
    const result = await project.formed(["workflow", "run", "fn.jsonnet"]);
    expectCleanFailure(result);
    expect(result.stderr).toContain(`${project.dir}/fn.jsonnet: RUNTIME ERROR: Missing argument: n`);
    expect(result.stderr).toContain("--tla-str n=VALUE or --tla-code n=CODE");
    const given = await project.formed(["workflow", "run", "fn.jsonnet", "--tla-code", "n=2"]);
    expect(given.code, given.stderr).toBe(0);
  });

  it("a YAML alias bomb in formed.yml", async () => {
    const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (const [previous, name] of ["ab", "bc", "cd", "de", "ef", "fg", "gh", "hi"].map((pair) => [
      ...pair,
    ])) {
      lines.push(`${name}: &${name} [${Array(9).fill(`*${previous}`).join(",")}]`);
    }
    const project = fixtureProject(
      { steps: { a: { type: "add", a: 1, b: 2 } } },
      { "formed.yml": `${FIXTURE_SETTINGS}${lines.join("\n")}\n` },
    );
    const result = await project.formed(["workflow", "run", "config.json"]);
    expectCleanFailure(result);
    expect(result.stderr).toContain(
      `${project.dir}/formed.yml: YAML aliases (*name) expand into too many values`,
    );
    expect(project.calls()).toEqual([]);
  });

  it("formed workflow schema --output into a missing folder", async () => {
    const project = fixtureProject({});
    const result = await project.formed(["workflow", "schema", "--output", "/missing-dir/x.json"]);
    expectCleanFailure(result);
    expect(result.stderr).toContain(
      "cannot write the schema to /missing-dir/x.json: the folder /missing-dir does not exist",
    );
  });
});

describe("field refs", () => {
  it("a missing field of a known result type is reported at check time, before any step runs", async () => {
    const project = tempProject({
      "steps.ts": TYPED_STEPS,
      "formed.yml": FIXTURE_SETTINGS,
      "config.json": JSON.stringify({
        steps: {
          obj: { type: "obj" },
          use: { type: "record", label: "u", value: { list: [ref("obj.inner.nope")] } },
        },
      }),
    });
    for (const command of ["check", "run"]) {
      const result = await project.formed(["workflow", command, "config.json"]);
      expectCleanFailure(result);
      expect(result.stderr).toContain(
        `[steps.use.value.list.0] ref "obj.inner.nope" names no field of step "obj"'s result: "obj.inner" is { a: number }, without "nope"`,
      );
    }
    expect(project.calls()).toEqual([]);
  });

  it("refuses prototype keys, with the config path", async () => {
    const project = fixtureProject({
      steps: {
        p: { type: "pair", a: 1, b: 2 },
        r: { type: "record", label: "proto", value: ref("p.__proto__") },
        c: { type: "record", label: "ctor", value: ref("p.right.constructor") },
      },
    });
    const result = await project.formed(["workflow", "run", "config.json"]);
    expectCleanFailure(result);
    expect(result.stderr).toContain(
      '[steps.r.value] ref "p.__proto__" reads "__proto__", which is never a field',
    );
    expect(result.stderr).toContain('[steps.c.value] ref "p.right.constructor" reads "constructor"');
    expect(project.calls()).toEqual([]);
  });
});

describe("step names", () => {
  it("refuses names that cannot be referenced unambiguously or would make a bad folder", async () => {
    const project = fixtureProject({
      steps: {
        "": { type: "add", a: 1, b: 2 },
        "a/b": { type: "add", a: 1, b: 2 },
        "../x": { type: "add", a: 1, b: 2 },
        a: { type: "pair", a: 1, b: 2 },
        "a.left": { type: "add", a: 1, b: 2 },
        ok: { type: "double", x: ref("a.left") },
      },
    });
    const result = await project.formed(["workflow", "check", "config.json"]);
    expectCleanFailure(result);
    expect(result.stderr).toContain('[steps.] invalid step name "": it is empty');
    expect(result.stderr).toContain('[steps.a/b] invalid step name "a/b": it contains "/" or "\\"');
    expect(result.stderr).toContain('[steps.../x] invalid step name "../x"');
    expect(result.stderr).toContain(
      '[steps.a.left] invalid step name "a.left": step "a" exists, so ref "a.left" could also mean field "left" of "a"',
    );
    expect(result.stderr).toContain("a step name must be non-empty");
  });
});

describe("config files with a byte order mark", () => {
  it("runs Jsonnet and JSON configs that start with a UTF-8 BOM, and Jsonnet files they import", async () => {
    const project = fixtureProject({});
    project.write("lib.libsonnet", "\uFEFF{ x: 21 }");
    project.write(
      "config.jsonnet",
      "\uFEFFlocal lib = import 'lib.libsonnet';\n{ steps: { d: { type: 'double', x: lib.x } } }\n",
    );
    project.write("bom.json", `\uFEFF${JSON.stringify({ steps: { d: { type: "double", x: 21 } } })}`);
    const jsonnet = await project.formed(["workflow", "run", "config.jsonnet"]);
    expect(jsonnet.code, jsonnet.stderr).toBe(0);
    const json = await project.formed(["workflow", "run", "bom.json"]);
    expect(json.code, json.stderr).toBe(0);
    expect(project.calls()).toEqual(["double"]);
  });
});

describe("construction by type", () => {
  it("builds a built-in class parameter (url: URL) from 'node:url:URL', and refuses plain config at check time", async () => {
    const project = tempProject({
      "formed.yml": FIXTURE_SETTINGS,
      "steps.ts": `
import { writeFileSync } from "node:fs";
import { step } from "formed";
export const fetchUrl = step(({ url }: { url: URL }) => {
  writeFileSync("url.json", JSON.stringify({ isUrl: url instanceof URL, href: String(url) }));
  return url.pathname;
});
`,
      "config.jsonnet":
        "{ steps: { u: { type: 'fetchUrl', url: { type: 'node:url:URL', '*': ['https://example.org/a'] } } } }",
      "plain.jsonnet": "{ steps: { u: { type: 'fetchUrl', url: { '*': ['https://example.org/a'] } } } }",
    });
    const run = await project.formed(["workflow", "run", "config.jsonnet"]);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(project.read("url.json"))).toEqual({ isUrl: true, href: "https://example.org/a" });

    const plain = await project.formed(["workflow", "check", "plain.jsonnet"]);
    expectCleanFailure(plain);
    expect(plain.stderr).toContain(
      `[steps.u.url] expected URL, which formed does not build from plain config: give { type: 'node:url:URL', "*": [...] }`,
    );
  });

  const TOKENIZER = `
import { Registrable } from "formed";
export abstract class Tokenizer extends Registrable { abstract tokenize(s: string): string[]; }
export class CharTokenizer extends Tokenizer { tokenize(s: string) { return [...s]; } }
Tokenizer.register("chars", CharTokenizer);
`;
  const WHITESPACE = `
import { Tokenizer } from "./tokenizer";
@Tokenizer.register("whitespace")
export class WhitespaceTokenizer extends Tokenizer { tokenize(s: string) { return s.split(/\\s+/); } }
`;
  const STEPS = `
import { writeFileSync } from "node:fs";
import { step } from "formed";
import { Tokenizer } from "./tokenizer";
export const w = step(({ t, s, out }: { t: Tokenizer; s: string; out: string }) => {
  const tokens = t.tokenize(s);
  writeFileSync(out, JSON.stringify(tokens));
  return tokens;
});
`;

  it("finds a Registrable subclass registered by Base.register(name, Cls), and one in a required module no step imports", async () => {
    const project = tempProject({
      "tokenizer.ts": TOKENIZER,
      "whitespace.ts": WHITESPACE,
      "steps.ts": STEPS,
      "formed.yml": "required_modules:\n  - ./tokenizer.ts\n  - ./whitespace.ts\n  - ./steps.ts\n",
      "config.json": JSON.stringify({
        steps: {
          chars: { type: "w", t: { type: "chars" }, s: "ab c", out: "chars.json" },
          words: { type: "w", t: { type: "whitespace" }, s: "ab c", out: "words.json" },
        },
      }),
    });
    const check = await project.formed(["workflow", "check", "config.json"]);
    expect(check.code, check.stderr).toBe(0);
    const run = await project.formed(["workflow", "run", "config.json"]);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(project.read("chars.json"))).toEqual(["a", "b", " ", "c"]);
    expect(JSON.parse(project.read("words.json"))).toEqual(["ab", "c"]);
  });
});

import { cpSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import { describe, expect, it } from "vitest";
import { GoJsonnetEngine } from "../../src/jsonnet/go-jsonnet.js";
import { EDITOR_KEYWORDS } from "../../src/schema/editor-shapes.js";
import { REPO_ROOT, runFormed, tempProject } from "./harness.js";

const STEPS = `
import { writeFileSync } from "node:fs";
import { Registrable, step, type Ignore, type Lazy } from "formed";

export abstract class Tokenizer extends Registrable {
  abstract tokenize(text: string): string[];
}

@Tokenizer.register("whitespace")
export class WhitespaceTokenizer extends Tokenizer {
  constructor(readonly opts: { lowercase?: boolean } = {}) {
    super();
  }
  tokenize(text: string): string[] {
    const words = text.split(/\\s+/).filter(Boolean);
    return this.opts.lowercase ? words.map((w) => w.toLowerCase()) : words;
  }
}

export class CharTokenizer extends Tokenizer {
  tokenize(text: string): string[] {
    return [...text];
  }
}
Tokenizer.register("chars")(CharTokenizer);

export class Processor {
  constructor(public name: string, public size = 3) {}
}

export enum Mode { Fast = "fast", Slow = "slow" }

/** Tokenizes texts with a processor's settings. */
export const prepare = step(
  ({ processor, tokenizer, texts, when, tags, weights, mode, device }: {
    processor: Processor;
    tokenizer: Tokenizer;
    texts: string[];
    when?: Date;
    tags?: Set<string>;
    weights?: Map<string, number>;
    mode?: Mode;
    device: Ignore<string>;
  }) => {
    const out = {
      processor: processor instanceof Processor ? [processor.name, processor.size] : "not built",
      tokenizer: tokenizer.constructor.name,
      tokens: texts.map((t) => tokenizer.tokenize(t)),
      year: when instanceof Date ? when.getUTCFullYear() : null,
      tags: tags instanceof Set ? [...tags].sort() : null,
      weights: weights instanceof Map ? Object.fromEntries(weights) : null,
      mode: mode ?? null,
      device,
    };
    writeFileSync("prepared.json", JSON.stringify(out));
    return out.tokens.flat().length;
  },
);

export const makeMany = step(({ factory, sizes }: { factory: Lazy<Processor>; sizes: number[] }) => {
  const built = sizes.map((size) => factory.construct({ size }));
  writeFileSync("many.json", JSON.stringify(built.map((p) => [p.name, p.size, p instanceof Processor])));
  return built.length;
});

export const words = step((): string[] => ["a", "b"]);
export const count = step(({ n }: { n: number }) => n);
`;

const GOOD = {
  steps: {
    prepared: {
      type: "prepare",
      processor: { name: "Alice" },
      tokenizer: { type: "whitespace", lowercase: true },
      texts: ["Hello World", "A b"],
      when: "2024-05-01T00:00:00Z",
      tags: ["x", "y"],
      weights: { a: 1.5 },
      mode: "fast",
      device: "cpu",
    },
    many: { type: "makeMany", factory: { name: "Bob" }, sizes: [1, 2] },
  },
};

function typedProject(config: unknown = GOOD) {
  return tempProject({
    "steps.ts": STEPS,
    "formed.yml": "required_modules: [./steps.ts]\n",
    "config.json": JSON.stringify(config, null, 2),
  });
}

describe("objects from config, by the steps' TypeScript types", () => {
  it("builds classes, Registrable choices, Dates, Sets, Maps, enums and Lazy values", async () => {
    const project = typedProject();
    const run = await project.formed(["workflow", "run", "config.json"]);
    expect(run.stderr).toContain("completed");
    expect(JSON.parse(project.read("prepared.json"))).toEqual({
      processor: ["Alice", 3],
      tokenizer: "WhitespaceTokenizer",
      tokens: [
        ["hello", "world"],
        ["a", "b"],
      ],
      year: 2024,
      tags: ["x", "y"],
      weights: { a: 1.5 },
      mode: "fast",
      device: "cpu",
    });
    expect(JSON.parse(project.read("many.json"))).toEqual([
      ["Bob", 1, true],
      ["Bob", 2, true],
    ]);
  });

  it("picks a subclass registered with a plain call, and constructs positional arguments from *", async () => {
    const config = structuredClone(GOOD) as unknown as { steps: { prepared: Record<string, unknown> } };
    config.steps.prepared.tokenizer = { type: "chars" };
    config.steps.prepared.processor = { "*": ["Carol", 7] };
    config.steps.prepared.texts = ["hi"];
    const project = typedProject(config);
    expect((await project.formed(["workflow", "run", "config.json"])).code).toBe(0);
    const prepared = JSON.parse(project.read("prepared.json"));
    expect(prepared.tokenizer).toBe("CharTokenizer");
    expect(prepared.processor).toEqual(["Carol", 7]);
    expect(prepared.tokens).toEqual([["h", "i"]]);
  });

  it("leaves an Ignore<T> argument out of the fingerprint", async () => {
    const project = typedProject();
    expect((await project.formed(["workflow", "run", "config.json"])).code).toBe(0);
    const config = structuredClone(GOOD);
    config.steps.prepared.device = "gpu";
    project.write("config.json", JSON.stringify(config));
    const again = await project.formed(["workflow", "run", "config.json"]);
    expect(again.stderr).toMatch(/0 ran, 2 cached/);
  });

  it("refuses bad config before any step runs, every error with its path", async () => {
    const project = typedProject({
      steps: {
        prepared: {
          type: "prepare",
          processor: { name: "Alice", size: "3" },
          tokenizer: { type: "whitespac" },
          texts: ["ok", 3],
          when: "yesterday",
          mode: "medium",
          device: "cpu",
          colour: "red",
        },
        w: { type: "words" },
        c: { type: "count", n: { type: "ref", ref: "w" } },
      },
    });
    for (const command of ["run", "check"]) {
      const result = await project.formed(["workflow", command, "config.json"]);
      expect(result.code).toBe(1);
      for (const fragment of [
        '[steps.prepared.processor.size] expected number, got string "3"',
        '[steps.prepared.tokenizer.type] unknown type "whitespac" for Tokenizer',
        "[steps.prepared.texts.1] expected string, got number 3",
        "[steps.prepared.when]",
        "[steps.prepared.mode]",
        '[steps.prepared.colour] unknown key "colour"',
        '[steps.c.n] ref "w" gives string[], expected number',
      ]) {
        expect(result.stderr).toContain(fragment);
      }
      expect(project.exists("prepared.json")).toBe(false);
    }
  });

  it("says a good config is valid", async () => {
    const project = typedProject();
    const result = await project.formed(["workflow", "check", "config.json"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("2 steps, no problems found");
    expect(project.exists("prepared.json")).toBe(false);
  });

  it("analyzes the sources once, and again only when a file changes", async () => {
    const project = typedProject();
    await project.formed(["workflow", "check", "config.json"]);
    const cacheDir = join(project.dir, ".formed-cache", "types");
    const entries = () =>
      readdirSync(cacheDir)
        .map((name) => `${name}@${statSync(join(cacheDir, name)).mtimeMs}`)
        .sort();
    const before = entries();
    expect(before.length).toBeGreaterThan(0);
    await project.formed(["workflow", "check", "config.json"]);
    expect(entries()).toEqual(before);
    project.write("steps.ts", `${STEPS}\nexport const extra = step(({ x }: { x: number }) => x);\n`);
    await project.formed(["workflow", "check", "config.json"]);
    expect(entries()).not.toEqual(before);
  });
});

describe("formed workflow schema", () => {
  it("writes a JSON Schema that accepts the configs check accepts and rejects bad ones", async () => {
    const project = typedProject();
    const result = await project.formed(["workflow", "schema", "--output", "schema.json"]);
    expect(result.code).toBe(0);
    const schema = JSON.parse(project.read("schema.json"));
    expect(schema.$schema).toBe("https://json-schema.org/draft/2020-12/schema");
    const ajv = new Ajv2020({ strict: true, strictTuples: false, allErrors: true }).addVocabulary([
      ...EDITOR_KEYWORDS,
    ]);
    const validate = ajv.compile(schema);
    expect(validate(GOOD), ajv.errorsText(validate.errors)).toBe(true);
    const bad = structuredClone(GOOD) as { steps: { prepared: Record<string, unknown> } };
    (bad.steps.prepared.processor as Record<string, unknown>).size = "3";
    expect(validate(bad)).toBe(false);
    const unknownStep = { steps: { x: { type: "nope" } } };
    expect(validate(unknownStep)).toBe(false);
  });

  it("validates the examples' configs, which check accepts", async () => {
    for (const example of ["collatz", "euler"]) {
      const dir = mkdtempSync(join(tmpdir(), `formed-schema-${example}-`));
      try {
        cpSync(join(REPO_ROOT, "examples", example), dir, {
          recursive: true,
          filter: (src) => !src.includes(".formed"),
        });
        const schemaRun = await runFormed(["workflow", "schema"], { cwd: dir });
        expect(schemaRun.code).toBe(0);
        const validate = new Ajv2020({ strict: true, strictTuples: false, allErrors: true })
          .addVocabulary([...EDITOR_KEYWORDS])
          .compile(JSON.parse(schemaRun.stdout));
        expect((await runFormed(["workflow", "check", "config.jsonnet"], { cwd: dir })).code).toBe(0);
        const config = await new GoJsonnetEngine().evaluateFile(join(dir, "config.jsonnet"));
        expect(validate(config), JSON.stringify(validate.errors)).toBe(true);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  });
});

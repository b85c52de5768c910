/**
 * The cache a user can trust (issue: code keys that follow all reachable code, early cutoff,
 * "why"): the real CLI in temporary projects, each edit made as a user would make it.
 */
import { describe, expect, it } from "vitest";
import { type TempProject, tempProject } from "./harness.js";

const called = `const called = (name: string) => appendFileSync("calls.log", name + "\\n");`;

/** A project whose step `calc` reaches code in its own file, two imports away, through a re-export, and in a package. */
function codeProject(): TempProject {
  return tempProject({
    "formed.yml": "required_modules:\n  - ./steps.ts\n",
    "steps.ts": `import { appendFileSync } from "node:fs";
import { step } from "formed";
import { double } from "./lib/index.ts";
import { pad } from "left-pad-lite";
${called}

function triple(x: number): number {
  return x * 3;
}

/** Nothing reaches this. */
function unused(x: number): number {
  return x - 1;
}

export const calc = step(({ x }: { x: number }) => {
  called("calc");
  return pad(String(triple(double(x))), 4);
});

export const other = step(({ x }: { x: number }) => {
  called("other");
  return x + 100;
});
`,
    "lib/index.ts": `export { double } from "./helper.ts";\n`,
    "lib/helper.ts": `import { FACTOR } from "./deep.ts";

export function double(x: number): number {
  // twice, by way of a constant two imports away
  return x * FACTOR;
}
`,
    "lib/deep.ts": `export const FACTOR = 2;\n`,
    "node_modules/left-pad-lite/package.json": JSON.stringify({
      name: "left-pad-lite",
      version: "1.0.0",
      type: "module",
      main: "index.js",
    }),
    "node_modules/left-pad-lite/index.js": `export function pad(text, width) { return text.padStart(width, "0"); }\n`,
    "config.json": JSON.stringify({
      steps: { c: { type: "calc", x: 1 }, o: { type: "other", x: 1 } },
    }),
  });
}

async function run(project: TempProject, ...extra: string[]) {
  project.clearCalls();
  const result = await project.formed(["workflow", "run", "config.json", ...extra]);
  expect(result.stderr).not.toContain("unexpected error");
  expect(result.code).toBe(0);
  return result;
}

function edit(project: TempProject, file: string, from: string, to: string): void {
  const text = project.read(file);
  expect(text).toContain(from);
  project.write(file, text.replace(from, to));
}

describe("code versions follow the code a step reaches", () => {
  const mustRerun: [string, string, string, string][] = [
    ["a helper in the same file", "steps.ts", "return x * 3;", "return x * 30;"],
    [
      "a helper two imports away, through a re-export",
      "lib/helper.ts",
      "return x * FACTOR;",
      "return x * FACTOR * 10;",
    ],
    ["a constant a helper uses", "lib/deep.ts", "FACTOR = 2", "FACTOR = 20"],
    [
      "the version of a package it imports",
      "node_modules/left-pad-lite/package.json",
      '"version":"1.0.0"',
      '"version":"1.0.1"',
    ],
  ];
  for (const [what, file, from, to] of mustRerun) {
    it(`runs a step again when ${what} changes`, async () => {
      const project = codeProject();
      await run(project);
      expect(project.calls().sort()).toEqual(["calc", "other"]);
      edit(project, file, from, to);
      await run(project);
      expect(project.calls()).toEqual(["calc"]);
    });
  }

  const mustKeep: [string, string, string, string][] = [
    ["an unreachable helper", "steps.ts", "return x - 1;", "return x - 2;"],
    ["a comment in a helper", "lib/helper.ts", "// twice, by way of", "// two times, through"],
    ["another step in the same file", "steps.ts", "return x + 100;", "return x + 200;"],
  ];
  for (const [what, file, from, to] of mustKeep) {
    it(`keeps a step's cache when ${what} changes`, async () => {
      const project = codeProject();
      await run(project);
      edit(project, file, from, to);
      await run(project);
      expect(project.calls()).not.toContain("calc");
    });
  }

  it("follows the methods of a Registrable class the config chooses", async () => {
    const project = tempProject({
      "formed.yml": "required_modules:\n  - ./steps.ts\n  - ./tokenizers.ts\n",
      "tokenizers.ts": `import { Registrable } from "formed";

export abstract class Tokenizer extends Registrable {
  abstract tokenize(text: string): string[];
}

@Tokenizer.register("whitespace")
export class WhitespaceTokenizer extends Tokenizer {
  tokenize(text: string): string[] {
    return text.split(" ");
  }
}

@Tokenizer.register("chars")
export class CharTokenizer extends Tokenizer {
  tokenize(text: string): string[] {
    return [...text];
  }
}
`,
      "steps.ts": `import { appendFileSync } from "node:fs";
import { step } from "formed";
import { Tokenizer } from "./tokenizers.ts";
${called}

export const tokens = step(({ tokenizer, text }: { tokenizer: Tokenizer; text: string }) => {
  called("tokens");
  return tokenizer.tokenize(text);
});
`,
      "config.json": JSON.stringify({
        steps: { t: { type: "tokens", tokenizer: { type: "whitespace" }, text: "a b" } },
      }),
    });
    await run(project);
    expect(project.calls()).toEqual(["tokens"]);
    // The class the config does not choose is not part of the step's code.
    edit(project, "tokenizers.ts", "return [...text];", "return [...text].reverse();");
    await run(project);
    expect(project.calls()).toEqual([]);
    edit(project, "tokenizers.ts", 'return text.split(" ");', 'return text.split(" ").reverse();');
    await run(project);
    expect(project.calls()).toEqual(["tokens"]);
  });
});

/** Steps whose results can stay the same while their inputs change. */
function cutoffProject(): TempProject {
  return tempProject({
    "formed.yml": "required_modules:\n  - ./steps.ts\n",
    "steps.ts": `import { appendFileSync, readFileSync } from "node:fs";
import { step } from "formed";
${called}

export const mod3 = step(({ x }: { x: number }) => {
  called("mod3");
  return { rest: x % 3, x };
});

export const show = step(({ value }: { value: unknown }) => {
  called("show");
  return JSON.stringify(value);
});

export const readInput = step({ deterministic: false }, () => {
  called("readInput");
  return readFileSync("input.txt", "utf8");
});
`,
    "input.txt": "one",
    "config.json": JSON.stringify(cutoffConfig(4)),
  });
}

function cutoffConfig(x: number) {
  return {
    steps: {
      m: { type: "mod3", x },
      whole: { type: "show", value: { type: "ref", ref: "m" } },
      rest: { type: "show", value: { type: "ref", ref: "m.rest" } },
      input: { type: "readInput" },
      echo: { type: "show", value: { type: "ref", ref: "input" } },
    },
  };
}

describe("early cutoff", () => {
  it("keeps readers of an upstream step that ran again and produced the same result", async () => {
    const project = cutoffProject();
    await run(project);
    expect(project.calls().sort()).toEqual(["mod3", "readInput", "show", "show", "show"]);
    // 4 % 3 === 7 % 3: the reader of the field is reused, the reader of the whole result is not.
    project.write("config.json", JSON.stringify(cutoffConfig(7)));
    await run(project);
    expect(project.calls().sort()).toEqual(["mod3", "readInput", "show"]);
  });

  it("runs the readers of a non-deterministic step again only when its result changed", async () => {
    const project = cutoffProject();
    await run(project);
    await run(project);
    expect(project.calls()).toEqual(["readInput"]);
    project.write("input.txt", "two");
    await run(project, "--execution-id", "changed");
    expect(project.calls()).toEqual(["readInput", "show"]);
    const echoed = JSON.parse(project.read(".formed/executions/changed/steps.json"));
    expect(echoed.steps.echo.status).toBe("completed");
  });

  it("runs a step again with --force, and its readers only if the result changed", async () => {
    const project = cutoffProject();
    await run(project);
    await run(project, "--force", "m");
    expect(project.calls()).toEqual(["mod3", "readInput"]);
  });
});

describe("why a step runs", () => {
  it("--dry-run runs nothing and names the reason for each kind of change", async () => {
    const project = codeProject();
    const first = await project.formed(["workflow", "run", "config.json", "--dry-run"]);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/c\s+will run: no earlier result/);
    expect(project.calls()).toEqual([]);
    expect(project.exists(".formed/executions")).toBe(false);

    await run(project);
    const dry = async () => {
      const result = await project.formed(["workflow", "run", "config.json", "--dry-run"]);
      expect(result.code).toBe(0);
      return result.stdout;
    };
    expect(await dry()).toMatch(/c\s+reused/);

    project.write(
      "config.json",
      JSON.stringify({ steps: { c: { type: "calc", x: 2 }, o: { type: "other", x: 1 } } }),
    );
    expect(await dry()).toContain("will run: argument steps.c.x changed: 1 -> 2");
    project.write(
      "config.json",
      JSON.stringify({ steps: { c: { type: "calc", x: 1 }, o: { type: "other", x: 1 } } }),
    );

    edit(project, "lib/helper.ts", "return x * FACTOR;", "return x * FACTOR * 10;");
    expect(await dry()).toContain("will run: double in lib/helper.ts changed");
    edit(project, "lib/helper.ts", "return x * FACTOR * 10;", "return x * FACTOR;");
    expect(await dry()).toMatch(/c\s+reused/);

    edit(project, "node_modules/left-pad-lite/package.json", '"version":"1.0.0"', '"version":"1.2.0"');
    expect(await dry()).toContain("will run: package left-pad-lite 1.0.0 -> 1.2.0");
    edit(project, "node_modules/left-pad-lite/package.json", '"version":"1.2.0"', '"version":"1.0.0"');

    project.clearCalls();
    const forced = await project.formed(["workflow", "run", "config.json", "--dry-run", "--force", "o"]);
    expect(forced.stdout).toContain("will run: forced (--force)");
    expect(project.calls()).toEqual([]);
  });

  it("--dry-run says which upstream result changed, and that readers wait for a step that must run", async () => {
    const project = cutoffProject();
    await run(project);
    const dry = await project.formed(["workflow", "run", "config.json", "--dry-run"]);
    expect(dry.stdout).toContain("will run: deterministic: false");
    expect(dry.stdout).toMatch(/echo\s+waits for input/);
    // The upstream step alone ran with a new result: its reader's recorded input differs.
    project.write("config.json", JSON.stringify(cutoffConfig(5)));
    await run(project, "--step", "m");
    const after = await project.formed(["workflow", "run", "config.json", "--dry-run", "--json"]);
    const plan = JSON.parse(after.stdout).steps as {
      name: string;
      decision: string;
      reasons: { kind: string; text: string }[];
    }[];
    const rest = plan.find((step) => step.name === "rest")!;
    expect(rest.decision).toBe("run");
    expect(rest.reasons[0]).toMatchObject({ kind: "upstream", step: "m" });
    expect(plan.find((step) => step.name === "m")!.decision).toBe("reuse");
  });

  it("explain names the changed config path with both values and the changed function by name", async () => {
    const project = codeProject();
    await run(project, "--execution-id", "before");
    project.write(
      "config.json",
      JSON.stringify({ steps: { c: { type: "calc", x: 3 }, o: { type: "other", x: 1 } } }),
    );
    edit(project, "steps.ts", "return x * 3;", "return x * 33;");
    const explained = await project.formed(["workflow", "explain", "config.json", "c"]);
    expect(explained.code).toBe(0);
    expect(explained.stdout).toContain("compared with execution before");
    expect(explained.stdout).toContain("argument steps.c.x changed: 1 -> 3");
    expect(explained.stdout).toContain("triple in steps.ts changed");
    expect(explained.stdout).toContain("-  return x * 3;");
    expect(explained.stdout).toContain("+  return x * 33;");

    const json = await project.formed([
      "workflow",
      "explain",
      "config.json",
      "c",
      "--json",
      "--against",
      "before",
    ]);
    const parsed = JSON.parse(json.stdout);
    expect(parsed.against).toBe("before");
    expect(parsed.reasons.map((reason: { kind: string }) => reason.kind)).toEqual(["argument", "code"]);

    const unknown = await project.formed(["workflow", "explain", "config.json", "c", "--against", "nope"]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("no execution nope");
  });

  it("explain shows a dynamic import of a computed path as not followed", async () => {
    const project = tempProject({
      "formed.yml": "required_modules:\n  - ./steps.ts\n",
      "steps.ts": `import { step } from "formed";

export const load = step(async ({ name }: { name: string }) => {
  const plugin = await import(\`./plugins/\${name}.mjs\`);
  return plugin.value as number;
});
`,
      "plugins/a.mjs": "export const value = 1;\n",
      "config.json": JSON.stringify({ steps: { l: { type: "load", name: "a" } } }),
    });
    await run(project);
    const explained = await project.formed(["workflow", "explain", "config.json", "l"]);
    expect(explained.code).toBe(0);
    expect(explained.stdout).toContain("l: reused");
    // The expression as written in the step's source.
    expect(explained.stdout).toContain(["not followed: import(`./plugins/$", "{name}.mjs`)"].join(""));
  });

  it("records each step's key parts with the execution, compactly", async () => {
    const project = codeProject();
    await run(project, "--execution-id", "k");
    const keys = JSON.parse(project.read(".formed/executions/k/keys.json"));
    expect(keys.steps.c.units).toEqual(
      expect.arrayContaining(["steps.ts#triple", "lib/helper.ts#double", "lib/deep.ts#FACTOR"]),
    );
    expect(keys.steps.c.units).not.toContain("steps.ts#unused");
    expect(keys.steps.c.packages).toEqual({ "left-pad-lite": "1.0.0" });
    expect(keys.units["steps.ts#triple"].hash).toMatch(/^[0-9a-f]{16,64}$/);
  });

  it("keeps entries of the earlier key scheme on disk, unmatched", async () => {
    const project = codeProject();
    const old = ".formed/cache/ab/ab00000000000000000000000000000000";
    project.write(`${old}/.formed-manifest.json`, "{}");
    await run(project);
    expect(project.calls().sort()).toEqual(["calc", "other"]);
    expect(project.exists(`${old}/.formed-manifest.json`)).toBe(true);
  });
});

// The schema as VS Code's JSON language service uses it, on the quick start's and Euler's
// configs rendered to JSON with `$schema`: what the editor reports, completes and shows on hover.
import { beforeAll, describe, expect, it } from "vitest";
import { validateStepArguments } from "../../src/construct/validate.js";
import { projectJsonSchema } from "../../src/schema/json-schema.js";
import type { ProjectTypes } from "../../src/types/type-description.js";
import { prop, sampleTypes, t } from "../construct/support/types.js";
import { type Example, exampleConfig, exampleTypes } from "./support/example-types.js";
import { at, CURSOR, JsonEditor } from "./support/json-language-service.js";

type Config = { steps: Record<string, Record<string, unknown>> } & Record<string, unknown>;

/** Stands for the cursor in a config object; `text` turns it into `|`, quoted or not. */
const HERE = "@@cursor@@";

function text(config: object, cursor: "quoted" | "bare" | "key" = "quoted"): string {
  const json = JsonEditor.text(config);
  switch (cursor) {
    case "quoted":
      return json.replace(`"${HERE}"`, `"${CURSOR}"`);
    case "bare":
      return json.replace(`"${HERE}"`, CURSOR);
    case "key":
      return json.replace(`"${HERE}": 0`, CURSOR);
  }
}

interface Loaded {
  types: ProjectTypes;
  config: Config;
  editor: JsonEditor;
}

const examples = {} as Record<Example, Loaded>;

beforeAll(async () => {
  for (const example of ["collatz", "euler"] as const) {
    const types = await exampleTypes(example);
    examples[example] = {
      types,
      config: (await exampleConfig(example)) as Config,
      editor: new JsonEditor(projectJsonSchema(types)),
    };
  }
});

/** A copy of an example's config with `edit` applied. */
function edited(example: Example, edit: (config: Config) => void): Config {
  const copy = structuredClone(examples[example].config);
  edit(copy);
  return copy;
}

function escapeRegExp(literal: string): string {
  return literal.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** What `formed workflow check` says about the steps' types and arguments. */
function checkIssues(example: Example, config: Config): string[] {
  return Object.entries(config.steps).flatMap(([name, step]) =>
    validateStepArguments(examples[example].types, String(step.type), step, `steps.${name}`).map(
      (issue) => `[${issue.path}] ${issue.message}`,
    ),
  );
}

const COLLATZ_STEPS = ["generateCollatz", "countSteps", "peak", "my::summarize", "report"];
const EULER_STEPS = [
  "sumOfMultiples",
  "fibonacci",
  "sumOfEven",
  "primes",
  "largestPrimeFactor",
  "nthPrime",
  "collect",
  "report",
];

describe("diagnostics", () => {
  it("reports nothing on the examples' configs", async () => {
    for (const example of ["collatz", "euler"] as const) {
      const { config, editor } = examples[example];
      expect(await editor.diagnostics(text(config))).toEqual([]);
      expect(checkIssues(example, config)).toEqual([]);
    }
  });

  // Each mistake: the edit, the text the diagnostic covers, its message, and what check says.
  const mistakes: {
    kind: string;
    example: Example;
    edit: (config: Config) => void;
    covers: string;
    message: string | RegExp;
    check: RegExp | undefined;
  }[] = [
    {
      kind: "an unknown step type, answered with every step type",
      example: "collatz",
      edit: (c) => {
        c.steps.count_3!.type = "countStep";
      },
      covers: '"countStep"',
      message: `Value is not accepted. Valid values: ${COLLATZ_STEPS.map((s) => JSON.stringify(s)).join(", ")}.`,
      check: /\[steps\.count_3\.type\] unknown step type "countStep"; did you mean "countSteps"\?/,
    },
    {
      kind: "a step without a type",
      example: "euler",
      edit: (c) => void delete c.steps.fib!.type,
      covers: '"fib"',
      message: 'Missing property "type".',
      check: undefined, // the config's shape check says it: steps.fib.type must be a string
    },
    {
      kind: "a missing argument",
      example: "euler",
      edit: (c) => void delete c.steps.primes!.limit,
      covers: '"primes"',
      message: 'Missing property "limit".',
      check: /\[steps\.primes\.limit\] missing required key "limit"/,
    },
    {
      kind: "an argument of the wrong type",
      example: "collatz",
      edit: (c) => {
        c.steps.sequence_7!.init = "7";
      },
      covers: '"7"',
      message: 'Incorrect type. Expected "number".',
      check: /\[steps\.sequence_7\.init\] expected number, got string "7"/,
    },
    {
      kind: "an unknown argument",
      example: "euler",
      edit: (c) => {
        c.steps.problem1!.limt = 10;
      },
      covers: '"limt"',
      message: "Property limt is not allowed.",
      check: /\[steps\.problem1\.limt\] unknown key "limt"/,
    },
    {
      kind: "a wrong value of a record-typed parameter",
      example: "collatz",
      edit: (c) => {
        c.steps.summary!["3"] = "x";
      },
      covers: '"x"',
      message: 'Incorrect type. Expected "number".',
      check: /\[steps\.summary\.3\] expected number, got string "x"/,
    },
    {
      kind: "a wrong array element",
      example: "euler",
      edit: (c) => {
        c.steps.problem1!.divisors = [3, "5"];
      },
      covers: '"5"',
      message: 'Incorrect type. Expected "number".',
      check: /\[steps\.problem1\.divisors\.1\] expected number, got string "5"/,
    },
    {
      kind: "an unknown Registrable choice, answered with the registered ones",
      example: "collatz",
      edit: (c) => {
        (c.steps.report!.layout as Record<string, unknown>).type = "grid";
      },
      covers: '"grid"',
      message: 'Value is not accepted. Valid values: "table", "lines", "ref".',
      check: /\[steps\.report\.layout\.type\] unknown type "grid" for Layout; registered: table, lines/,
    },
    {
      kind: "a key the chosen subclass does not take",
      example: "collatz",
      edit: (c) => {
        c.steps.report!.layout = { type: "lines", title: "x" };
      },
      covers: '"title"',
      message: "Property title is not allowed.",
      check: /\[steps\.report\.layout\.title\] unknown key "title"/,
    },
    {
      kind: "a wrong value deep in a class built from config",
      example: "collatz",
      edit: (c) => {
        (c.steps.report!.layout as { columns: Record<string, unknown> }).columns.width = "6";
      },
      covers: '"6"',
      message: 'Incorrect type. Expected "number".',
      check: /\[steps\.report\.layout\.columns\.width\] expected number, got string "6"/,
    },
    {
      kind: "a ref without the step it names",
      example: "euler",
      edit: (c) => {
        c.steps.problem2!.values = { type: "ref" };
      },
      covers: '"values"',
      message: 'Missing property "ref".',
      check: undefined, // the graph says it: a ref needs "ref": "<step name>"
    },
    {
      kind: "an unknown key beside steps",
      example: "euler",
      edit: (c) => {
        c.step = {};
      },
      covers: '"step"',
      message: "Property step is not allowed.",
      check: undefined, // the config's shape check says it
    },
  ];

  for (const mistake of mistakes) {
    it(`reports ${mistake.kind}, where it is`, async () => {
      const config = edited(mistake.example, mistake.edit);
      const found = await examples[mistake.example].editor.diagnostics(text(config));
      expect(found).toHaveLength(1);
      expect(found[0]).toMatchObject({ text: mistake.covers, message: mistake.message });
      // Its line and column are where that text is in the document.
      const { line, column } = found[0]!;
      expect(
        text(config)
          .split("\n")
          [line - 1]!.slice(column - 1),
      ).toMatch(new RegExp(`^${escapeRegExp(mistake.covers)}`));
      if (mistake.check !== undefined) {
        expect(checkIssues(mistake.example, config).join("\n")).toMatch(mistake.check);
      }
    });
  }
});

describe("completions", () => {
  const quotedLabels = (names: string[]) => names.map((name) => JSON.stringify(name)).sort();

  it("offers every step type at a step's type, inside quotes and without", async () => {
    for (const [example, names] of [
      ["collatz", COLLATZ_STEPS],
      ["euler", EULER_STEPS],
    ] as const) {
      const { editor } = examples[example];
      const first = Object.keys(examples[example].config.steps)[0]!;
      for (const edit of [
        (c: Config) => {
          c.steps[first]!.type = HERE;
        },
        (c: Config) => {
          c.steps.brand_new = { type: HERE };
        },
      ]) {
        const config = edited(example, edit);
        expect(await editor.labels(text(config, "quoted"))).toEqual(quotedLabels([...names]));
        expect(await editor.labels(text(config, "bare"))).toEqual(quotedLabels([...names]));
      }
    }
  });

  it("gives each step type's doc comment and signature with its completion", async () => {
    const { editor } = examples.euler;
    const config = edited("euler", (c) => {
      c.steps.x = { type: HERE };
    });
    const items = await editor.completions(text(config));
    const primes = items.find((item) => item.label === '"primes"');
    expect(JSON.stringify(primes?.documentation)).toContain(
      "Primes below `limit` by the sieve of Eratosthenes",
    );
    expect(JSON.stringify(primes?.documentation)).toContain("{ limit: number } → Iterable<number>");
  });

  it("offers every registered subclass, and ref, in a Registrable position", async () => {
    const { editor } = examples.collatz;
    const config = edited("collatz", (c) => {
      c.steps.report!.layout = { type: HERE };
    });
    expect(await editor.labels(text(config, "quoted"))).toEqual(['"lines"', '"ref"', '"table"']);
    expect(await editor.labels(text(config, "bare"))).toEqual(['"lines"', '"ref"', '"table"']);
  });

  it("offers the argument keys of the step, of the chosen subclass, and of a class", async () => {
    const { editor: euler } = examples.euler;
    const step = edited("euler", (c) => {
      c.steps.x = { type: "largestPrimeFactor", [HERE]: 0 };
    });
    expect(await euler.labels(text(step, "key"))).toEqual(["n", "primes"]);

    const { editor } = examples.collatz;
    const layout = edited("collatz", (c) => {
      c.steps.report!.layout = { type: "table", [HERE]: 0 };
    });
    expect(await editor.labels(text(layout, "key"))).toEqual(["*", "columns", "title"]);
    const columns = edited("collatz", (c) => {
      c.steps.report!.layout = { type: "table", columns: { width: 2, [HERE]: 0 } };
    });
    expect(await editor.labels(text(columns, "key"))).toEqual(["*", "separator"]);
  });
});

describe("hover", () => {
  it("shows a step's doc comment and signature on its type value and on its name", async () => {
    const { editor, config } = examples.collatz;
    const document = text(config);
    const onType = await editor.hover(at(document, '"type": "cou|ntSteps"'));
    expect(onType).toContain("`countSteps`: The number of steps the sequence takes to reach 1.");
    expect(onType).toContain("`{ sequence: Iterable<number> } → number`");
    expect(await editor.hover(at(document, '"co|unt_3"'))).toContain(
      "The number of steps the sequence takes to reach 1.",
    );
  });

  it("shows the argument, not the ref, on an argument fed by a ref", async () => {
    const { editor, config } = examples.euler;
    const hover = await editor.hover(at(text(config), '"pri|mes": {\n        "ref"'));
    expect(hover).toBe("`primes: Iterable<number>`");

    const documented: ProjectTypes = {
      ...sampleTypes,
      steps: {
        ...sampleTypes.steps,
        scale: {
          name: "scale",
          parameter: {
            kind: "object",
            properties: [prop("factor", t.number, { description: "How much larger the result is." })],
          },
          returns: t.number,
        },
      },
    };
    const sample = new JsonEditor(projectJsonSchema(documented));
    const document = JsonEditor.text({ steps: { s: { type: "scale", factor: { type: "ref", ref: "f" } } } });
    expect(await sample.hover(at(document, '"fac|tor"'))).toBe(
      "How much larger the result is.\n\n`factor: number`",
    );
    expect(await sample.hover(at(document, '"type": "r|ef"'))).toContain(
      "A reference to another step's result, or to a field of it.",
    );
  });

  it("shows the registered subclass and the base's doc in a Registrable position", async () => {
    const { editor, config } = examples.collatz;
    const document = text(config);
    expect(await editor.hover(at(document, '"type": "ta|ble"'))).toContain("`table`: `TableLayout`");
    expect(await editor.hover(at(document, '"lay|out"'))).toBe(
      "Layout\n\nHow the report lays out its rows: pick one in the config by its registered name.\n\n`layout: Layout`",
    );
    expect(await editor.hover(at(document, '"wid|th"'))).toBe("`width?: number = 8`");
  });
});

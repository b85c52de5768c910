/**
 * A seeded generator of bad configs, settings and command lines for bad-inputs.test.ts. Every
 * case is bad by construction (each category says why): the CLI must refuse it with exit 1 or
 * 2, one clear message naming where the problem is, and touch no cached result.
 */
import { Rng } from "./helpers.js";

export interface BadCase {
  /** Unique, stable for a seed: `#012 wrong-type: ...`. */
  readonly name: string;
  readonly category: string;
  /** Files to write (relative to the project) before running. */
  readonly files: Record<string, string | Buffer>;
  readonly args: string[];
  /** The message must contain one of these (a file's name, an option, or a config path in brackets). */
  readonly names: readonly (string | RegExp)[];
  /** `check` cases run a few at a time; `run` cases one by one, each with its own cache comparison. */
  readonly mode: "check" | "run";
  /** Strings the message must not contain (a misnamed option). */
  readonly forbidden?: readonly string[];
  /** Longer per-process timeout for the heavy ones (huge inputs). */
  readonly timeoutMs?: number;
}

/** A config path in brackets: `[steps]`, `[steps.x.y]`. */
export const CONFIG_PATH = /\[steps(\.[^\]\s]*)?\]/;

export const STEPS = `
import { step } from "formed";

export const add = step(({ a, b }: { a: number; b: number }) => a + b);

export const label = step(({ text, tags }: { text: string; tags: string[] }) => text + ":" + tags.join("/"));

export const shape = step(({ opts }: { opts: { depth: number; name: string; mode: "fast" | "slow" } }) =>
  opts.name.repeat(opts.depth) + opts.mode,
);

export const numbers = step(function* ({ n }: { n: number }) {
  for (let i = 0; i < n; i++) yield i;
});

export const total = step(({ items }: { items: Iterable<number> }) => {
  let sum = 0;
  for (const x of items) sum += x;
  return sum;
});

export const pair = step(({ a, b }: { a: number; b: number }) => ({ left: a, right: { value: b } }));
`;

export const SETTINGS = "required_modules:\n  - ./steps.ts\n";

/** The same, from a settings file under cases/ (module paths are relative to the settings file). */
const CASE_SETTINGS = "required_modules:\n  - ../steps.ts\n";

/** The good config: every step of STEPS, one ref, one field ref. Its strings hold no `{`, `}` or `,`. */
export function goodConfig(): Record<string, Record<string, unknown>> {
  return {
    x: { type: "add", a: 1, b: 2 },
    l: { type: "label", text: "hello", tags: ["red", "blue"] },
    s: { type: "shape", opts: { depth: 2, name: "ab", mode: "fast" } },
    nums: { type: "numbers", n: 5 },
    sum: { type: "total", items: { type: "ref", ref: "nums" } },
    p: { type: "pair", a: 3, b: 4 },
    y: { type: "add", a: { type: "ref", ref: "x" }, b: { type: "ref", ref: "p.right.value" } },
  };
}

export const GOOD_CONFIG_TEXT = `${JSON.stringify({ steps: goodConfig() }, null, 2)}\n`;

/** The modules that break when loaded (bad required_modules cases name them). */
export const MODULE_FILES: Record<string, string> = {
  "mods/syntax-error.ts": `import { step } from "formed";\nexport const broken = step(({ a }: { a: number }) => a +);\n`,
  "mods/throws.ts": `throw new Error("this module refuses to load");\n`,
  "mods/not-code.ts": "\u0000\u0001\u0002 binary garbage {{{ \n",
};

/** The positions of a Jsonnet/JSON text where a structural token may be inserted (after `{`, `,`, `[`, `:`). */
function structuralPositions(text: string): number[] {
  const positions: number[] = [];
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"' && text[i - 1] !== "\\") inString = !inString;
    if (!inString && (c === "{" || c === "," || c === "[" || c === ":")) positions.push(i + 1);
  }
  return positions;
}

function nest(depth: number, kind: "array" | "object", leaf: string): string {
  return kind === "array"
    ? `${"[".repeat(depth)}${leaf}${"]".repeat(depth)}`
    : `${'{"k":'.repeat(depth)}${leaf}${"}".repeat(depth)}`;
}

function withStep(name: string, value: unknown, base = goodConfig()): Record<string, unknown> {
  return { steps: { ...base, [name]: value } };
}

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 1)}\n`;
}

const REGISTERED = new Set(["add", "label", "shape", "numbers", "total", "pair", "ref"]);

function unknownWord(rng: Rng): string {
  for (;;) {
    const word = rng.word();
    if (!REGISTERED.has(word)) return word;
  }
}

/** What a category produces for one case: files keyed by role, args after `workflow check|run`. */
interface Draft {
  what: string;
  config?: { ext: "jsonnet" | "json"; content: string | Buffer } | { path: string };
  settings?: { content: string | Buffer } | { path: string };
  extraFiles?: Record<string, string | Buffer>;
  args?: string[];
  /** Names besides the config file (and, for config problems, a config path). */
  names?: (string | RegExp)[];
  /** Whose name the message must give: the config's (default), the settings', or only `names`. */
  blame?: "config" | "settings" | "names";
  mode?: "check" | "run";
  forbidden?: string[];
  timeoutMs?: number;
}

type Category = (rng: Rng, round: number) => Draft;

const configCase = (what: string, value: unknown, ext: "jsonnet" | "json" = "jsonnet"): Draft => ({
  what,
  config: { ext, content: json(value) },
});

const CATEGORIES: Record<string, Category> = {
  "wrong-type": (rng, round) => {
    const variants: [string, string, unknown][] = [
      ["x", "a", rng.word()],
      ["x", "b", rng.chance(0.5)],
      ["l", "tags", rng.int(0, 1000)],
      ["l", "tags", [rng.int(0, 9), rng.int(0, 9)]],
      ["l", "text", { nested: rng.word() }],
      ["s", "opts", [1, 2, 3]],
      ["nums", "n", null],
      ["x", "a", [rng.int(0, 9)]],
    ];
    const [stepName, key, value] = variants[round % variants.length]!;
    const base = goodConfig();
    return configCase(
      `steps.${stepName}.${key} = ${JSON.stringify(value)}`,
      withStep(stepName, { ...base[stepName], [key]: value }, base),
    );
  },
  "wrong-nested-type": (rng, round) => {
    const variants: [string, unknown][] = [
      ["mode", rng.pick(["medium", "FAST", "", "fast "])],
      ["depth", String(rng.int(0, 99))],
      ["name", rng.int(0, 99)],
      ["extra", rng.word()],
    ];
    const [key, value] = variants[round % variants.length]!;
    const opts = { depth: 2, name: "ab", mode: "fast", [key]: value };
    return configCase(
      `steps.s.opts.${key} = ${JSON.stringify(value)}`,
      withStep("s", { type: "shape", opts }),
    );
  },
  "unknown-step-type": (rng, round) => {
    const type = [unknownWord(rng), "Add", "add ", "", "ADD", `${rng.word()}:${rng.word()}`][round % 6]!;
    return configCase(`type ${JSON.stringify(type)}`, withStep(rng.word(), { type, a: 1 }));
  },
  "missing-type": (rng, round) => {
    const value = [{ a: 1, b: 2 }, { type: null, a: 1 }, { type: rng.int(0, 9) }, { type: [] }, { type: {} }][
      round % 5
    ];
    return configCase(`step without a usable type: ${JSON.stringify(value)}`, withStep(rng.word(), value));
  },
  "missing-ref": (rng, round) => {
    const target = [unknownWord(rng), "", `${unknownWord(rng)}.a`, "nums.", ".", "x..a"][round % 6]!;
    return configCase(
      `ref ${JSON.stringify(target)}`,
      withStep(rng.word(), { type: "total", items: { type: "ref", ref: target } }),
    );
  },
  "bad-ref": (rng, round) => {
    const variants: [string, unknown][] = [
      ["ref without a target", { type: "total", items: { type: "ref" } }],
      ["ref to a number", { type: "total", items: { type: "ref", ref: rng.int(0, 99) } }],
      ["ref whose result does not fit", { type: "total", items: { type: "ref", ref: "x" } }],
      [
        "field ref to a missing field",
        { type: "add", a: { type: "ref", ref: `p.${unknownWord(rng)}` }, b: 1 },
      ],
      ["field ref into a number", { type: "add", a: { type: "ref", ref: "x.value" }, b: 1 }],
      ["ref to a string-result step as number", { type: "add", a: { type: "ref", ref: "l" }, b: 1 }],
    ];
    const [what, value] = variants[round % variants.length]!;
    return configCase(what, withStep(rng.word(), value));
  },
  cycle: (rng, round) => {
    const length = [1, 2, 3, rng.int(4, 8), rng.int(9, 30), 2][round % 6]!;
    const names = Array.from({ length }, (_, i) => `c${i}_${rng.word(2, 4)}`);
    const steps: Record<string, unknown> = { ...goodConfig() };
    names.forEach((name, i) => {
      steps[name] = { type: "add", a: { type: "ref", ref: names[(i + 1) % length] }, b: 1 };
    });
    return configCase(`a cycle of ${length} step(s)`, { steps });
  },
  "syntax-truncated": (rng) => {
    const cut = rng.int(1, GOOD_CONFIG_TEXT.trimEnd().length - 1);
    return {
      what: `the good config cut at ${cut}`,
      config: { ext: rng.pick(["jsonnet", "json"] as const), content: GOOD_CONFIG_TEXT.slice(0, cut) },
    };
  },
  "syntax-garbage": (rng) => {
    const token = rng.pick([")", "]", ":::", "=", "$$", ";;", "}}", "local", "if", "..."]);
    const at = rng.pick(structuralPositions(GOOD_CONFIG_TEXT));
    return {
      what: `${JSON.stringify(token)} inserted at ${at}`,
      config: { ext: "jsonnet", content: GOOD_CONFIG_TEXT.slice(0, at) + token + GOOD_CONFIG_TEXT.slice(at) },
    };
  },
  "jsonnet-runtime-error": (rng, round) => {
    const word = rng.word();
    const expression = [
      `error 'boom ${word}'`,
      "1 / 0",
      `std.extVar('RELIABILITY_MISSING_${word.toUpperCase()}')`,
      `(import 'missing-${word}.libsonnet')`,
      `importstr 'missing-${word}.txt'`,
      `std.parseInt('${word}')`,
      "[][3]",
      `{}.${word}`,
      `assert false : 'refused ${word}'; 1`,
    ][round % 9];
    return {
      what: expression!,
      config: { ext: "jsonnet", content: `{ steps: { x: { type: 'add', a: ${expression}, b: 2 } } }\n` },
    };
  },
  "non-object-root": (rng, round) => {
    const root = [
      String(rng.int(-99, 99)),
      `'${rng.word()}'`,
      "[1, 2]",
      "null",
      "true",
      "-1.5",
      "function(x) x",
      "[]",
    ][round % 8]!;
    return { what: root, config: { ext: "jsonnet", content: `${root}\n` } };
  },
  "bad-steps-shape": (rng, round) => {
    const variants: unknown[] = [
      {},
      { steps: null },
      { steps: [] },
      { steps: rng.int(0, 9) },
      { steps: rng.word() },
      { steps: { [rng.word()]: rng.int(0, 9) } },
      { steps: { [rng.word()]: [] } },
      { steps: { [rng.word()]: null } },
    ];
    const value = variants[round % variants.length];
    return configCase(JSON.stringify(value), value, rng.pick(["jsonnet", "json"] as const));
  },
  "deep-nesting": (rng, round) => {
    const depth = [10_000, rng.int(2_000, 9_999), 10_000, rng.int(500, 2_000), 10_000, 5_000][round % 6]!;
    const kind = rng.pick(["array", "object"] as const);
    const ext = round % 2 === 0 ? "json" : "jsonnet";
    return {
      what: `${kind}s ${depth} deep as steps.x.a (.${ext})`,
      config: { ext, content: `{"steps": {"x": {"type": "add", "b": 1, "a": ${nest(depth, kind, "1")}}}}\n` },
      timeoutMs: 180_000,
    };
  },
  "deep-nesting-elsewhere": (rng, round) => {
    const depth = [10_000, rng.int(1_000, 10_000)][round % 2]!;
    const where = [
      // A deep structure under an unknown step type, and as the whole steps value.
      (inner: string) => `{"steps": {"deep": {"type": "${unknownWord(rng)}", "v": ${inner}}}}`,
      (inner: string) => `{"steps": ${inner}}`,
      (inner: string) => `{"steps": {"x": {"type": "label", "text": "t", "tags": ${inner}}}}`,
    ][round % 3]!;
    const ext = rng.pick(["json", "jsonnet"] as const);
    return {
      what: `${depth}-deep value, variant ${round % 3} (.${ext})`,
      config: { ext, content: `${where(nest(depth, rng.pick(["array", "object"] as const), "0"))}\n` },
      timeoutMs: 180_000,
    };
  },
  "huge-string": (rng, round) => {
    const size = [1 << 20, 4 << 20, 10 << 20, 256 << 10][round % 4]!;
    const text = rng.word(1, 1).repeat(size);
    const variants = [
      () => withStep("x", { type: "add", a: text, b: 1 }),
      () => withStep("h", { type: text, a: 1 }),
      () => withStep("h", { type: "total", items: { type: "ref", ref: text } }),
      () => ({ steps: { ...goodConfig(), [text]: { type: "nope" } } }),
    ];
    return {
      what: `a ${size}-character string, variant ${round % 4}`,
      config: {
        ext: rng.pick(["json", "jsonnet"] as const),
        content: JSON.stringify(variants[round % 4]!()),
      },
      timeoutMs: 180_000,
    };
  },
  "many-steps": (rng, round) => {
    const count = [2_000, 5_000][round % 2]!;
    const steps: Record<string, unknown> = {};
    for (let i = 0; i < count; i++)
      steps[`s${i}`] = { type: "add", a: i, b: { type: "ref", ref: `s${i + 1}` } };
    // The last ref names nothing; one step in the middle has a wrong type.
    steps[`s${rng.int(0, count - 2)}`] = { type: "add", a: "wrong", b: 1 };
    return {
      what: `${count} chained steps, one bad`,
      config: { ext: "json", content: JSON.stringify({ steps }) },
      timeoutMs: 180_000,
    };
  },
  "bad-utf8": (rng, round) => {
    const bad = [
      Buffer.from([0xff, 0xfe]),
      Buffer.from([0xc3, 0x28]),
      Buffer.from([0xed, 0xa0, 0x80]),
      Buffer.from([0xc0, 0xaf]),
      Buffer.from([0xf8, 0x88, 0x80, 0x80, 0x80]),
    ][round % 5]!;
    const inString = rng.chance(0.5);
    const ext = rng.pick(["json", "jsonnet"] as const);
    const content = inString
      ? Buffer.concat([
          Buffer.from('{"steps": {"x": {"type": "add", "b": 1, "a": "'),
          bad,
          Buffer.from('"}}}\n'),
        ])
      : Buffer.concat([
          Buffer.from('{"steps": {"x": {"type": "add", "a": 1, "b": 2}} '),
          bad,
          Buffer.from("}\n"),
        ]);
    return {
      what: `bytes ${bad.toString("hex")} ${inString ? "in a number's string" : "between tokens"} (.${ext})`,
      config: { ext, content },
    };
  },
  bom: (rng, round) => {
    const ext = rng.pick(["json", "jsonnet"] as const);
    const variants = [
      () =>
        Buffer.concat([
          Buffer.from([0xef, 0xbb, 0xbf]),
          Buffer.from(json(withStep("x", { type: "add", a: "one", b: 1 }))),
        ]),
      () =>
        Buffer.concat([
          Buffer.from([0xef, 0xbb, 0xbf]),
          Buffer.from(GOOD_CONFIG_TEXT.slice(0, rng.int(5, 60))),
        ]),
      () => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(GOOD_CONFIG_TEXT, "utf16le")]),
      () =>
        Buffer.concat([
          Buffer.from([0xef, 0xbb, 0xbf]),
          Buffer.from(json(withStep("z", { type: "total", items: { type: "ref", ref: unknownWord(rng) } }))),
        ]),
    ];
    const what = [
      "BOM and a wrong type",
      "BOM and a cut config",
      "UTF-16LE with BOM",
      "BOM and a missing ref",
    ][round % 4]!;
    return { what: `${what} (.${ext})`, config: { ext, content: variants[round % 4]!() } };
  },
  "empty-or-missing-config": (rng, round) => {
    const variants: (() => Draft)[] = [
      () => ({ what: "empty file", config: { ext: rng.pick(["json", "jsonnet"] as const), content: "" } }),
      () => ({
        what: "whitespace only",
        config: { ext: rng.pick(["json", "jsonnet"] as const), content: " \n\t\n" },
      }),
      () => ({ what: "missing file", config: { path: `cases/missing-${rng.word()}.jsonnet` } }),
      () => ({ what: "a directory", config: { path: "cases" } }),
      () => ({ what: "NUL bytes", config: { ext: "jsonnet", content: Buffer.from([0, 0, 0, 0x7b, 0x7d]) } }),
      () => ({ what: "comment only", config: { ext: "jsonnet", content: "// nothing here\n" } }),
    ];
    return variants[round % variants.length]!();
  },
  "bad-json": (rng, round) => {
    const content = [
      `${GOOD_CONFIG_TEXT} ${rng.word()}`,
      '{"steps": {"x": }}',
      "{'steps': {}}",
      '{"steps": {"x": {"type": "add", "a": 1, "b": 2,}}}',
      '{"steps": {"x": {"type": "add", "a": 01, "b": 2}}}',
      '{"steps": {"x": {"type": "add", "a": NaN, "b": 2}}}',
    ][round % 6]!;
    return { what: JSON.stringify(content.slice(0, 60)), config: { ext: "json", content } };
  },

  // ---- formed.yml, given with --settings

  "settings-unknown-key": (rng, round) => {
    const key = unknownWord(rng);
    const content = [
      `${CASE_SETTINGS}${key}: 1\n`,
      `${CASE_SETTINGS}workflow:\n  ${key}: x\n`,
      `${CASE_SETTINGS}logging:\n  ${key}: true\n`,
      `${CASE_SETTINGS}Required_Modules: [../steps.ts]\n`,
      `${CASE_SETTINGS}requiredModules: [../steps.ts]\n`,
    ][round % 5]!;
    return {
      what: JSON.stringify(content.slice(CASE_SETTINGS.length, CASE_SETTINGS.length + 50)),
      settings: { content },
      blame: "settings",
    };
  },
  "settings-wrong-type": (rng, round) => {
    const content = [
      "required_modules: ../steps.ts\n",
      `required_modules: [${rng.int(0, 99)}]\n`,
      `${CASE_SETTINGS}environment: [a, b]\n`,
      `${CASE_SETTINGS}environment:\n  X: {y: 1}\n`,
      `${CASE_SETTINGS}environment:\n  X: null\n`,
      `${CASE_SETTINGS}logging:\n  level: ${rng.pick(["verbose", "INFO", "trace", "5"])}\n`,
      `${CASE_SETTINGS}logging: ${rng.int(0, 9)}\n`,
      `${CASE_SETTINGS}workflow: ${rng.word()}\n`,
      `${CASE_SETTINGS}logging:\n  file: [a]\n`,
    ][round % 9]!;
    return { what: JSON.stringify(content.slice(0, 60)), settings: { content }, blame: "settings" };
  },
  "settings-bad-yaml": (rng, round) => {
    const content = [
      "required_modules: [../steps.ts\n",
      "required_modules:\n\t- ../steps.ts\n",
      `required_modules: [../steps.ts]\n${rng.word()}: value: other\n`,
      "required_modules:\n  - ../steps.ts\n required_modules: x\n",
      "required_modules: [../steps.ts]\nlogging: {}\nlogging: {}\n",
      `required_modules: [../steps.ts]\nenvironment: *${rng.word()}\n`,
      "required_modules: [../steps.ts]\nenvironment: {X: 'unterminated\n",
      "- a\nrequired_modules: [../steps.ts]\n",
      "required_modules: [../steps.ts]\n---\nlogging: {}\n",
    ][round % 9]!;
    return { what: JSON.stringify(content.slice(0, 60)), settings: { content }, blame: "settings" };
  },
  "settings-alias-bomb": (rng, round) => {
    const depth = rng.int(6, 10);
    const width = rng.int(6, 10);
    const lines: string[] = [`l0: &l0 [${Array(width).fill('"lol"').join(", ")}]`];
    for (let i = 1; i < depth; i++)
      lines.push(
        `l${i}: &l${i} [${Array(width)
          .fill(`*l${i - 1}`)
          .join(", ")}]`,
      );
    const bomb = lines.join("\n");
    const content = [
      `${CASE_SETTINGS}${bomb}\n`,
      `${CASE_SETTINGS}environment:\n${bomb
        .split("\n")
        .map((l) => `  ${l}`)
        .join("\n")}\n`,
      `${bomb}\nrequired_modules: *l${depth - 1}\n`,
    ][round % 3]!;
    return {
      what: `${width}^${depth} aliases, variant ${round % 3}`,
      settings: { content },
      blame: "settings",
      timeoutMs: 180_000,
    };
  },
  "settings-bad-module-path": (rng, round) => {
    const word = rng.word();
    const path = [
      `./missing-${word}.ts`,
      `./missing-${word}/`,
      `no-such-package-${word}`,
      `../../../../../nonexistent-${word}/x.ts`,
      "",
      `/nonexistent-${word}/steps.ts`,
      `@nope-${word}/pkg`,
    ][round % 7]!;
    return {
      what: `required_modules: [${JSON.stringify(path)}]`,
      settings: { content: `required_modules:\n  - ../steps.ts\n  - ${JSON.stringify(path)}\n` },
      blame: "settings",
    };
  },
  "settings-broken-module": (_rng, round) => {
    const module = Object.keys(MODULE_FILES)[round % Object.keys(MODULE_FILES).length]!;
    return {
      what: `required_modules: [../${module}]`,
      settings: { content: `required_modules:\n  - ../steps.ts\n  - ../${module}\n` },
      blame: "settings",
      names: [module.split("/").pop()!],
    };
  },
  "settings-bad-executor": (rng, round) => {
    const executor = [
      unknownWord(rng),
      `{type: ${rng.int(0, 9)}}`,
      "{}",
      `{type: ${unknownWord(rng)}}`,
      "[default]",
      `{type: default, ${rng.word()}: 1}`,
      "null",
    ][round % 7];
    return {
      what: `executor: ${executor}`,
      settings: { content: `${CASE_SETTINGS}workflow:\n  executor: ${executor}\n` },
      blame: "settings",
    };
  },
  "settings-bad-organizer": (rng, round) => {
    const organizer = [
      unknownWord(rng),
      `{type: filesystem, directory: ${rng.int(0, 9)}}`,
      `{type: filesystem, ${rng.word()}: 1}`,
      "{}",
      `{type: ${rng.int(0, 9)}}`,
      "[filesystem]",
      "{type: memory, directory: x}",
    ][round % 7];
    return {
      what: `organizer: ${organizer}`,
      settings: { content: `${CASE_SETTINGS}workflow:\n  organizer: ${organizer}\n` },
      blame: "settings",
    };
  },
  "settings-not-a-mapping": (rng, round) => {
    const content = ["- ../steps.ts\n", `${rng.int(0, 99)}\n`, `${rng.word()} text\n`, "[]\n", "true\n"][
      round % 5
    ]!;
    return { what: JSON.stringify(content), settings: { content }, blame: "settings" };
  },
  "settings-encoding": (rng, round) => {
    const key = unknownWord(rng);
    const content = [
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`${CASE_SETTINGS}${key}: 1\n`)]),
      Buffer.concat([Buffer.from(CASE_SETTINGS), Buffer.from([0xff, 0xfe, 0x3a, 0x20, 0x31, 0x0a])]),
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`${CASE_SETTINGS}${key}: 1\n`, "utf16le")]),
      Buffer.concat([Buffer.from(CASE_SETTINGS), Buffer.from(`${key}\u0000\u0001: 1\n`)]),
    ][round % 4]!;
    return {
      what: ["BOM and an unknown key", "bad UTF-8 key", "UTF-16LE", "control characters in an unknown key"][
        round % 4
      ]!,
      settings: { content },
      blame: "settings",
    };
  },
  "settings-missing": (rng, round) => {
    const path = [`cases/missing-${rng.word()}.yml`, "cases", `missing-dir-${rng.word()}/formed.yml`][
      round % 3
    ]!;
    return {
      what: `--settings ${path}`,
      settings: { path },
      blame: "names",
      names: [path.split("/").pop()!],
    };
  },

  // ---- command-line options

  "overrides-syntax": (rng, round) => {
    const overrides = [
      `{"steps.x.a": `,
      "{",
      `${rng.word()} ${rng.word()}`,
      "{a: }",
      `error '${rng.word()}'`,
      "{'steps.x.a': 1",
    ][round % 6]!;
    return {
      what: `--overrides ${overrides}`,
      args: ["--overrides", overrides],
      names: ["--overrides", "<overrides>", CONFIG_PATH],
    };
  },
  "overrides-not-object": (rng, round) => {
    const overrides = [String(rng.int(0, 99)), "[1]", `"${rng.word()}"`, "null", "true", "[]"][round % 6]!;
    return {
      what: `--overrides ${overrides}`,
      args: ["--overrides", overrides],
      names: ["--overrides", "<overrides>", CONFIG_PATH],
    };
  },
  "overrides-no-match": (rng, round) => {
    const key = [
      `steps.${unknownWord(rng)}.a`,
      unknownWord(rng),
      "steps.x.a.deeper",
      "",
      "steps..a",
      "steps.x.a.",
      `steps.l.tags.${rng.int(5, 99)}`,
    ][round % 7]!;
    return {
      what: `--overrides {${JSON.stringify(key)}: 1}`,
      args: ["--overrides", JSON.stringify({ [key]: 1 })],
      names: ["--overrides", "<overrides>", CONFIG_PATH],
    };
  },
  "overrides-bad-value": (rng, round) => {
    const overrides = [
      { "steps.x.a": rng.word() },
      { "steps.x.type": unknownWord(rng) },
      { "steps.s.opts.mode": "medium" },
      { "steps.sum.items": { type: "ref", ref: unknownWord(rng) } },
      { "steps.x.a": { type: "ref", ref: "y" } },
      { steps: rng.int(0, 9) },
    ][round % 6];
    return {
      what: `--overrides ${JSON.stringify(overrides)}`,
      args: ["--overrides", JSON.stringify(overrides)],
      names: ["--overrides", "<overrides>", CONFIG_PATH],
    };
  },
  "ext-var": (rng, round) => {
    const content = `{ steps: { x: { type: 'add', a: std.parseInt(std.extVar('RELIABILITY_N')), b: 1 } } }\n`;
    const variants: [string, string[]][] = [
      ["not a number", ["--ext-var", `RELIABILITY_N=${rng.word()}`]],
      ["not given", []],
      ["no '='", ["--ext-var", "RELIABILITY_N"]],
      ["empty name", ["--ext-var", "=1"]],
      ["empty value", ["--ext-var", "RELIABILITY_N="]],
      ["a float", ["--ext-var", "RELIABILITY_N=1.5"]],
    ];
    const [what, args] = variants[round % variants.length]!;
    return { what: `RELIABILITY_N ${what}`, config: { ext: "jsonnet", content }, args, names: ["--ext-var"] };
  },
  tla: (rng, round) => {
    const content = "function(n) { steps: { x: { type: 'add', a: n, b: 1 } } }\n";
    const variants: [string, string[]][] = [
      ["no argument", []],
      ["code that does not parse", ["--tla-code", "n={"]],
      ["code that fails", ["--tla-code", `n=error '${rng.word()}'`]],
      ["a string for a number", ["--tla-str", `n=${rng.word()}`]],
      ["an unknown parameter", ["--tla-code", "n=1", "--tla-code", `${unknownWord(rng)}=2`]],
      ["no '='", ["--tla-str", "n"]],
    ];
    const [what, args] = variants[round % variants.length]!;
    return {
      what,
      config: { ext: "jsonnet", content },
      args,
      names: ["--tla-code", "--tla-str", "<top-level-arg"],
    };
  },

  // ---- `run` only

  "bad-execution-id": (rng, round) => {
    const id = [
      `../escape-${rng.word()}`,
      "a/b",
      "",
      ".",
      "..",
      "seed",
      " ",
      `-${rng.word()}`,
      "x".repeat(500),
    ][round % 9]!;
    return {
      what: `--execution-id ${JSON.stringify(id.slice(0, 40))}`,
      args: ["--execution-id", id],
      blame: "names",
      names: ["execution id", "--execution-id"],
      mode: "run",
    };
  },
  "unknown-step-option": (rng, round) => {
    const option = round % 2 === 0 ? "--step" : "--force";
    const name = [unknownWord(rng), "", "x.a", "X"][round % 4]!;
    // The message must name the option that was given, not the other one.
    const other = option === "--step" ? "--force" : "--step";
    return {
      what: `${option} ${JSON.stringify(name)}`,
      args: [option, name],
      names: [option, CONFIG_PATH],
      blame: "names",
      mode: "run",
      forbidden: [`${other} names`],
    };
  },
};

/** At least `minimum` cases: every category in turn, round after round. */
export function generateBadCases(seed: number, minimum = 200): BadCase[] {
  const rng = new Rng(seed);
  const categories = Object.entries(CATEGORIES);
  const cases: BadCase[] = [];
  for (let round = 0; cases.length < minimum; round++) {
    for (const [category, make] of categories) {
      const index = cases.length;
      const tag = String(index).padStart(3, "0");
      const draft = make(rng, round);
      const files: Record<string, string | Buffer> = { ...draft.extraFiles };
      let configPath = "good.json";
      if (draft.config !== undefined) {
        if ("path" in draft.config) configPath = draft.config.path;
        else {
          configPath = `cases/c${tag}.${draft.config.ext}`;
          files[configPath] = draft.config.content;
        }
      }
      const args = [draft.mode ?? "check", configPath, ...(draft.args ?? [])];
      let settingsPath: string | undefined;
      if (draft.settings !== undefined) {
        if ("path" in draft.settings) settingsPath = draft.settings.path;
        else {
          settingsPath = `cases/s${tag}.yml`;
          files[settingsPath] = draft.settings.content;
        }
        args.push("--settings", settingsPath);
      }
      const blame = draft.blame ?? "config";
      const names: (string | RegExp)[] = [...(draft.names ?? [])];
      if (blame === "config") names.push(configPath.split("/").pop()!, CONFIG_PATH);
      if (blame === "settings" && settingsPath !== undefined) names.push(settingsPath.split("/").pop()!);
      const unique = [...new Map(names.map((n) => [String(n), n])).values()];
      cases.push({
        name: `#${tag} ${category}: ${draft.what}`.slice(0, 160),
        category,
        files,
        args: ["workflow", ...args],
        names: unique,
        mode: draft.mode ?? "check",
        ...(draft.forbidden === undefined ? {} : { forbidden: draft.forbidden }),
        ...(draft.timeoutMs === undefined ? {} : { timeoutMs: draft.timeoutMs }),
      });
    }
  }
  return cases;
}

// The benchmark workloads, each written once per tool: a TypeScript steps module for this
// project, a Python steps module for Python Formed, and one Jsonnet config both read. Generated
// into a temporary directory so that neither tool sees the other's files or cache.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** Writes a workspace for both tools: `<dir>/ts` and `<dir>/py`, the same config in each. */
function writeWorkspace(dir, { config, tsSteps, pySteps, pyModule }) {
  const ts = join(dir, "ts");
  const py = join(dir, "py");
  mkdirSync(ts, { recursive: true });
  mkdirSync(py, { recursive: true });
  writeFileSync(join(ts, "config.jsonnet"), config);
  writeFileSync(join(py, "config.jsonnet"), config);
  writeFileSync(join(ts, "steps.ts"), tsSteps);
  writeFileSync(join(py, `${pyModule}.py`), pySteps);
  writeFileSync(
    join(ts, "formed.yml"),
    "required_modules:\n  - ./steps.ts\nworkflow:\n  organizer: { type: filesystem }\n",
  );
  writeFileSync(
    join(py, "formed.yml"),
    `required_modules:\n  - ${pyModule}\nworkflow:\n  organizer:\n    type: filesystem\n`,
  );
  return { ts, py };
}

const COLLATZ_CONFIG = `// The seed's quick start: Collatz sequences, their lengths and peaks, and a summary.
local inits = [3, 7, 27, 97];

{
  steps: {
    ['sequence_' + n]: { type: 'generateCollatz', init: n }
    for n in inits
  } + {
    ['count_' + n]: { type: 'countSteps', sequence: { type: 'ref', ref: 'sequence_' + n } }
    for n in inits
  } + {
    ['peak_' + n]: { type: 'peak', sequence: { type: 'ref', ref: 'sequence_' + n } }
    for n in inits
  } + {
    summary: { type: 'my::summarize' } + {
      [std.toString(n)]: { type: 'ref', ref: 'count_' + n }
      for n in inits
    },
  },
}
`;

/**
 * (1) The seed's quick start, 13 steps, as examples/collatz had it when this suite was written
 * (fixed here so that the example can grow without changing what is measured).
 */
export function collatz(dir) {
  return writeWorkspace(dir, {
    config: COLLATZ_CONFIG,
    tsSteps: `import { step, useStepLogger } from "formed";

export const generateCollatz = step(function* ({ init }: { init: number }) {
  let n = init;
  while (n !== 1) {
    yield n;
    n = n % 2 === 0 ? n / 2 : 3 * n + 1;
  }
  yield 1;
});

export const countSteps = step(({ sequence }: { sequence: Iterable<number> }): number => {
  let n = 0;
  for (const _ of sequence) n++;
  return n - 1;
});

export const peak = step(({ sequence }: { sequence: Iterable<number> }): number => {
  let max = 0;
  for (const n of sequence) max = Math.max(max, n);
  return max;
});

export const summarize = step(
  { name: "my::summarize", version: "001", deterministic: true, cacheable: true, format: "json" },
  (counts: Record<string, number>) => {
    useStepLogger().info(\`summary: \${JSON.stringify(counts)}\`);
    return counts;
  },
);
`,
    pyModule: "collatz_steps",
    pySteps: `from typing import Iterable, Iterator

from formed import workflow
from formed.workflow import use_step_logger


@workflow.step
def generateCollatz(init: int) -> Iterator[int]:
    n = init
    while n != 1:
        yield n
        n = n // 2 if n % 2 == 0 else 3 * n + 1
    yield 1


@workflow.step
def countSteps(sequence: Iterable[int]) -> int:
    n = 0
    for _ in sequence:
        n += 1
    return n - 1


@workflow.step
def peak(sequence: Iterable[int]) -> int:
    m = 0
    for n in sequence:
        m = max(m, n)
    return m


@workflow.step(name="my::summarize", version="001", deterministic=True, cacheable=True, format="json")
def summarize(**counts: int) -> dict:
    use_step_logger().info(f"summary: {counts}")
    return counts
`,
  });
}

/**
 * (2) A fan-out and fan-in tree of trivial steps: a heap-shaped fan-out tree of `fanout` `inc`
 * steps (f0 is the root; fi reads f((i-1)/2)), then a mirrored fan-in tree of `add` steps
 * (gi adds the values under fi's two children). `k` makes every fingerprint distinct.
 * Built with string concatenation, not
 * std.format, which is slow in go-jsonnet.
 */
function treeConfig(fanout) {
  return `local F = ${fanout};
local val(i) = if 2 * i + 1 >= F then { type: 'ref', ref: 'f' + i } else { type: 'ref', ref: 'g' + i };
{
  steps: {
    ['f' + i]: { type: 'inc', k: i + 1, x: if i == 0 then { type: 'ref', ref: 'seed' } else { type: 'ref', ref: 'f' + std.floor((i - 1) / 2) } }
    for i in std.range(0, F - 1)
  } + {
    ['g' + i]: { type: 'add', a: val(2 * i + 1), b: if 2 * i + 2 < F then val(2 * i + 2) else { type: 'ref', ref: 'seed' } }
    for i in std.range(0, F - 1)
    if 2 * i + 1 < F
  } + {
    seed: { type: 'inc', k: 1, x: 0 },
  },
}
`;
}

/** The fan-out size whose tree has about `steps` steps (fan-out F, fan-in floor(F/2), one seed). */
function fanoutFor(steps) {
  return Math.round(((steps - 1) * 2) / 3);
}

export function tree(dir, steps) {
  return writeWorkspace(dir, {
    config: treeConfig(fanoutFor(steps)),
    tsSteps: `import { step } from "formed";

export const inc = step(({ x, k }: { x: number; k: number }): number => x + k);

export const add = step(({ a, b }: { a: number; b: number }): number => a + b);
`,
    pyModule: "tree_steps",
    pySteps: `from formed import workflow


@workflow.step
def inc(x: int, k: int) -> int:
    return x + k


@workflow.step
def add(a: int, b: int) -> int:
    return a + b
`,
  });
}

/**
 * (3) One step yielding JSON-lines records totalling `bytes`, one reading them all. Records are
 * {"id": i, "text": <textSize letters>}; the text is a window into a fixed pseudo-random string,
 * so that lines differ but cost no randomness to make.
 */
export const TEXT_SIZE = 1000;

export function recordLineSize(id) {
  return `{"id": ${id}, "text": ""}`.length - 1 + TEXT_SIZE + 1;
}

/**
 * The fixed pseudo-random text the records are cut from. Written into the TypeScript steps as
 * its source text, and called by run.mjs's plain-script reference: one definition for both.
 */
export function baseText() {
  const alphabet = "abcdefghijklmnopqrstuvwxyz ";
  let seed = 12345;
  let s = "";
  for (let i = 0; i < 8192; i++) {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    s += alphabet[seed % alphabet.length];
  }
  return s;
}

export function bigArtifact(dir, records) {
  const config = `{
  steps: {
    records: { type: 'produce', n_records: ${records}, text_size: ${TEXT_SIZE} },
    total: { type: 'consume', records: { type: 'ref', ref: 'records' } },
  },
}
`;
  return writeWorkspace(dir, {
    config,
    tsSteps: `import { step } from "formed";

${baseText.toString()}

export const produce = step(
  { format: "json" },
  function* ({ n_records, text_size }: { n_records: number; text_size: number }) {
    const base = baseText();
    for (let i = 0; i < n_records; i++) {
      const at = (i * 7919) % (base.length - text_size);
      yield { id: i, text: base.slice(at, at + text_size) };
    }
  },
);

export const consume = step(
  { format: "json" },
  ({ records }: { records: Iterable<{ id: number; text: string }> }): number => {
    let chars = 0;
    for (const r of records) chars += r.text.length;
    return chars;
  },
);
`,
    pyModule: "big_steps",
    pySteps: `from typing import Iterable, Iterator

from formed import workflow

ALPHABET = "abcdefghijklmnopqrstuvwxyz "


def base_text() -> str:
    seed = 12345
    out = []
    for _ in range(8192):
        seed = (seed * 1103515245 + 12345) % 2147483648
        out.append(ALPHABET[seed % len(ALPHABET)])
    return "".join(out)


@workflow.step(format="json")
def produce(n_records: int, text_size: int) -> Iterator[dict]:
    base = base_text()
    for i in range(n_records):
        at = (i * 7919) % (len(base) - text_size)
        yield {"id": i, "text": base[at : at + text_size]}


@workflow.step(format="json")
def consume(records: Iterable[dict]) -> int:
    chars = 0
    for r in records:
        chars += len(r["text"])
    return chars
`,
  });
}

/** (4) Config load only: scripts that evaluate the tree config and build its graph, fingerprints included. */
export function configLoad(dir, steps, repoDist) {
  const ws = tree(dir, steps);
  writeFileSync(
    join(ws.ts, "load.mjs"),
    `import { WorkflowProject } from ${JSON.stringify(join(repoDist, "index.js"))};
const project = await WorkflowProject.load({ cwd: process.cwd() });
const t0 = performance.now();
const graph = await project.loadGraph("config.jsonnet");
let n = 0;
for (const node of graph.nodes()) { if (node.fingerprint) n++; }
const t1 = performance.now();
process.stdout.write(JSON.stringify({ ms: t1 - t0, steps: n }));
`,
  );
  writeFileSync(
    join(ws.py, "load.py"),
    `import json
import sys
import time

from formed.settings import load_formed_settings
from formed.workflow import WorkflowGraph

load_formed_settings("formed.yml")
t0 = time.perf_counter()
graph = WorkflowGraph.from_jsonnet("config.jsonnet")
n = sum(1 for info in graph if info.fingerprint)
t1 = time.perf_counter()
sys.stdout.write(json.dumps({"ms": (t1 - t0) * 1000, "steps": n}))
`,
  );
  return ws;
}

/**
 * (5) First analysis of a generated project (this project only): one step whose code reaches
 * `files` local TypeScript modules of about `lines` lines each, plus `unreachable` modules no
 * reachable file imports (they import reachable ones), which the code graph must never parse.
 * The modules form a heap-shaped import tree (module i imports modules 2i+1 and 2i+2) with a
 * cross link to a later module, so every module is reached through a function its importer
 * calls: interfaces, constants, a class, loops, object and string work, and one export nothing
 * calls (a unit never reached, in a file that is). `reachable` and `unreachable` list the
 * generated paths, so that run.mjs can check which files the code graph read.
 */
export function analysisProject(dir, { files = 500, lines = 200, unreachable = 5 } = {}) {
  const ts = join(dir, "ts");
  const lib = join(ts, "lib");
  mkdirSync(lib, { recursive: true });
  const name = (i) => `m${String(i).padStart(3, "0")}`;
  const reachable = [];
  for (let i = 0; i < files; i++) {
    const path = join(lib, `${name(i)}.ts`);
    writeFileSync(path, analysisModule(i, files, lines));
    reachable.push(path);
  }
  const unused = [];
  for (let k = 0; k < unreachable; k++) {
    const path = join(lib, `unused${k}.ts`);
    // Imports reachable modules and calls them: still nothing imports it.
    writeFileSync(
      path,
      `import { run${k}, Accumulator${k} } from "./${name(k)}.js";\n\n` +
        `export function unusedEntry${k}(n: number): string {\n` +
        `  const acc = new Accumulator${k}("unused${k}");\n` +
        `  return \`\${acc.summary()}:\${run${k}(n)}\`;\n}\n`,
    );
    unused.push(path);
  }
  writeFileSync(
    join(ts, "steps.ts"),
    `import { step } from "formed";
import { run0 } from "./lib/${name(0)}.js";

export const analyze = step(({ n }: { n: number }): number => run0(n));
`,
  );
  writeFileSync(
    join(ts, "config.jsonnet"),
    "{\n  steps: {\n    analysis: { type: 'analyze', n: 3 },\n  },\n}\n",
  );
  writeFileSync(
    join(ts, "formed.yml"),
    "required_modules:\n  - ./steps.ts\nworkflow:\n  organizer: { type: filesystem }\n",
  );
  return { ts, reachable: [join(ts, "steps.ts"), ...reachable], unreachable: unused };
}

/** Module `i` of the analysis project, padded with helper functions to about `lines` lines. */
function analysisModule(i, files, lines) {
  const children = [2 * i + 1, 2 * i + 2].filter((c) => c < files);
  // A cross link to a later module (the graph is a DAG, not only a tree): shared by several importers.
  const cross = Math.min(files - 1, 3 * i + 5);
  const links = cross > i && !children.includes(cross) ? [...children, cross] : children;
  const id = (c) => String(c).padStart(3, "0");
  const imports = links
    .map((c, k) => {
      const names = [];
      if (k === 0) names.push(`makeRecords${c}`, `type Record${c}`);
      if (c === cross && links.length > children.length) names.push(`Accumulator${c}`, `normalize${c}`);
      if (children.includes(c)) names.push(`run${c}`);
      return `import { ${names.join(", ")} } from "./m${id(c)}.js";`;
    })
    .join("\n");
  const childCalls = children.map((c) => `run${c}(Math.max(0, n - 1))`).join(" + ") || "0";
  const crossCall =
    links.length > children.length ? `new Accumulator${cross}(normalize${cross}(label)).total + ` : "";
  const first = links[0];
  const adopt =
    first === undefined
      ? ""
      : `
function adopt${i}(records: Record${first}[]): Record${i}[] {
  return records.map((r) => ({ ...r, name: r.name.toUpperCase(), meta: { ...r.meta, source: "m${i}" } }));
}
`;
  const adopted =
    first === undefined
      ? ""
      : `\n  for (const record of adopt${i}(makeRecords${first}(2, n))) acc.add(record);`;
  const head = `// Module ${i} of ${files}: generated for the formed benchmark (first analysis of a large project).
${imports}

export interface Record${i} {
  id: number;
  name: string;
  tags: string[];
  score: number;
  meta: { source: string; weight: number };
}

export const LIMIT_${i} = ${(i % 17) + 3};
const SEPARATOR_${i} = "${"-_:/"[i % 4]}";
const WEIGHTS_${i}: Record<string, number> = { alpha: 1.5, beta: 2, gamma: 0.25, delta: ${(i % 7) + 1} };
const STOP_WORDS_${i} = new Set(["the", "a", "of", "and", "to", "m${i}"]);

export class Accumulator${i} {
  #total = 0;
  #items: Record${i}[] = [];
  readonly #byTag = new Map<string, number>();

  constructor(readonly label: string) {}

  add(record: Record${i}): this {
    this.#items.push(record);
    this.#total += score${i}(record);
    for (const tag of record.tags) this.#byTag.set(tag, (this.#byTag.get(tag) ?? 0) + 1);
    return this;
  }

  get total(): number {
    return this.#total;
  }

  top(n: number): Record${i}[] {
    return [...this.#items].sort((a, b) => b.score - a.score || a.id - b.id).slice(0, n);
  }

  tags(): [string, number][] {
    return [...this.#byTag.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  }

  summary(): string {
    const best = this.top(3)
      .map((r) => \`\${r.name}=\${r.score.toFixed(2)}\`)
      .join(", ");
    return \`\${this.label}\${SEPARATOR_${i}}\${this.#items.length}\${SEPARATOR_${i}}\${best}\`;
  }
}

export function normalize${i}(text: string): string {
  const words: string[] = [];
  for (const raw of text.toLowerCase().split(/\\s+/)) {
    const word = raw.replace(/[^a-z0-9]/g, "");
    if (word.length === 0 || STOP_WORDS_${i}.has(word)) continue;
    words.push(word.length > 12 ? word.slice(0, 12) : word);
  }
  return words.join(SEPARATOR_${i});
}

function tokenize${i}(text: string): string[] {
  const tokens: string[] = [];
  let current = "";
  for (const ch of text) {
    if (/[a-z0-9]/i.test(ch)) {
      current += ch;
    } else if (current.length > 0) {
      tokens.push(current);
      current = "";
    }
  }
  if (current.length > 0) tokens.push(current);
  return tokens;
}

export function makeRecords${i}(count: number, seed: number): Record${i}[] {
  const records: Record${i}[] = [];
  let state = seed + ${i};
  for (let k = 0; k < count; k++) {
    state = (state * 1103515245 + 12345) % 2147483648;
    const tags = ["alpha", "beta", "gamma", "delta"].filter((_, t) => (state >> t) % 2 === 1);
    records.push({
      id: k,
      name: \`r${i}_\${k}\`,
      tags,
      score: (state % 1000) / 10,
      meta: { source: "m${i}", weight: WEIGHTS_${i}[tags[0] ?? "alpha"] ?? 1 },
    });
  }
  return records;
}

export function score${i}(record: Record${i}): number {
  let weight = record.meta.weight;
  for (const tag of record.tags) weight += WEIGHTS_${i}[tag] ?? 0;
  return Math.min(record.score * weight, LIMIT_${i} * 100);
}

function histogram${i}(values: number[], buckets: number): number[] {
  const counts = new Array<number>(buckets).fill(0);
  if (values.length === 0) return counts;
  const min = Math.min(...values);
  const max = Math.max(...values);
  const width = (max - min) / buckets || 1;
  for (const value of values) {
    const at = Math.min(buckets - 1, Math.floor((value - min) / width));
    counts[at] = (counts[at] ?? 0) + 1;
  }
  return counts;
}

export function run${i}(n: number): number {
  const acc = new Accumulator${i}("m${i}");
  for (const record of makeRecords${i}(Math.min(n + 2, LIMIT_${i}), ${i})) acc.add(record);${adopted}
  const label = normalize${i}(acc.summary() + " of the " + tokenize${i}(acc.summary()).join(" "));
  const counts = histogram${i}(acc.top(LIMIT_${i}).map((r) => r.score), 4);
  const helpers = ${Array.from({ length: 3 }, (_, h) => `helper${i}_${h}(label)`).join(" + ")};
  return acc.total + counts.reduce((a, b) => a + b, 0) + helpers + ${crossCall}${childCalls};
}
${adopt}
export function describe${i}(records: Record${i}[]): string {
  // Exported, called by no one: a unit the step never reaches.
  return records.map((r) => \`\${r.id}:\${r.name}\`).join("\\n");
}
`;
  // Pad with helpers to about `lines` lines: run calls the first three, helper h calls helper h + 3.
  const helper = (h, call) => HELPERS[h % HELPERS.length](`helper${i}_${h}`, call, `SEPARATOR_${i}`);
  const size = (h) => helper(h, "0").split("\n").length - 1;
  let count = 0;
  for (let total = head.split("\n").length; count < 3 || total + size(count) / 2 < lines; count++)
    total += size(count);
  const helpers = [];
  for (let h = 0; h < count; h++)
    helpers.push(helper(h, h + 3 < count ? `helper${i}_${h + 3}(text.slice(1))` : "text.length"));
  return `${head}${helpers.join("")}`;
}

/** Helper function shapes of the analysis project's modules: (name, a call to chain, the module's separator). */
const HELPERS = [
  (name, call, sep) => `
function ${name}(text: string): number {
  const counts: Record<string, number> = {};
  for (const ch of text) counts[ch] = (counts[ch] ?? 0) + 1;
  let best = 0;
  for (const [key, value] of Object.entries(counts)) {
    if (value > best && key !== ${sep}) best = value;
  }
  return text.length < 2 ? best : best + (${call} % 7);
}
`,
  (name, call, sep) => `
function ${name}(text: string): number {
  const words = text.split(${sep}).filter((w) => w.length > 0);
  const reversed = words.map((w) => [...w].reverse().join("")).sort();
  let width = 0;
  for (const word of reversed) {
    if (word.startsWith("x") || word.endsWith("z")) continue;
    width = Math.max(width, word.length);
  }
  const padded = reversed.map((w) => w.padEnd(width, ".")).join("|");
  return padded.length % 11 + (text.length < 2 ? 0 : ${call} % 5);
}
`,
  (name, call) => `
function ${name}(text: string): number {
  const stats = { vowels: 0, digits: 0, other: 0 };
  let i = 0;
  while (i < text.length) {
    const ch = text.charAt(i++);
    if ("aeiou".includes(ch)) stats.vowels++;
    else if (ch >= "0" && ch <= "9") stats.digits++;
    else stats.other++;
  }
  const { vowels, digits, other } = stats;
  return vowels * 3 + digits * 2 + other + (text.length < 2 ? 0 : ${call} % 3);
}
`,
];

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

/**
 * Cache entries damaged on disk, in 8 ways, for a JSON object and for a streamed iterable: the
 * next run computes the step again, its reader (a `deterministic: false` step, so it always
 * reads) gets the right value, and the damaged bytes are never returned. Each case its own
 * project; the byte positions come from a seeded generator (printed).
 */
import { appendFileSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  auditEntry,
  entryPath,
  manifestPath,
  Project,
  Rng,
  readManifest,
  sharedTypeCacheEnv,
  stepRecords,
  suiteSeed,
} from "./helpers.js";

const ITEMS = 20_000;

const STEPS = `
import { appendFileSync, writeFileSync } from "node:fs";
import { step } from "formed";

const called = (name: string) => appendFileSync("calls.log", name + "\\n");

function expectedObject(salt: number) {
  const rows = [];
  for (let i = 0; i < 2000; i++) rows.push({ i, value: (i * 7919 + salt) % 100000, name: "row-" + i + "-" + salt });
  return { salt, title: "object " + salt, rows };
}

function expectedItem(i: number, salt: number) {
  return { i, value: (i * 104729 + salt) % 1000000, tag: "t" + (i % 13) };
}

export const obj = step(({ salt }: { salt: number }) => {
  called("obj");
  return expectedObject(salt);
});

export const items = step(function* ({ n, salt }: { n: number; salt: number }) {
  called("items");
  for (let i = 0; i < n; i++) yield expectedItem(i, salt);
});

/** Always runs (so it always reads what the cache gives), and says whether that was right. */
export const reader = step(
  { deterministic: false },
  ({ o, it, n, salt }: { o: unknown; it: Iterable<unknown>; n: number; salt: number }) => {
    called("reader");
    const errors: string[] = [];
    if (JSON.stringify(o) !== JSON.stringify(expectedObject(salt))) errors.push("obj differs: " + JSON.stringify(o).slice(0, 120));
    let count = 0;
    for (const item of it) {
      if (JSON.stringify(item) !== JSON.stringify(expectedItem(count, salt)) && errors.length < 5) {
        errors.push("item " + count + " differs: " + JSON.stringify(item).slice(0, 120));
      }
      count++;
    }
    if (count !== n) errors.push("items: " + count + ", expected " + n);
    writeFileSync("verdict.json", JSON.stringify({ count, errors }));
    return count;
  },
);
`;

const configFor = (salt: number) =>
  JSON.stringify({
    steps: {
      o: { type: "obj", salt },
      it: { type: "items", n: ITEMS, salt },
      read: {
        type: "reader",
        o: { type: "ref", ref: "o" },
        it: { type: "ref", ref: "it" },
        n: ITEMS,
        salt,
      },
    },
  });

type Corruption =
  | "flipped byte"
  | "truncation"
  | "same-size edit"
  | "appended bytes"
  | "manifest deleted"
  | "data file deleted"
  | "unparseable manifest"
  | "entry replaced by a plain file";

const CORRUPTIONS: Corruption[] = [
  "flipped byte",
  "truncation",
  "same-size edit",
  "appended bytes",
  "manifest deleted",
  "data file deleted",
  "unparseable manifest",
  "entry replaced by a plain file",
];

/** The largest data file of the entry (the one the format wrote the value into). */
function dataFile(entry: string): string {
  const files = readManifest(entry).files;
  const largest = files.reduce((a, b) => (b.size > a.size ? b : a));
  return join(entry, ...largest.path.split("/"));
}

/** Damages the entry at `entry`; returns what was done, for the failure message. */
function corrupt(entry: string, how: Corruption, rng: Rng): string {
  const file = dataFile(entry);
  const bytes = readFileSync(file);
  switch (how) {
    case "flipped byte": {
      const at = rng.int(0, bytes.length - 1);
      bytes[at] = (bytes[at] as number) ^ (1 << rng.int(0, 7));
      writeFileSync(file, bytes);
      return `flipped a bit of byte ${at} of ${file}`;
    }
    case "truncation": {
      const size = rng.int(0, bytes.length - 1);
      truncateSync(file, size);
      return `truncated ${file} to ${size} of ${bytes.length} bytes`;
    }
    case "same-size edit": {
      // A digit changed into another: still valid JSON, same size, another value.
      const digits: number[] = [];
      for (let i = 0; i < bytes.length; i++) if (bytes[i]! >= 0x30 && bytes[i]! <= 0x39) digits.push(i);
      const at = rng.pick(digits);
      const old = bytes[at]! - 0x30;
      bytes[at] = 0x30 + ((old + rng.int(1, 9)) % 10);
      writeFileSync(file, bytes);
      return `changed the digit at byte ${at} of ${file}`;
    }
    case "appended bytes": {
      // Something a careless reader would parse: an extra record, or trailing whitespace.
      const extra = file.endsWith(".jsonl")
        ? '{"i":-1,"value":0,"tag":"extra"}\n'
        : " ".repeat(rng.int(1, 64));
      appendFileSync(file, extra);
      return `appended ${JSON.stringify(extra)} to ${file}`;
    }
    case "manifest deleted":
      rmSync(manifestPath(entry));
      return `deleted ${manifestPath(entry)}`;
    case "data file deleted":
      rmSync(file);
      return `deleted ${file}`;
    case "unparseable manifest": {
      const text = readFileSync(manifestPath(entry), "utf8");
      const cut = rng.int(1, text.length - 2);
      writeFileSync(manifestPath(entry), rng.chance(0.5) ? text.slice(0, cut) : `{ not json ${cut}`);
      return `made ${manifestPath(entry)} unparseable`;
    }
    case "entry replaced by a plain file":
      rmSync(entry, { recursive: true });
      writeFileSync(entry, "not an entry\n");
      return `replaced ${entry} by a plain file`;
  }
}

const seed = suiteSeed("corruption");

describe("damaged cache entries are computed again, never returned", { timeout: 180_000 }, () => {
  const targets = [
    { step: "o", fn: "obj", what: "a JSON object" },
    { step: "it", fn: "items", what: "a streamed iterable" },
  ] as const;
  let caseIndex = 0;
  for (const target of targets) {
    for (const how of CORRUPTIONS) {
      const index = caseIndex++;
      it(`${how} in the entry of ${target.what}`, async () => {
        const rng = new Rng(seed + index);
        const salt = (seed % 1000) + index;
        const project = new Project(
          {
            "steps.ts": STEPS,
            "formed.yml": "required_modules: [./steps.ts]\n",
            "config.json": configFor(salt),
          },
          sharedTypeCacheEnv(),
        );
        const first = await project.formed(["workflow", "run", "config.json", "--execution-id", "first"]);
        expect(first.code, first.stderr).toBe(0);
        expect(project.lines().sort()).toEqual(["items", "obj", "reader"]);
        expect(JSON.parse(project.read("verdict.json")).errors).toEqual([]);

        const fingerprint = stepRecords(project.dir, "first")[target.step]!.fingerprint;
        const entry = entryPath(project.dir, fingerprint);
        const done = corrupt(entry, how, rng);

        project.clear();
        project.clear("verdict.json");
        const second = await project.formed(["workflow", "run", "config.json", "--execution-id", "second"]);
        const context = `${done}\n--- stderr of the next run (${second.code}):\n${second.stderr}`;
        expect(second.stderr, context).not.toContain("unexpected error");
        expect(second.code, context).toBe(0);
        // The damaged step ran again, once; the other was reused; the reader got the right values.
        expect(project.lines().sort(), context).toEqual([target.fn, "reader"].sort());
        const verdict = JSON.parse(project.read("verdict.json"));
        expect(verdict.errors, context).toEqual([]);
        expect(verdict.count).toBe(ITEMS);
        // The entry is whole again, under the same fingerprint.
        expect(stepRecords(project.dir, "second")[target.step]!.fingerprint).toBe(fingerprint);
        expect(
          auditEntry({ id: fingerprint, path: entry, name: fingerprint }, { hashes: true }),
          context,
        ).toEqual([]);

        // And it is used as it is now: nothing but the reader runs.
        project.clear();
        const third = await project.formed(["workflow", "run", "config.json"]);
        expect(third.code, third.stderr).toBe(0);
        expect(project.lines()).toEqual(["reader"]);
        expect(JSON.parse(project.read("verdict.json")).errors).toEqual([]);
      });
    }
  }
});

/**
 * Why a step's key differs from the one an earlier execution recorded: every part that changed,
 * in the order a user would look for it (flags, arguments, code, packages, upstream results).
 */
import { jsDiff } from "../common/lazy-packages.js";
import { canonicalJson } from "./fingerprint.js";
import type { ExecutionKeys, StepKeyRecord } from "./step-key.js";

export type KeyDifference =
  | { readonly kind: "no-earlier" }
  | { readonly kind: "forced" }
  | { readonly kind: "not-deterministic" }
  | { readonly kind: "not-cacheable" }
  /** An upstream step must run first: its result, and so this step's key, is not known yet. */
  | { readonly kind: "waits"; readonly step: string }
  | { readonly kind: "type"; readonly old: string; readonly new: string }
  | { readonly kind: "version"; readonly old: string; readonly new: string }
  | {
      readonly kind: "flag";
      readonly flag: "deterministic" | "cacheable" | "format";
      readonly old: unknown;
      readonly new: unknown;
    }
  | { readonly kind: "argument"; readonly path: string; readonly old?: unknown; readonly new?: unknown }
  | {
      readonly kind: "code";
      readonly name: string;
      readonly file: string;
      readonly change: "changed" | "added" | "removed";
      /** A unified diff of the unit's source, when both texts are known and small. */
      readonly diff?: string;
    }
  | { readonly kind: "package"; readonly name: string; readonly old?: string; readonly new?: string }
  | { readonly kind: "not-followed"; readonly unit: string; readonly text: string }
  | { readonly kind: "upstream"; readonly step: string; readonly path: string }
  /** The key is the one recorded, yet the result is not in the cache (removed, or damaged). */
  | { readonly kind: "entry-missing"; readonly fingerprint: string };

/** One side of a comparison: a step's key record and the units table it refers to. */
export interface RecordedKey {
  readonly record: StepKeyRecord;
  readonly units: ExecutionKeys["units"];
}

/** Every difference between an earlier key and the current one (`upstream` only for refs whose digest is known). */
export function diffKeys(old: RecordedKey, current: RecordedKey, stepName: string): KeyDifference[] {
  const a = old.record;
  const b = current.record;
  const out: KeyDifference[] = [];
  if (a.type !== b.type) out.push({ kind: "type", old: a.type, new: b.type });
  if ((a.explicitVersion || b.explicitVersion) && a.version !== b.version) {
    out.push({ kind: "version", old: a.version, new: b.version });
  }
  if (a.deterministic !== b.deterministic)
    out.push({ kind: "flag", flag: "deterministic", old: a.deterministic, new: b.deterministic });
  if (a.cacheable !== b.cacheable)
    out.push({ kind: "flag", flag: "cacheable", old: a.cacheable, new: b.cacheable });
  if (a.format !== b.format) out.push({ kind: "flag", flag: "format", old: a.format, new: b.format });
  diffValues(a.arguments, b.arguments, `steps.${stepName}`, out);
  if (!a.explicitVersion && !b.explicitVersion) diffCode(old, current, out);
  const before = new Map(a.upstream.map((input) => [input.path, input]));
  for (const input of b.upstream) {
    const earlier = before.get(input.path);
    if (earlier !== undefined && earlier.ref === input.ref && earlier.digest !== input.digest) {
      out.push({ kind: "upstream", step: input.step, path: `steps.${stepName}.${input.path}` });
    }
  }
  return out;
}

function diffCode(old: RecordedKey, current: RecordedKey, out: KeyDifference[]): void {
  const before = new Set(old.record.units ?? []);
  const after = new Set(current.record.units ?? []);
  for (const id of [...new Set([...before, ...after])].sort()) {
    const { name, file } = splitUnitId(id);
    const was = before.has(id) ? old.units[id] : undefined;
    const is = after.has(id) ? current.units[id] : undefined;
    if (was === undefined && is !== undefined) out.push({ kind: "code", name, file, change: "added" });
    else if (was !== undefined && is === undefined) out.push({ kind: "code", name, file, change: "removed" });
    else if (was !== undefined && is !== undefined && was.hash !== is.hash) {
      const diff =
        was.text !== undefined && is.text !== undefined ? shortDiff(file, was.text, is.text) : undefined;
      out.push({ kind: "code", name, file, change: "changed", ...(diff === undefined ? {} : { diff }) });
    }
  }
  const packagesBefore = old.record.packages ?? {};
  const packagesAfter = current.record.packages ?? {};
  for (const name of [...new Set([...Object.keys(packagesBefore), ...Object.keys(packagesAfter)])].sort()) {
    const was = packagesBefore[name];
    const is = packagesAfter[name];
    if (was !== is) {
      out.push({
        kind: "package",
        name,
        ...(was === undefined ? {} : { old: was }),
        ...(is === undefined ? {} : { new: is }),
      });
    }
  }
  const followedBefore = new Set(
    (old.record.notFollowed ?? []).map((entry) => `${entry.unit}\0${entry.text}`),
  );
  for (const entry of current.record.notFollowed ?? []) {
    if (!followedBefore.has(`${entry.unit}\0${entry.text}`)) out.push({ kind: "not-followed", ...entry });
  }
}

/** `file#name` (the name may itself hold `#`: the file never does). */
export function splitUnitId(id: string): { file: string; name: string } {
  const cut = id.indexOf("#");
  return cut < 0 ? { file: "", name: id } : { file: id.slice(0, cut), name: id.slice(cut + 1) };
}

const MAX_DIFF_LINES = 24;

/** A unified diff of two unit texts, or undefined when it would be long (the name and file say enough). */
function shortDiff(file: string, before: string, after: string): string | undefined {
  const patch = jsDiff().structuredPatch(file, file, before, after, "", "", { context: 1 });
  const lines = patch.hunks.flatMap((hunk) => [
    `@@ -${hunk.oldStart},${hunk.oldLines} +${hunk.newStart},${hunk.newLines} @@`,
    ...hunk.lines,
  ]);
  if (lines.length === 0 || lines.length > MAX_DIFF_LINES) return undefined;
  return lines.join("\n");
}

/** Config differences by path: a changed leaf, a key only on one side. Iterative: configs may nest deeply. */
function diffValues(before: unknown, after: unknown, root: string, out: KeyDifference[]): void {
  const work: [unknown, unknown, string][] = [[before, after, root]];
  while (work.length > 0) {
    const [a, b, path] = work.pop()!;
    if (isObject(a) && isObject(b) && Array.isArray(a) === Array.isArray(b) && !isRef(a) && !isRef(b)) {
      const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort().reverse();
      for (const key of keys) {
        const child = `${path}.${key}`;
        const x = (a as Record<string, unknown>)[key];
        const y = (b as Record<string, unknown>)[key];
        if (x === undefined && y !== undefined) out.push({ kind: "argument", path: child, new: y });
        else if (x !== undefined && y === undefined) out.push({ kind: "argument", path: child, old: x });
        else work.push([x, y, child]);
      }
    } else if (canonicalJson(a) !== canonicalJson(b)) {
      out.push({ kind: "argument", path, old: a, new: b });
    }
  }
}

function isObject(value: unknown): value is object {
  return typeof value === "object" && value !== null;
}

function isRef(value: object): boolean {
  return (value as { type?: unknown }).type === "ref";
}

/** One line for a difference, as `--dry-run` and `explain` print it. */
export function describeDifference(difference: KeyDifference): string {
  switch (difference.kind) {
    case "no-earlier":
      return "no earlier result";
    case "forced":
      return "forced (--force)";
    case "not-deterministic":
      return "deterministic: false (runs every time)";
    case "not-cacheable":
      return "cacheable: false (runs every time)";
    case "waits":
      return `waits for ${difference.step}`;
    case "type":
      return `step type changed: ${difference.old} -> ${difference.new}`;
    case "version":
      return `version changed: ${difference.old} -> ${difference.new}`;
    case "flag":
      return `${difference.flag} changed: ${show(difference.old)} -> ${show(difference.new)}`;
    case "argument":
      if (difference.old === undefined) return `argument ${difference.path} added: ${show(difference.new)}`;
      if (difference.new === undefined)
        return `argument ${difference.path} removed (was ${show(difference.old)})`;
      return `argument ${difference.path} changed: ${show(difference.old)} -> ${show(difference.new)}`;
    case "code":
      return `${difference.name} in ${difference.file} ${difference.change === "changed" ? "changed" : difference.change === "added" ? "is new to this step's code" : "is no longer reached"}`;
    case "package":
      return `package ${difference.name} ${difference.old ?? "(none)"} -> ${difference.new ?? "(none)"}`;
    case "not-followed":
      return `dynamic import not followed in ${difference.unit}: ${difference.text}`;
    case "upstream":
      return `upstream result changed: ${difference.step} (read at ${difference.path})`;
    case "entry-missing":
      return `same key as before, but its cached result is gone (entry ${difference.fingerprint})`;
  }
}

const MAX_VALUE_TEXT = 80;

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length <= MAX_VALUE_TEXT ? text : `${text.slice(0, MAX_VALUE_TEXT - 3)}...`;
}

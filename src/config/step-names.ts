import type { ConfigIssue } from "../errors.js";

/** The rule, as the error message states it. */
export const STEP_NAME_RULE =
  'a step name must be non-empty, without "/", "\\" or control characters, must not start or end with "." nor contain "..", ' +
  'and must not be another step\'s name followed by "." (ref "a.b" reads field "b" of step "a")';

/**
 * Names that cannot be referenced unambiguously, or would make a bad folder or path: empty
 * names, path separators (`a/b`, `../x`), control characters, empty dotted segments, and a
 * dotted name that starts with another step's name (with steps `a` and `a.b`, the ref `a.b`
 * could mean either). One issue per bad name, with its config path.
 */
export function stepNameIssues(names: readonly string[]): ConfigIssue[] {
  const all = new Set(names);
  const issues: ConfigIssue[] = [];
  for (const name of names) {
    const problem = nameProblem(name, all);
    if (problem !== undefined) {
      issues.push({
        path: `steps.${name}`,
        message: `invalid step name ${JSON.stringify(name)}: ${problem}; ${STEP_NAME_RULE}`,
      });
    }
  }
  return issues;
}

function nameProblem(name: string, all: ReadonlySet<string>): string | undefined {
  if (name === "") return "it is empty";
  if (/[/\\]/.test(name)) return 'it contains "/" or "\\"';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused.
  if (/[\u0000-\u001f\u007f]/.test(name)) return "it contains a control character";
  if (name.startsWith(".") || name.endsWith(".") || name.includes(".."))
    return 'it has an empty "."-separated part';
  const parts = name.split(".");
  for (let cut = 1; cut < parts.length; cut++) {
    const prefix = parts.slice(0, cut).join(".");
    if (all.has(prefix)) {
      return `step "${prefix}" exists, so ref "${name}" could also mean field "${parts.slice(cut).join(".")}" of "${prefix}"`;
    }
  }
  return undefined;
}

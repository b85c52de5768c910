/**
 * The files `formed init` writes: a small word-count workflow of three typed steps. Kept as
 * strings (not files beside the package) so that they are part of the bundle.
 */
export const INIT_TEMPLATES: Readonly<Record<string, string>> = {
  "steps.ts": `// The steps of this workflow: typed functions, wired together in config.jsonnet.
// formed reads their parameter types, so a wrong value in the config is reported before anything runs.
import { step, useStepLogger } from "formed";

/** Splits a text into lowercase words. */
export const tokenize = step(({ text }: { text: string }): string[] =>
  text
    .toLowerCase()
    .split(/[^a-z0-9']+/)
    .filter((word) => word !== ""),
);

/** How often each word occurs: the \`top\` most frequent, most frequent first. */
export const countWords = step(({ words, top = 5 }: { words: string[]; top?: number }): Record<string, number> => {
  const counts = new Map<string, number>();
  for (const word of words) counts.set(word, (counts.get(word) ?? 0) + 1);
  const sorted = [...counts].sort(([a, x], [b, y]) => y - x || a.localeCompare(b));
  return Object.fromEntries(sorted.slice(0, top));
});

/** A short report of the counts, also written to the step's log. */
export const report = step(({ title, counts }: { title: string; counts: Record<string, number> }): string => {
  const lines = [title, ...Object.entries(counts).map(([word, n]) => \`  \${word}: \${n}\`)];
  for (const line of lines) useStepLogger().info(line);
  return lines.join("\\n");
});
`,
  "config.jsonnet": `// The workflow: each entry of \`steps\` calls a step of steps.ts by its \`type\`; the other keys
// are its arguments. { type: 'ref', ref: NAME } passes the result of another step.
// Run it twice: the second run reuses every cached result. Change \`top\` and only the steps
// that depend on it run again.
local text = |||
  The quick brown fox jumps over the lazy dog.
  The dog sleeps; the fox runs, and the quick fox is gone.
|||;

{
  steps: {
    words: { type: 'tokenize', text: text },
    counts: { type: 'countWords', words: { type: 'ref', ref: 'words' }, top: 3 },
    summary: { type: 'report', title: 'Most frequent words', counts: { type: 'ref', ref: 'counts' } },
  },
}
`,
  "formed.yml": `# formed's settings for this project: the modules that define the steps, where results go.
required_modules:
  - ./steps.ts
workflow:
  organizer: filesystem   # results and executions under .formed/
`,
  "tsconfig.json": `{
  "compilerOptions": {
    "target": "ES2022",
    "lib": ["ES2023"],
    "module": "ESNext",
    "moduleResolution": "Bundler",
    "strict": true,
    "noEmit": true,
    "skipLibCheck": true,
    "isolatedModules": true
  },
  "include": ["**/*.ts"],
  "exclude": ["node_modules", ".formed"]
}
`,
  ".gitignore": `# formed's results and execution records
.formed/
node_modules/
`,
};

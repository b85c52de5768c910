import { describe, expect, it } from "vitest";
import { analyzeProjectTypes } from "../../../src/types/analyzer/index.js";
import type { ClassDescription, TypeDescription } from "../../../src/types/type-description.js";
import { fixtureProject } from "./fixture-project.js";

function propertyTypes(parameter: TypeDescription | undefined): Record<string, TypeDescription> {
  if (parameter?.kind !== "object") throw new Error(`expected an object parameter, got ${parameter?.kind}`);
  return Object.fromEntries(parameter.properties.map((property) => [property.name, property.type]));
}

describe("analyzer: classes config cannot build", () => {
  it("describes Node globals it cannot resolve and lib classes as built-ins, other unknown names as any", async () => {
    const dir = fixtureProject({
      "steps.ts": `
import { step } from "formed";
export class Holder { constructor(public link: URL, public n = 1) {} }
export const urls = step((args: {
  url: URL;
  maybe?: URL;
  list: URL[];
  pattern: RegExp;
  bytes: Uint8Array;
  encoding: BufferEncoding;
  env: NodeJS.ProcessEnv;
  holder: Holder;
  plain: object;
}) => 1);
`,
    });
    const types = await analyzeProjectTypes({
      cwd: dir,
      steps: [{ name: "urls", file: "steps.ts", exportName: "urls" }],
    });
    const url: TypeDescription = { kind: "builtin", name: "URL" };
    expect(propertyTypes(types.steps.urls?.parameter)).toEqual({
      url,
      maybe: url,
      list: { kind: "array", element: url },
      pattern: { kind: "builtin", name: "RegExp" },
      bytes: { kind: "builtin", name: "Uint8Array" },
      // Not a class of the runtime: what it stands for is unknown, so anything goes, as before.
      encoding: { kind: "any" },
      env: { kind: "any" },
      holder: { kind: "class", id: "steps.ts:Holder" },
      plain: { kind: "any" },
    });
    const holder = types.definitions["steps.ts:Holder"] as ClassDescription;
    expect(holder.parameters[0]?.type).toEqual(url);
  });
});

describe("analyzer: registrations", () => {
  const BASE = `
import { Registrable } from "formed";
export abstract class Tokenizer extends Registrable { abstract tokenize(s: string): string[]; }
export class CharTokenizer extends Tokenizer { tokenize(s: string) { return [...s]; } }
Tokenizer.register("chars", CharTokenizer);
`;
  const WHITESPACE = `
import { Tokenizer } from "./tokenizer.js";
@Tokenizer.register("whitespace")
export class WhitespaceTokenizer extends Tokenizer { tokenize(s: string) { return s.split(" "); } }
`;
  const STEPS = `
import { step } from "formed";
import { Tokenizer } from "./tokenizer.js";
export const split = step(({ t }: { t: Tokenizer }) => t.tokenize("a b"));
`;

  it("finds Base.register(name, Cls) calls, and registrations in every required module", async () => {
    const dir = fixtureProject({ "tokenizer.ts": BASE, "whitespace.ts": WHITESPACE, "steps.ts": STEPS });
    const steps = [{ name: "split", file: "steps.ts", exportName: "split" }];
    const registeredOf = (result: Awaited<ReturnType<typeof analyzeProjectTypes>>) =>
      (result.definitions["tokenizer.ts:Tokenizer"] as ClassDescription | undefined)?.registered;

    // Without the module that registers "whitespace", only what the step file reaches counts.
    expect(registeredOf(await analyzeProjectTypes({ cwd: dir, steps }))).toEqual({
      chars: "tokenizer.ts:CharTokenizer",
    });
    // Listed in required_modules, it is read too, even though no step file imports it.
    const withModules = await analyzeProjectTypes({
      cwd: dir,
      steps,
      modules: [`${dir}/whitespace.ts`, "tokenizer.ts", "steps.ts", `${dir}/node_modules/formed/index.js`],
    });
    expect(registeredOf(withModules)).toEqual({
      chars: "tokenizer.ts:CharTokenizer",
      whitespace: "whitespace.ts:WhitespaceTokenizer",
    });
  });
});

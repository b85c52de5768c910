/**
 * The code a step's config makes it run besides its own function: the classes its config
 * builds (a class-typed argument, a `Registrable` choice by `type`) and the exports a
 * `type: 'module:Export'` names. They are roots of the step's code version, as the step
 * function is: editing `tokenize` of the tokenizer a config picks makes the step run again.
 *
 * Over-approximates where the value alone cannot tell (a union position walks every member),
 * never under: a class that may be built is counted.
 */

import { isPlainObject } from "../construct/config-value.js";
import { classOf, constructorKeys, positionalParameters, resolveNamed } from "../construct/definitions.js";
import { parseModuleReference } from "../construct/module-reference.js";
import type { CodeRoot } from "../fingerprint/code-graph/code-graph.js";
import type { ClassDescription, ProjectTypes, TypeDescription } from "../types/type-description.js";
import { isRefObject } from "./ref.js";

/** Roots for every class and module export the step's config builds. `cwd` is what relative module references are relative to. */
export function configBuiltRoots(
  types: ProjectTypes | undefined,
  stepType: string,
  stepConfig: Readonly<Record<string, unknown>>,
  cwd: string,
): CodeRoot[] {
  const roots = new Map<string, CodeRoot>();
  const addModuleReference = (reference: unknown): void => {
    const parsed = typeof reference === "string" ? parseModuleReference(reference) : undefined;
    if (parsed === undefined) return;
    const root: CodeRoot = {
      kind: "export",
      specifier: parsed.module,
      from: cwd,
      exportName: parsed.exportName,
    };
    roots.set(`${parsed.module}:${parsed.exportName}`, root);
  };
  const addClass = (cls: ClassDescription): void => {
    roots.set(`${cls.module}:${cls.exportName}`, {
      kind: "export",
      specifier: cls.module,
      from: cwd,
      exportName: cls.exportName,
    });
  };

  // Work list instead of recursion: configs may nest deeply.
  const work: { type: TypeDescription | undefined; value: unknown }[] = [];
  const parameter = types?.steps[stepType]?.parameter;
  const { type: _type, ...args } = stepConfig;
  work.push({ type: parameter, value: args });
  while (work.length > 0) {
    const { type, value } = work.pop()!;
    if (value === null || typeof value !== "object" || isRefObject(value)) continue;
    // `type: 'module:Export'` builds that export wherever it stands.
    if (isPlainObject(value)) addModuleReference(value.type);
    if (type === undefined || types === undefined) {
      for (const item of Object.values(value)) work.push({ type: undefined, value: item });
      continue;
    }
    const resolved = resolveNamed(types, type);
    switch (resolved.kind) {
      case "class": {
        const cls = classOf(types, resolved.id);
        if (cls === undefined || !isPlainObject(value)) break;
        let built: ClassDescription | undefined = cls;
        const chosen = value.type;
        if (typeof chosen === "string") {
          const subclass = cls.registered?.[chosen];
          // A registered name picks its subclass; a module reference was counted above; any other `type` is an argument.
          if (subclass !== undefined) built = classOf(types, subclass);
          else if (parseModuleReference(chosen) !== undefined) built = undefined;
        }
        if (built === undefined) {
          for (const item of Object.values(value)) work.push({ type: undefined, value: item });
          break;
        }
        addClass(built);
        pushArguments(built, value, work);
        break;
      }
      case "lazy":
        work.push({ type: resolved.target, value });
        break;
      case "union":
        for (const member of resolved.members) work.push({ type: member, value });
        break;
      case "array":
      case "set":
        if (Array.isArray(value))
          for (const item of value) work.push({ type: resolved.element, value: item });
        break;
      case "tuple":
        if (Array.isArray(value)) {
          for (const [index, item] of value.entries()) {
            work.push({ type: resolved.elements[index] ?? resolved.rest, value: item });
          }
        }
        break;
      case "record":
        for (const item of Object.values(value)) work.push({ type: resolved.value, value: item });
        break;
      case "map":
        if (Array.isArray(value)) {
          for (const pair of value)
            if (Array.isArray(pair)) work.push({ type: resolved.value, value: pair[1] });
        } else {
          for (const item of Object.values(value)) work.push({ type: resolved.value, value: item });
        }
        break;
      case "object": {
        if (!isPlainObject(value)) break;
        for (const [name, item] of Object.entries(value)) {
          const property = resolved.properties.find((candidate) => candidate.name === name);
          work.push({ type: property?.type ?? resolved.additional, value: item });
        }
        break;
      }
      default:
        for (const item of Object.values(value)) work.push({ type: undefined, value: item });
    }
  }
  return [...roots.values()];
}

/** The constructor arguments in `value`, each with its parameter's type. */
function pushArguments(
  cls: ClassDescription,
  value: Record<string, unknown>,
  work: { type: TypeDescription | undefined; value: unknown }[],
): void {
  const keys = constructorKeys(cls);
  const positional = value["*"];
  if (Array.isArray(positional)) {
    const parameters = positionalParameters(keys);
    for (const [index, item] of positional.entries())
      work.push({ type: parameters[index]?.type, value: item });
  }
  for (const [name, item] of Object.entries(value)) {
    if (name === "type" || name === "*") continue;
    const parameter = cls.parameters.find((candidate) => candidate.name === name);
    work.push({ type: parameter?.type, value: item });
  }
}

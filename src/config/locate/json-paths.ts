/**
 * Config paths in a JSON file, with a parser that keeps positions (jsonc-parser, the one VS
 * Code's JSON service uses). A key written twice is the last one, as JSON.parse reads it.
 */
import type { Node } from "jsonc-parser";
import type { PathLocation, SourceSpan } from "../../jsonnet/engine.js";
import { foundPart, nextKey, TextPositions } from "./text-spans.js";

export async function locateInJson(
  file: string,
  text: string,
  paths: readonly string[],
): Promise<PathLocation[]> {
  // Loaded here, not with the CLI: only this command needs it.
  const { parseTree } = await import("jsonc-parser");
  // An editor shows no byte order mark, and counts no column for it.
  const source = text.replace(/^\uFEFF/, "");
  const positions = new TextPositions(file, source);
  const root = parseTree(source);
  return paths.map((path) => {
    let node = root;
    let rest = path;
    let span: SourceSpan | undefined;
    while (node !== undefined && rest !== "") {
      const step = child(node, rest);
      if (step === undefined) break;
      span = positions.span(step.at.offset, step.at.offset + step.at.length);
      node = step.value;
      rest = step.after;
    }
    return { path, found: foundPart(path, rest), ...(span === undefined ? {} : { span }) };
  });
}

/** The property (its key and value) or array element that `rest` goes into next. */
function child(node: Node, rest: string): { at: Node; value: Node | undefined; after: string } | undefined {
  if (node.type === "object") {
    const properties = new Map<string, Node>();
    for (const property of node.children ?? []) {
      const key = property.children?.[0]?.value;
      if (typeof key === "string") properties.set(key, property);
    }
    const next = nextKey(rest, properties.keys());
    if (next === undefined) return undefined;
    const property = properties.get(next.key)!;
    return { at: property, value: property.children?.[1], after: next.after };
  }
  if (node.type === "array") {
    const [segment = "", ...more] = rest.split(".");
    const element = /^\d+$/.test(segment) ? node.children?.[Number(segment)] : undefined;
    return element === undefined ? undefined : { at: element, value: element, after: more.join(".") };
  }
  return undefined;
}

/** Config paths in a YAML file (formed.yml), from the positions the yaml parser keeps. */
import { isMap, isPair, isScalar, isSeq, parseDocument } from "yaml";
import type { PathLocation, SourceSpan } from "../../jsonnet/engine.js";
import { foundPart, nextKey, TextPositions } from "./text-spans.js";

export function locateInYaml(file: string, text: string, paths: readonly string[]): PathLocation[] {
  const positions = new TextPositions(file, text);
  const document = parseDocument(text);
  return paths.map((path) => {
    let node: unknown = document.contents;
    let rest = path;
    let span: SourceSpan | undefined;
    while (rest !== "") {
      if (isMap(node)) {
        const pairs = new Map<string, (typeof node.items)[number]>();
        for (const pair of node.items) {
          if (isPair(pair) && isScalar(pair.key)) pairs.set(String(pair.key.value), pair);
        }
        const next = nextKey(rest, pairs.keys());
        if (next === undefined) break;
        const pair = pairs.get(next.key)!;
        const start = (pair.key as { range?: [number, number, number] }).range?.[0];
        const end = (pair.value as { range?: [number, number, number] } | null)?.range?.[1];
        const keyEnd = (pair.key as { range?: [number, number, number] }).range?.[1];
        if (start !== undefined) span = positions.span(start, end ?? keyEnd ?? start);
        node = pair.value;
        rest = next.after;
      } else if (isSeq(node)) {
        const [segment = "", ...more] = rest.split(".");
        const item = /^\d+$/.test(segment) ? node.items[Number(segment)] : undefined;
        const range = (item as { range?: [number, number, number] } | undefined)?.range;
        if (range === undefined) break;
        span = positions.span(range[0], range[1]);
        node = item;
        rest = more.join(".");
      } else {
        break;
      }
    }
    return { path, found: foundPart(path, rest), ...(span === undefined ? {} : { span }) };
  });
}

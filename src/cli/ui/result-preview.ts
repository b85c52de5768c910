/**
 * A step's result as `formed ui` previews it: JSON for a value, the first items of a stream, the
 * format and size of a binary result. Reading a result needs the project's formats and classes,
 * so the project is loaded on the first request (its step modules too), once.
 */

import { BINARY_RECORDS_FILE, BINARY_VALUE_FILE } from "../../format/binary.js";
import type { WorkflowProject } from "../../workflow/project.js";
import { isBytes, isItemStream, resultJson } from "../result-output.js";
import type { UiRecords } from "./ui-records.js";

export const PREVIEW_ITEMS = 50;
const PREVIEW_CHARS = 200_000;

export type ResultPreview =
  | { readonly kind: "value"; readonly format: string; readonly json: string; readonly truncated: boolean }
  | { readonly kind: "items"; readonly format: string; readonly items: string[]; readonly more: boolean }
  | { readonly kind: "binary"; readonly format: string; readonly bytes?: number }
  | { readonly kind: "none"; readonly message: string };

export async function previewResult(
  ui: UiRecords,
  project: () => Promise<WorkflowProject>,
  id: string,
  name: string,
): Promise<ResultPreview> {
  const { execution, step } = await ui.step(id, name);
  const status = execution.steps[name]?.status;
  if (status === "running" || status === "pending") {
    return {
      kind: "none",
      message: `no result yet: the step is ${status === "running" ? "running" : "waiting"}`,
    };
  }
  const fingerprint = execution.steps[name]?.fingerprint ?? "";
  const entry = await ui.records.entry(fingerprint);
  const format = entry?.format || step.format;
  if (entry?.files.some((file) => file === BINARY_VALUE_FILE || file === BINARY_RECORDS_FILE)) {
    return { kind: "binary", format, bytes: entry.bytes };
  }
  let value: unknown;
  try {
    const loaded = await project();
    value = await loaded.organizer.readResult(execution, name, loaded.formats);
  } catch (error) {
    return { kind: "none", message: error instanceof Error ? error.message : String(error) };
  }
  if (isBytes(value)) return { kind: "binary", format, ...(entry ? { bytes: entry.bytes } : {}) };
  if (isItemStream(value)) {
    const items: string[] = [];
    let more = false;
    for await (const item of value) {
      if (items.length === PREVIEW_ITEMS) {
        more = true;
        break;
      }
      items.push(resultJson(item));
    }
    return { kind: "items", format, items, more };
  }
  const json = resultJson(value, 2);
  return {
    kind: "value",
    format,
    json: json.length > PREVIEW_CHARS ? json.slice(0, PREVIEW_CHARS) : json,
    truncated: json.length > PREVIEW_CHARS,
  };
}

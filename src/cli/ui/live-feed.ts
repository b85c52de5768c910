/**
 * Server-sent events for `formed ui`: an execution's states and a log file's new text, as they
 * change. Both poll what the organizer records (its `get`, the log file's size) rather than
 * watch folders: the same code serves every organizer, and a record flushed in batches
 * (steps.json) is read whole each time.
 */
import { open, stat } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { ArchivedExecution } from "../../organizer/archive.js";

const POLL_MS = 250;
const ENDED = new Set(["completed", "failure", "canceled", "interrupted"]);

export function startEvents(response: ServerResponse): void {
  response.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
    connection: "keep-alive",
  });
  response.write(": formed ui\n\n");
}

export function sendEvent(response: ServerResponse, event: string, data: unknown): void {
  response.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

/** The execution's state and step states now, then each time they change, until it ends. */
export function streamExecution(
  request: IncomingMessage,
  response: ServerResponse,
  read: () => Promise<ArchivedExecution>,
): void {
  startEvents(response);
  let last = "";
  let closed = false;
  request.on("close", () => {
    closed = true;
  });
  const tick = async () => {
    if (closed) return;
    try {
      const execution = await read();
      const update = { state: execution.state, steps: execution.steps };
      const text = JSON.stringify(update);
      if (text !== last) {
        last = text;
        sendEvent(response, "state", update);
      }
      if (ENDED.has(execution.state.status)) {
        sendEvent(response, "end", { status: execution.state.status });
        response.end();
        return;
      }
    } catch {
      // A record being rewritten reads as unreadable for a moment: try again.
    }
    setTimeout(tick, POLL_MS);
  };
  void tick();
}

/** The text of a log file, then what is appended to it while `running()` says so. */
export function streamLog(
  request: IncomingMessage,
  response: ServerResponse,
  path: string | undefined,
  running: () => Promise<boolean>,
): void {
  startEvents(response);
  let offset = 0;
  let closed = false;
  request.on("close", () => {
    closed = true;
  });
  const readNew = async () => {
    if (path === undefined) return;
    const size = await stat(path).then(
      (info) => info.size,
      () => 0,
    );
    if (size <= offset) return;
    const handle = await open(path, "r");
    try {
      const buffer = Buffer.alloc(size - offset);
      await handle.read(buffer, 0, buffer.length, offset);
      offset = size;
      sendEvent(response, "log", buffer.toString("utf8"));
    } finally {
      await handle.close();
    }
  };
  const tick = async () => {
    if (closed) return;
    try {
      const goesOn = await running();
      await readNew();
      if (!goesOn) {
        sendEvent(response, "end", {});
        response.end();
        return;
      }
    } catch {
      // read again at the next tick
    }
    setTimeout(tick, POLL_MS);
  };
  void tick();
}

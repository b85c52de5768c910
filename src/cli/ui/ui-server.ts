/**
 * The HTTP server of `formed ui` (node:http, no framework): the page (files built into
 * dist/web at `npm run build`, served from a fixed list, so no URL names a file), a read-only
 * JSON API over the records, and server-sent events while a run goes on. Every method but GET
 * and HEAD is refused: nothing here writes or deletes.
 */
import { readFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { join } from "node:path";
import { packageRoot } from "../../common/package-info.js";
import { describeDifference } from "../../fingerprint/key-diff.js";
import type { ExecutionRecords } from "../../workflow/execution-records.js";
import type { WorkflowProject } from "../../workflow/project.js";
import { streamExecution, streamLog } from "./live-feed.js";
import { previewResult } from "./result-preview.js";
import { isNotFound, NotFound, UiRecords } from "./ui-records.js";

const ASSETS: Readonly<Record<string, { file: string; type: string }>> = {
  "/": { file: "index.html", type: "text/html; charset=utf-8" },
  "/app.js": { file: "app.js", type: "text/javascript; charset=utf-8" },
  "/style.css": { file: "style.css", type: "text/css; charset=utf-8" },
};

export interface UiServerOptions {
  readonly records: ExecutionRecords;
  /** Loads the project (its formats read results); called on the first result preview. */
  readonly project: () => Promise<WorkflowProject>;
  /**
   * Host names a request may name (its Host header, without the port); any when absent. Bound to
   * loopback, only loopback names: a web page whose own name resolves to 127.0.0.1 (DNS
   * rebinding) cannot read the records through the user's browser.
   */
  readonly allowedHosts?: readonly string[];
  /** Where the built page is (default: this package's dist/web). */
  readonly assets?: string;
}

class BadRequest extends Error {}

export function createUiServer(options: UiServerOptions): Server {
  const ui = new UiRecords(options.records);
  let project: Promise<WorkflowProject> | undefined;
  const loadProject = () => {
    project ??= options.project();
    return project;
  };
  const assets = options.assets ?? join(packageRoot(), "dist", "web");
  return createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (response.headersSent) {
        response.end();
        return;
      }
      const status = isNotFound(error) ? 404 : error instanceof BadRequest ? 400 : 500;
      sendJson(response, status, { error: error instanceof Error ? error.message : String(error) });
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (request.method !== "GET" && request.method !== "HEAD") {
      response.writeHead(405, { allow: "GET, HEAD" }).end();
      return;
    }
    if (options.allowedHosts !== undefined && !options.allowedHosts.includes(hostName(request))) {
      response.writeHead(403, { "content-type": "text/plain; charset=utf-8" }).end("host not allowed\n");
      return;
    }
    const url = new URL(request.url ?? "/", "http://localhost");
    const asset = ASSETS[url.pathname];
    if (asset !== undefined) {
      const body = await readFile(join(assets, asset.file));
      response.writeHead(200, { "content-type": asset.type, "cache-control": "no-cache" }).end(body);
      return;
    }
    const parts = segments(url.pathname);
    if (parts[0] !== "api") throw new NotFoundRoute(url.pathname);
    await api(parts.slice(1), url, request, response);
  }

  async function api(
    parts: string[],
    url: URL,
    request: IncomingMessage,
    response: ServerResponse,
  ): Promise<void> {
    const [section, id, sub, step, leaf] = parts;
    if (section === "executions" && id === undefined && parts.length === 1) {
      return sendJson(response, 200, await options.records.list());
    }
    if (section === "diff" && parts.length === 3 && id !== undefined && sub !== undefined) {
      await ui.execution(id);
      await ui.execution(sub);
      const diff = await options.records.diff(id, sub);
      // Each difference also as the line `formed workflow diff` prints.
      const steps = diff.steps.map((step) => ({
        ...step,
        described: step.differences.map(describeDifference),
      }));
      return sendJson(response, 200, { ...diff, steps });
    }
    if (section !== "executions" || id === undefined) throw new NotFoundRoute(url.pathname);
    if (parts.length === 2) return sendJson(response, 200, await ui.execution(id));
    if (sub === "events" && parts.length === 3) {
      await ui.execution(id);
      return streamExecution(request, response, () => ui.execution(id));
    }
    if (sub === "log" && parts.length === 3) {
      return sendText(response, await ui.logPath(id));
    }
    if (sub !== "steps" || step === undefined) throw new NotFoundRoute(url.pathname);
    if (parts.length === 4) return sendJson(response, 200, await ui.stepView(id, step));
    if (leaf === "result" && parts.length === 5) {
      return sendJson(response, 200, await previewResult(ui, loadProject, id, step));
    }
    if (leaf === "log" && parts.length === 5) {
      const path = await ui.logPath(id, step);
      if (url.searchParams.get("follow") === null) return sendText(response, path);
      const running = async () => {
        const execution = await ui.execution(id);
        const status = execution.steps[step]?.status;
        return status === "running" || status === "pending";
      };
      return streamLog(request, response, path, running);
    }
    throw new NotFoundRoute(url.pathname);
  }
}

class NotFoundRoute extends NotFound {
  constructor(path: string) {
    super(`no such page: ${path}`);
  }
}

function hostName(request: IncomingMessage): string {
  try {
    return new URL(`http://${request.headers.host ?? ""}`).hostname;
  } catch {
    return "";
  }
}

/** The path's segments, each percent-decoded once (so "%2F" is part of a name, never a separator). */
function segments(pathname: string): string[] {
  return pathname
    .split("/")
    .filter((part) => part !== "")
    .map((part) => {
      try {
        return decodeURIComponent(part);
      } catch {
        throw new BadRequest(`bad percent-encoding in ${JSON.stringify(part)}`);
      }
    });
}

function sendJson(response: ServerResponse, status: number, value: unknown): void {
  response
    .writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-cache" })
    .end(JSON.stringify(value));
}

async function sendText(response: ServerResponse, path: string | undefined): Promise<void> {
  const text = path === undefined ? "" : await readFile(path, "utf8").catch(() => "");
  response.writeHead(200, { "content-type": "text/plain; charset=utf-8" }).end(text);
}

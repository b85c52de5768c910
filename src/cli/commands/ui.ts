/**
 * `formed ui`: serves a read-only web view of the working directory's executions (list, DAG,
 * steps, logs, results, diffs) on 127.0.0.1 unless --host says otherwise, until Ctrl-C.
 */
import type { AddressInfo } from "node:net";
import { ExecutionRecords } from "../../workflow/execution-records.js";
import { WorkflowProject } from "../../workflow/project.js";
import type { Terminal } from "../terminal.js";
import { createUiServer } from "../ui/ui-server.js";

export interface UiCommandOptions {
  port?: number;
  host?: string;
  settings?: string;
}

const LOOPBACK = ["127.0.0.1", "localhost", "::1"];
const LOOPBACK_NAMES = ["127.0.0.1", "localhost", "[::1]"];

export async function uiCommand(terminal: Terminal, options: UiCommandOptions): Promise<number> {
  const settings = options.settings === undefined ? {} : { settingsFile: options.settings };
  const records = await ExecutionRecords.open(settings);
  const host = options.host ?? "127.0.0.1";
  const server = createUiServer({
    records,
    project: () => WorkflowProject.load(settings),
    ...(LOOPBACK.includes(host) ? { allowedHosts: LOOPBACK_NAMES } : {}),
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 4141, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const shown = host.includes(":") ? `[${host}]` : host;
  terminal.out(`formed ui: http://${shown}:${port}/ (Ctrl-C to stop)\n`);
  await new Promise<void>((resolve) => {
    const stop = () => {
      server.closeAllConnections();
      server.close(() => resolve());
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  return 0;
}

/**
 * `formed worker`: computes the steps a distributed executor (`workflow.executor.type:
 * distributed`) sends to its queue, until stopped. Ctrl-C (or SIGTERM) stops taking jobs and
 * lets the running ones finish; a second one hands them back to the queue; a third quits at once.
 */
import { availableParallelism } from "node:os";
import { FormedError } from "../../errors.js";
import { QueueWorker } from "../../workflow/queue-worker.js";
import { reportError } from "../report-error.js";
import type { Terminal } from "../terminal.js";

export interface WorkerCommandOptions {
  settings?: string;
  concurrency?: number;
  resources?: string;
  queue?: string;
}

const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

export async function workerCommand(terminal: Terminal, options: WorkerCommandOptions): Promise<number> {
  const say = (line: string) => terminal.err(`${line}\n`);
  const lockMs = Number(process.env.FORMED_WORKER_LOCK_MS);
  const worker = await QueueWorker.start({
    cwd: process.cwd(),
    ...(options.settings === undefined ? {} : { settingsFile: options.settings }),
    concurrency: options.concurrency ?? availableParallelism(),
    resources: parseResources(options.resources),
    ...(options.queue === undefined ? {} : { queue: options.queue }),
    ...(Number.isFinite(lockMs) && lockMs > 0 ? { lockMs } : {}),
    say,
  });
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    if (signals === 1) {
      say(`stopping (${signal}): no new steps; running ones finish (send it again to hand them back)`);
      void worker.drain();
    } else if (signals === 2) {
      say(`stopping (${signal}): running steps go back to the queue (send it again to quit at once)`);
      void worker.abandon();
    } else {
      process.exit(130);
    }
  };
  for (const signal of SIGNALS) process.on(signal, onSignal);
  try {
    await worker.finished;
    say("worker stopped");
    return 0;
  } catch (error) {
    reportError(terminal, error);
    return 1;
  } finally {
    for (const signal of SIGNALS) process.off(signal, onSignal);
  }
}

/** `gpu=1,llm=4` */
export function parseResources(text: string | undefined): Record<string, number> {
  const resources: Record<string, number> = {};
  if (text === undefined || text.trim() === "") return resources;
  for (const part of text.split(",")) {
    const match = /^\s*([A-Za-z_][\w-]*)\s*=\s*(\d+(?:\.\d+)?)\s*$/.exec(part);
    if (match === null) {
      throw new FormedError(
        "E_USAGE",
        `--resources expects NAME=AMOUNT pairs separated by commas (e.g. gpu=1,llm=4), got ${JSON.stringify(part)}`,
      );
    }
    resources[match[1] as string] = Number(match[2]);
  }
  return resources;
}

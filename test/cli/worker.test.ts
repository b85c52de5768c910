import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import type { Terminal } from "../../src/cli/terminal.js";

/** Runs the CLI in-process and keeps what it printed. */
async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const terminal: Terminal = {
    out: (text) => {
      out += text;
    },
    err: (text) => {
      err += text;
    },
    interactive: false,
    color: false,
  };
  const code = await main(argv, terminal);
  return { code, out, err };
}

describe("formed worker, in-process", () => {
  it("documents itself", async () => {
    const { code, out } = await cli("worker", "--help");
    expect(code).toBe(0);
    expect(out).toMatchInlineSnapshot(`
      "Usage: formed worker [options]

      compute the steps a distributed executor sends to its queue, until stopped
      (Ctrl-C)

      Options:
        --concurrency <n>              steps at once, each in a worker process
                                       (default: the cores)
        --resources <name=amount,...>  what this machine has, e.g. gpu=1,llm=4: steps
                                       asking for them come here
        --queue <name>                 the queue to serve instead of formed.yml's
                                       workflow.executor.queue
        --settings <file>              settings file instead of ./formed.yml
        -h, --help                     display help for command
      "
    `);
  });

  it("is listed among the commands", async () => {
    const { out } = await cli("--help");
    expect(out).toMatch(/\n {2}worker \[options\] +compute the steps a distributed executor sends/);
  });

  it("exits 2 on a bad --resources or --concurrency, before opening anything", async () => {
    const resources = await cli("worker", "--resources", "gpu");
    expect(resources.code).toBe(2);
    expect(resources.err).toContain(
      '--resources expects NAME=AMOUNT pairs separated by commas (e.g. gpu=1,llm=4), got "gpu"',
    );
    const concurrency = await cli("worker", "--concurrency", "0");
    expect(concurrency.code).toBe(2);
    expect(concurrency.err).toContain("expected a whole number of at least 1");
  });
});

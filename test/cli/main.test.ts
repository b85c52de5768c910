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

describe("formed CLI, in-process", () => {
  it("documents workflow run", async () => {
    const { code, out } = await cli("workflow", "run", "--help");
    expect(code).toBe(0);
    expect(out).toMatchInlineSnapshot(`
      "Usage: formed workflow run [options] <config>

      run a workflow, reusing every cached result

      Arguments:
        config                  workflow config (.jsonnet or .json)

      Options:
        --execution-id <id>     id of the new execution (refused if it exists)
        --step <name>           run only this step and its dependencies (repeatable)
                                (default: [])
        --force <name>          run this step again even when its result is cached
                                (repeatable) (default: [])
        -j, --jobs <n>          run up to N steps at once (synchronous steps in worker
                                processes); 1: one by one, in this process
        --keep-going            a failed step stops only the steps that read it; every
                                failure is listed at the end
        --dry-run               run nothing; print for every step whether it would be
                                reused or run, and why
        --json                  with --dry-run: print the plan as JSON
        --overrides <jsonnet>   Jsonnet object of dotted keys to set in the config,
                                e.g. '{"steps.a.x": 2}'
        --ext-var <key=value>   a std.extVar value (repeatable; environment variables
                                are ext vars too) (default: {})
        --tla-str <key=value>   a top-level argument, as a string (repeatable)
                                (default: {})
        --tla-code <key=value>  a top-level argument, as Jsonnet code (repeatable)
                                (default: {})
        --settings <file>       settings file instead of ./formed.yml
        -h, --help              display help for command
      "
    `);
  });

  it("lists the workflow commands", async () => {
    const { code, out } = await cli("workflow", "--help");
    expect(code).toBe(0);
    for (const command of ["run", "remove", "visualize"]) expect(out).toMatch(new RegExp(`\\n  ${command} `));
  });

  it("exits 2 on bad usage, with a message", async () => {
    const unknown = await cli("workflow", "launch");
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain("unknown command 'launch'");
    const missing = await cli("workflow", "run");
    expect(missing.code).toBe(2);
    expect(missing.err).toContain("missing required argument 'config'");
    const extVar = await cli("workflow", "run", "c.jsonnet", "--ext-var", "=x");
    expect(extVar.code).toBe(2);
    expect(extVar.err).toContain('--ext-var expects KEY=VALUE, got "=x"');
    expect((await cli()).code).toBe(2);
  });

  it("prints its version", async () => {
    const { code, out } = await cli("--version");
    expect(code).toBe(0);
    expect(out.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
});

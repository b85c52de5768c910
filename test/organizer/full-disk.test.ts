// A full disk met while the record of an execution is made, with the error injected (so it runs
// where mounting a tiny filesystem is not permitted; test/e2e/leftovers.test.ts fills a real one).
import { existsSync, readdirSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { WorkflowGraph } from "../../src/graph/graph.js";
import { FilesystemOrganizer } from "../../src/organizer/filesystem-organizer.js";
import { collectMetadata } from "../../src/organizer/metadata.js";
import { step } from "../../src/step/step.js";
import { rejection, tempDir } from "../support/files.js";
import { registries } from "../support/registries.js";

/** Which file names fail with ENOSPC when written (asynchronously or not). */
const full = vi.hoisted(() => ({ pattern: undefined as RegExp | undefined }));

function noSpace(): NodeJS.ErrnoException {
  return Object.assign(new Error("ENOSPC: no space left on device, write"), {
    code: "ENOSPC",
    errno: -28,
    syscall: "write",
  });
}

vi.mock("node:fs/promises", async (importOriginal) => {
  const actual = await importOriginal<typeof import("node:fs/promises")>();
  const writeFile: typeof actual.writeFile = async (file, ...rest) => {
    if (full.pattern?.test(String(file))) throw noSpace();
    return actual.writeFile(file, ...rest);
  };
  return { ...actual, default: { ...actual, writeFile }, writeFile };
});

vi.mock("node:fs", async (importOriginal) => {
  const actual = await importOriginal<typeof import("node:fs")>();
  const writeFileSync: typeof actual.writeFileSync = (file, ...rest) => {
    if (full.pattern?.test(String(file))) throw noSpace();
    return actual.writeFileSync(file, ...rest);
  };
  return { ...actual, default: { ...actual, writeFileSync }, writeFileSync };
});

const metadata = collectMetadata({ cwd: process.cwd() });

function graph(): WorkflowGraph {
  const built = registries({ add: step(({ a, b }: { a: number; b: number }) => a + b) });
  return WorkflowGraph.build({ steps: { x: { type: "add", a: 1, b: 2 } } } as never, built);
}

describe("filesystem organizer on a full disk", () => {
  let directory = "";
  afterEach(async () => {
    full.pattern = undefined;
    await rm(directory, { recursive: true, force: true });
  });

  for (const file of ["graph.json", "metadata.json", "state.json"]) {
    it(`fails writing ${file} with the file named, and removes the half-made record`, async () => {
      directory = tempDir("formed-full-disk-");
      const organizer = new FilesystemOrganizer({ directory });
      full.pattern = new RegExp(`${file.replace(".", "\\.")}(\\.|$)`);
      const error = await rejection(organizer.run(graph(), { metadata, executionId: "e1" }));
      expect(error.message).toMatch(new RegExp(`^no space left on device writing .*executions/e1/${file}$`));
      expect(existsSync(join(directory, "executions", "e1"))).toBe(false);
      expect(readdirSync(join(directory, "executions"))).toEqual([]);

      // Space again: the same id can be used.
      full.pattern = undefined;
      const result = await organizer.run(graph(), { metadata, executionId: "e1" });
      expect(result.execution.state.status).toBe("completed");
    });
  }

  it("keeps a record that has its state, and names the file that could not be written", async () => {
    directory = tempDir("formed-full-disk-");
    const organizer = new FilesystemOrganizer({ directory });
    full.pattern = /steps\.json(\.|$)/;
    const error = await organizer.run(graph(), { metadata, executionId: "e1" }).then(
      () => undefined,
      (caught: unknown) => caught as Error,
    );
    expect(error?.message).toMatch(/no space left on device writing .*executions\/e1\/steps\.json/);
    expect(existsSync(join(directory, "executions", "e1", "state.json"))).toBe(true);
  });
});

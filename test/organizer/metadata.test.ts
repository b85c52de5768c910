import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { collectMetadata, readGitInfo } from "../../src/organizer/metadata.js";

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "formed-metadata-"));
  dirs.push(dir);
  return dir;
}

describe("execution metadata", () => {
  it("reads the commit and the dirty flag of a repository, and null outside one", async () => {
    const repo = tempDir();
    const git = (...args: string[]) =>
      execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", ...args], {
        cwd: repo,
        encoding: "utf8",
      });
    git("init", "-q");
    writeFileSync(join(repo, "a.txt"), "1");
    git("add", "a.txt");
    git("commit", "-q", "-m", "first");
    const head = git("rev-parse", "HEAD").trim();
    expect(await readGitInfo(repo)).toEqual({ commit: head, dirty: false });
    writeFileSync(join(repo, "a.txt"), "2");
    expect(await readGitInfo(repo)).toEqual({ commit: head, dirty: true });

    const plain = tempDir();
    expect(await readGitInfo(plain)).toBeNull();
    const metadata = collectMetadata({
      cwd: repo,
      git: await readGitInfo(repo),
      requiredModules: ["./s.ts"],
    });
    expect(metadata.git).toEqual({ commit: head, dirty: true });
    expect(metadata.requiredModules).toEqual(["./s.ts"]);
  });
});

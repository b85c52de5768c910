import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { formedVersion } from "../common/package-info.js";

/** What is recorded about the circumstances of an execution, for reproducing it later. */
export interface ExecutionMetadata {
  readonly formedVersion: string;
  readonly node: string;
  readonly platform: string;
  readonly cwd: string;
  /** The commit of the working directory's git repository, and whether it had uncommitted changes. */
  readonly git: GitInfo;
  /** Installed versions of the project's declared dependencies. */
  readonly packages: Readonly<Record<string, string>>;
  /** The `environment` of formed.yml (not the whole process environment, which may hold secrets). */
  readonly environment: Readonly<Record<string, string>>;
  readonly requiredModules: readonly string[];
  /** The config file the graph came from, when it came from a file. */
  readonly config?: string;
}

/** The repository's commit and dirty flag; null outside a repository (or without git). */
export type GitInfo = { readonly commit: string; readonly dirty: boolean } | null;

/**
 * What is recorded about an execution. `git` is read with `readGitInfo`, beforehand: it runs
 * git as child processes, which the CLI starts while it loads the project.
 */
export function collectMetadata(options: {
  cwd: string;
  git?: GitInfo;
  environment?: Record<string, string>;
  requiredModules?: readonly string[];
  config?: string;
}): ExecutionMetadata {
  return {
    formedVersion: formedVersion(),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cwd: options.cwd,
    git: options.git ?? null,
    packages: projectPackages(options.cwd),
    environment: options.environment ?? {},
    requiredModules: options.requiredModules ?? [],
    ...(options.config === undefined ? {} : { config: options.config }),
  };
}

/** The commit of `cwd`'s repository and whether tracked files changed (status only asked inside one). */
export async function readGitInfo(cwd: string): Promise<GitInfo> {
  const run = (args: string[]) =>
    new Promise<string>((resolve, reject) => {
      execFile("git", args, { cwd, encoding: "utf8", timeout: 5000 }, (error, stdout) =>
        error === null ? resolve(stdout) : reject(error),
      );
    });
  try {
    const commit = (await run(["rev-parse", "HEAD"])).trim();
    const dirty = (await run(["status", "--porcelain", "--untracked-files=no"])).trim() !== "";
    return { commit, dirty };
  } catch {
    // Not a repository, no commit yet, or no git at all: nothing to record.
    return null;
  }
}

function projectPackages(cwd: string): Record<string, string> {
  let manifest: { dependencies?: Record<string, string>; devDependencies?: Record<string, string> };
  try {
    manifest = JSON.parse(readFileSync(join(cwd, "package.json"), "utf8"));
  } catch {
    return {};
  }
  const packages: Record<string, string> = {};
  for (const name of Object.keys({ ...manifest.dependencies, ...manifest.devDependencies }).sort()) {
    try {
      packages[name] = JSON.parse(
        readFileSync(join(cwd, "node_modules", name, "package.json"), "utf8"),
      ).version;
    } catch {
      packages[name] = "not installed";
    }
  }
  return packages;
}

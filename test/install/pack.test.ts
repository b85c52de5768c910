// The published shape, end to end: `npm run pack:all`'s tarballs installed into fresh projects
// outside the repository, with a PATH that holds node and npm only (no Go, no C compiler).
import { execFileSync, spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../e2e/harness.js";

const PLATFORMS = [
  ["linux", "x64"],
  ["linux", "arm64"],
  ["darwin", "x64"],
  ["darwin", "arm64"],
  ["win32", "x64"],
] as const;

const version = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")).version as string;
const posix = process.platform !== "win32";
let work: string;
let pack: string;
let bin: string;
let npmCli: string;

/** A file of a tarball, as text. */
const tarFile = (tarball: string, file: string) =>
  execFileSync("tar", ["-xzOf", tarball, file], { encoding: "utf8" });
const tarList = (tarball: string) => execFileSync("tar", ["-tzf", tarball], { encoding: "utf8" }).split("\n");

function run(command: string, args: string[], cwd: string, env: Record<string, string> = {}) {
  return spawnSync(command, args, {
    cwd,
    encoding: "utf8",
    env: {
      HOME: process.env.HOME ?? "",
      PATH: bin,
      NO_COLOR: "1",
      FORMED_CACHE_DIR: join(work, "user-cache"),
      ...env,
    },
    timeout: 240_000,
  });
}

/** An empty project with the given tarballs installed; returns its folder and how long npm took. */
function installed(name: string, tarballs: string[]): { dir: string; seconds: number } {
  const dir = join(work, name);
  mkdirSync(dir);
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name, private: true }));
  const started = Date.now();
  const npm = run(
    process.execPath,
    [
      npmCli,
      "install",
      "--prefer-offline",
      "--no-audit",
      "--no-fund",
      ...tarballs.map((file) => join(pack, file)),
    ],
    dir,
  );
  expect(npm.stderr + npm.stdout).not.toMatch(/ERR!/);
  expect(npm.status).toBe(0);
  return { dir, seconds: (Date.now() - started) / 1000 };
}

/** Runs the installed formed in `dir` (the project, or a folder in it), as `npx formed` would. */
const formed = (dir: string, args: string[], env: Record<string, string> = {}) => {
  const project = existsSync(join(dir, "node_modules")) ? dir : dirname(dir);
  return run(
    process.execPath,
    [join(project, "node_modules", "formed", "bin", "formed.js"), ...args],
    dir,
    env,
  );
};

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "formed-install-"));
  pack = join(work, "pack");
  bin = join(work, "bin");
  mkdirSync(bin);
  // PATH for the installs and runs: node and a shell (npm runs scripts with it), nothing else.
  symlinkSync(process.execPath, join(bin, "node"));
  symlinkSync("/bin/sh", join(bin, "sh"));
  npmCli = realpathSync(execFileSync("sh", ["-c", "command -v npm"], { encoding: "utf8" }).trim());
  const packed = spawnSync(process.execPath, [join(REPO_ROOT, "scripts", "pack-all.mjs"), pack], {
    encoding: "utf8",
  });
  expect(packed.stderr).toBe("");
  expect(packed.status).toBe(0);
  console.log(packed.stdout);
}, 600_000);

afterAll(() => {
  if (work !== undefined) rmSync(work, { recursive: true, force: true });
});

describe.runIf(posix)("npm run pack:all", () => {
  it("makes one package per platform, with its binary and os/cpu", () => {
    for (const [os, cpu] of PLATFORMS) {
      const tarball = join(pack, `formed-jsonnet-${os}-${cpu}-${version}.tgz`);
      const manifest = JSON.parse(tarFile(tarball, "package/package.json"));
      expect(manifest).toMatchObject({ name: `@formed/jsonnet-${os}-${cpu}`, version, os: [os], cpu: [cpu] });
      expect(tarList(tarball)).toContain(`package/bin/formed-jsonnet${os === "win32" ? ".exe" : ""}`);
    }
  });

  it("makes formed with no native file, the wasm engine, and exact-version optional dependencies", () => {
    const tarball = join(pack, `formed-${version}.tgz`);
    const files = tarList(tarball);
    expect(files).toContain("package/engine/wasm/formed-jsonnet.wasm");
    expect(files).toContain("package/engine/wasm/run.mjs");
    expect(files.filter((file) => file.startsWith("package/engine/bin"))).toEqual([]);
    const manifest = JSON.parse(tarFile(tarball, "package/package.json"));
    expect(manifest.optionalDependencies).toEqual(
      Object.fromEntries(PLATFORMS.map(([os, cpu]) => [`@formed/jsonnet-${os}-${cpu}`, version])),
    );
    expect(manifest.scripts).toBeUndefined();
  });
});

/** A workflow whose config imports a library and reads a text with importstr. */
function writeImportingConfig(dir: string): void {
  writeFileSync(join(dir, "params.libsonnet"), "{ top: 2 }\n");
  writeFileSync(join(dir, "text.txt"), "b a b c b a\n");
  writeFileSync(
    join(dir, "imports.jsonnet"),
    `local params = import 'params.libsonnet';
{ steps: {
  words: { type: 'tokenize', text: importstr 'text.txt' },
  counts: { type: 'countWords', words: { type: 'ref', ref: 'words' }, top: params.top },
  summary: { type: 'report', title: 'imported', counts: { type: 'ref', ref: 'counts' } },
} }\n`,
  );
  writeFileSync(join(dir, "deep.jsonnet"), `${"[".repeat(100000)}1${"]".repeat(100000)}\n`);
  writeFileSync(join(dir, "recursive.jsonnet"), "local f(x) = 1 + f(x + 1); { steps: { a: f(0) } }\n");
}

const logged = (stderr: string) =>
  stderr
    .split("\n")
    .filter((line) => line.includes("[summary]"))
    .join("\n");

function expectCleanFailure(result: { status: number | null; stderr: string }, fragment: RegExp) {
  expect(result.status).toBe(1);
  expect(result.stderr).toMatch(fragment);
  expect(result.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
}

describe.runIf(process.platform === "linux" && process.arch === "x64")("installed from the tarballs", () => {
  const results: Record<string, string> = {};

  it("formed + @formed/jsonnet-linux-x64: init, then the workflow twice (the second computes nothing)", () => {
    const { dir, seconds } = installed("native", [
      `formed-${version}.tgz`,
      `formed-jsonnet-linux-x64-${version}.tgz`,
    ]);
    console.log(`npm install of formed + linux-x64: ${seconds.toFixed(1)} s`);
    const doctor = formed(dir, ["doctor"]);
    expect(doctor.stdout).toMatch(/jsonnet engine +native .*@formed[/\\]jsonnet-linux-x64/);
    const init = formed(dir, ["init", "wf"]);
    expect(init.status).toBe(0);
    const wf = join(dir, "wf");
    const first = formed(wf, ["workflow", "run", "config.jsonnet"]);
    expect(first.stderr).toContain("3 ran, 0 cached");
    expect(first.stderr).not.toContain("WebAssembly");
    expect(formed(wf, ["workflow", "run", "config.jsonnet"]).stderr).toContain("0 ran, 3 cached");
    writeImportingConfig(wf);
    const imports = formed(wf, ["workflow", "run", "imports.jsonnet"]);
    expect(imports.status).toBe(0);
    results.native = logged(imports.stderr);
    expect(results.native).toContain("b: 3");
    expectCleanFailure(formed(wf, ["workflow", "check", "deep.jsonnet"]), /stack/);
    expectCleanFailure(formed(wf, ["workflow", "check", "recursive.jsonnet"]), /max stack frames exceeded/);
  }, 600_000);

  it("formed alone runs on the wasm fallback, says so once, with the same results", () => {
    const { dir, seconds } = installed("wasm", [`formed-${version}.tgz`]);
    console.log(`npm install of formed alone: ${seconds.toFixed(1)} s`);
    expect(formed(dir, ["doctor"]).stdout).toMatch(/jsonnet engine +wasm .*fallback: the optional package/);
    expect(formed(dir, ["init", "wf"]).status).toBe(0);
    const wf = join(dir, "wf");
    const first = formed(wf, ["workflow", "run", "config.jsonnet"]);
    expect(first.stderr).toContain("3 ran, 0 cached");
    expect(first.stderr.match(/using the WebAssembly Jsonnet engine/g)).toHaveLength(1);
    expect(formed(wf, ["workflow", "run", "config.jsonnet"]).stderr).toContain("0 ran, 3 cached");
    writeImportingConfig(wf);
    const imports = formed(wf, ["workflow", "run", "imports.jsonnet"]);
    expect(imports.status).toBe(0);
    expect(logged(imports.stderr)).toBe(results.native);
    expectCleanFailure(formed(wf, ["workflow", "check", "deep.jsonnet"]), /stack/);
    expectCleanFailure(formed(wf, ["workflow", "check", "recursive.jsonnet"]), /max stack frames exceeded/);
    // JSON configs need no engine at all.
    writeFileSync(
      join(wf, "config.json"),
      JSON.stringify({ steps: { words: { type: "tokenize", text: "x y" } } }),
    );
    expect(
      formed(wf, ["workflow", "run", "config.json"], { FORMED_JSONNET_ENGINE: "/no/such/engine" }).status,
    ).toBe(0);
    expect(dirname(wf)).toBe(dir);
  }, 600_000);
});

// The install workload of `npm run bench` (BENCH_ONLY=install), also runnable alone:
// `node bench/install.mjs`. Packs the published shape (scripts/pack-all.mjs: formed and the five
// platform packages), reports the tarballs' sizes, then installs formed + the linux-x64 package
// (or formed alone: the wasm fallback) into a new empty project, the npm cache warm, timing each
// `npm install`, and reports the installed size with and without TypeScript.
// Goals (issue: install with Node alone): under 15 s; under 40 MB without TypeScript.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const repo = new URL("..", import.meta.url).pathname;

/** Bytes of every file under `dir`, each inode once (npm hard-links some files), links not followed. */
function treeSize(dir, seen = new Set()) {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += treeSize(path, seen);
    else if (entry.isFile()) {
      const stats = statSync(path);
      const inode = `${stats.dev}:${stats.ino}`;
      if (seen.has(inode)) continue;
      seen.add(inode);
      total += stats.size;
    }
  }
  return total;
}

function run(command, args, cwd) {
  const started = performance.now();
  const result = spawnSync(command, args, { cwd, encoding: "utf8" });
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed:\n${result.stderr}`);
  return (performance.now() - started) / 1000;
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Packs, installs `reps` times per variant; returns the rows of the bench table. */
export function installBench({ reps = 3, log = (line) => process.stderr.write(`${line}\n`) } = {}) {
  const work = mkdtempSync(join(tmpdir(), "formed-bench-install-"));
  try {
    const packDir = join(work, "pack");
    log("install: packing (scripts/pack-all.mjs)");
    run(process.execPath, [join(repo, "scripts", "pack-all.mjs"), packDir], repo);
    const tarballs = readdirSync(packDir).filter((name) => name.endsWith(".tgz"));
    const sizes = Object.fromEntries(tarballs.map((name) => [name, statSync(join(packDir, name)).size]));
    const main = tarballs.find((name) => name.startsWith("formed-") && !name.includes("jsonnet"));
    const linux = tarballs.find((name) => name.includes("jsonnet-linux-x64"));
    if (main === undefined || linux === undefined) throw new Error(`pack made ${tarballs.join(", ")}`);
    const variants = {
      "formed + linux-x64 engine": [join(packDir, main), join(packDir, linux)],
      "formed alone (wasm engine)": [join(packDir, main)],
    };
    const rows = [];
    for (const [label, files] of Object.entries(variants)) {
      const times = [];
      let installed = 0;
      let withoutTypescript = 0;
      // One more install than measured: the first warms npm's cache with every dependency.
      for (let rep = 0; rep <= reps; rep++) {
        const project = mkdtempSync(join(work, "project-"));
        writeFileSync(join(project, "package.json"), '{ "name": "bench-install", "private": true }\n');
        const seconds = run(
          "npm",
          ["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error", ...files],
          project,
        );
        if (rep > 0) times.push(seconds);
        installed = treeSize(join(project, "node_modules"));
        const typescript = treeSize(join(project, "node_modules", "typescript"));
        withoutTypescript = installed - typescript;
        rmSync(project, { recursive: true, force: true });
      }
      rows.push({
        label,
        medianSeconds: median(times),
        minSeconds: Math.min(...times),
        maxSeconds: Math.max(...times),
        installedMB: installed / 1e6,
        withoutTypescriptMB: withoutTypescript / 1e6,
      });
      log(
        `install: ${label}: ${median(times).toFixed(1)} s, ${(withoutTypescript / 1e6).toFixed(1)} MB without TypeScript`,
      );
    }
    return { tarballs: sizes, rows };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] === new URL(import.meta.url).pathname) {
  const { tarballs, rows } = installBench({ reps: Number(process.env.BENCH_REPS ?? 3) });
  for (const [name, size] of Object.entries(tarballs)) console.log(`${name}\t${(size / 1e6).toFixed(2)} MB`);
  for (const row of rows) {
    console.log(
      `${row.label}\tinstall ${row.medianSeconds.toFixed(1)} s (${row.minSeconds.toFixed(1)} - ${row.maxSeconds.toFixed(1)})\t` +
        `${row.installedMB.toFixed(1)} MB installed, ${row.withoutTypescriptMB.toFixed(1)} MB without TypeScript`,
    );
  }
}

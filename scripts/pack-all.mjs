#!/usr/bin/env node
// Builds the published shape into pack/ (or the folder given as the first argument):
//   formed-<version>.tgz                     the package, with no native file: the CLI, the API, and
//                                            the WebAssembly engine (the fallback) in engine/wasm/
//   formed-jsonnet-<os>-<cpu>-<version>.tgz  one per platform: @formed/jsonnet-<os>-<cpu>, its
//                                            go-jsonnet engine binary (CGO_ENABLED=0, cross-compiled)
//                                            and `os`/`cpu` fields, so npm installs only the matching one
// formed lists every platform package as an exact-version optional dependency (as esbuild, biome
// and oxc-parser do); those are added to the packed package.json only, so that the repository's
// own `npm ci` does not look for them. Run after `npm run build` (`npm run pack:all` does both).
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { goBuild, hasGo } from "./build-jsonnet-engine.mjs";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const out = resolve(process.argv[2] ?? join(root, "pack"));
const stage = join(out, ".stage");
const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const version = manifest.version;

/** npm's os/cpu names and Go's. */
const PLATFORMS = [
  { os: "linux", cpu: "x64", goos: "linux", goarch: "amd64" },
  { os: "linux", cpu: "arm64", goos: "linux", goarch: "arm64" },
  { os: "darwin", cpu: "x64", goos: "darwin", goarch: "amd64" },
  { os: "darwin", cpu: "arm64", goos: "darwin", goarch: "arm64" },
  { os: "win32", cpu: "x64", goos: "windows", goarch: "amd64" },
];

const packageName = ({ os, cpu }) => `@formed/jsonnet-${os}-${cpu}`;

function npmPack(dir) {
  const result = spawnSync("npm", ["pack", "--pack-destination", out, "--json"], {
    cwd: dir,
    encoding: "utf8",
    shell: process.platform === "win32",
  });
  if (result.status !== 0) {
    console.error(result.stderr);
    process.exit(1);
  }
  const [info] = JSON.parse(result.stdout);
  return {
    file: info.filename.replace(/^@/, "").replace("/", "-"),
    size: info.size,
    unpacked: info.unpackedSize,
  };
}

if (!hasGo()) {
  console.error("formed: pack:all needs Go 1.24+ to cross-compile the Jsonnet engines.");
  process.exit(1);
}
for (const file of ["dist/formed.js", "dist/index.d.ts", "engine/wasm/formed-jsonnet.wasm"]) {
  if (!existsSync(join(root, file))) {
    console.error(`formed: ${file} is missing: run \`npm run build\` first.`);
    process.exit(1);
  }
}
rmSync(out, { recursive: true, force: true });
mkdirSync(stage, { recursive: true });

const packed = [];
for (const platform of PLATFORMS) {
  const dir = join(stage, `jsonnet-${platform.os}-${platform.cpu}`);
  const binary = join(dir, "bin", platform.os === "win32" ? "formed-jsonnet.exe" : "formed-jsonnet");
  goBuild(binary, { GOOS: platform.goos, GOARCH: platform.goarch });
  writeFileSync(
    join(dir, "package.json"),
    `${JSON.stringify(
      {
        name: packageName(platform),
        version,
        description: `The go-jsonnet engine of formed for ${platform.os}-${platform.cpu}.`,
        license: manifest.license,
        os: [platform.os],
        cpu: [platform.cpu],
        files: ["bin"],
        preferUnplugged: true,
      },
      null,
      2,
    )}\n`,
  );
  writeFileSync(
    join(dir, "README.md"),
    `# ${packageName(platform)}\n\nThe Jsonnet engine (go-jsonnet) of [formed](https://www.npmjs.com/package/formed) for ${platform.os}-${platform.cpu}. Installed by formed as an optional dependency; not meant to be installed alone.\n`,
  );
  packed.push(npmPack(dir));
}

const main = join(stage, "formed");
for (const entry of ["bin", "dist", "engine/wasm/run.mjs", "engine/wasm/formed-jsonnet.wasm", "README.md"]) {
  cpSync(join(root, entry), join(main, entry), { recursive: true });
}
const { scripts: _scripts, devDependencies: _dev, ...published } = manifest;
published.optionalDependencies = Object.fromEntries(
  PLATFORMS.map((platform) => [packageName(platform), version]),
);
writeFileSync(join(main, "package.json"), `${JSON.stringify(published, null, 2)}\n`);
packed.unshift(npmPack(main));
rmSync(stage, { recursive: true, force: true });

for (const { file, size, unpacked } of packed) {
  console.log(
    `${file.padEnd(40)} ${(size / 1e6).toFixed(2)} MB (unpacked ${(unpacked / 1e6).toFixed(2)} MB)`,
  );
}

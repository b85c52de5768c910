// Runs the WebAssembly build of formed-jsonnet (engine/wasm/formed-jsonnet.wasm, GOOS=wasip1) the
// way the native binary runs: request on stdin, answer on stdout. formed starts it as a child
// process (`node --liftoff-only run.mjs ENGINE.wasm`), never in its own process: Node 20 crashes
// after a few Go wasm instances in one process, and a Jsonnet program must not take the CLI down.
//
// The instance runs in a worker thread with a larger stack: go-jsonnet's parser recurses on the
// native stack under wasm, and the main thread's default (~1 MB) overflows before Jsonnet's own
// limit of 500 frames is reached. A stack overflow that still happens is reported in the words
// of a native Go stack overflow, which formed turns into a clean error.
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { WASI } from "node:wasi";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";

if (isMainThread) {
  const [wasm, ...args] = process.argv.slice(2);
  if (wasm === undefined) {
    process.stderr.write("usage: node run.mjs formed-jsonnet.wasm [args]\n");
    process.exit(2);
  }
  // The request is read here and handed over in a file, and the answer comes back in files:
  // WASI reads and writes the descriptors as they are, and a non-blocking pipe would give
  // the Go program EAGAIN ("read /dev/stdin: Try again") instead of waiting.
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  const dir = mkdtempSync(join(tmpdir(), "formed-jsonnet-"));
  const files = { stdin: join(dir, "in"), stdout: join(dir, "out"), stderr: join(dir, "err") };
  writeFileSync(files.stdin, Buffer.concat(chunks));
  const fds = {
    stdin: openSync(files.stdin, "r"),
    stdout: openSync(files.stdout, "w"),
    stderr: openSync(files.stderr, "w"),
  };
  const code = await new Promise((resolve) => {
    const worker = new Worker(new URL(import.meta.url), {
      workerData: { wasm, args, cwd: process.cwd(), fds },
      resourceLimits: { stackSizeMb: 4 },
    });
    worker.on("message", (exitCode) => resolve(exitCode));
    worker.on("error", (error) => {
      writeSync(fds.stderr, `${error instanceof RangeError ? "fatal error: stack overflow: " : ""}${error}\n`);
      resolve(2);
    });
    worker.on("exit", (exitCode) => resolve(exitCode === 0 ? 2 : exitCode));
  });
  // The answer goes out as soon as the program has finished, and the process ends at once:
  // tearing down a Go wasm instance that used a deep stack can crash Node, after the answer.
  for (const fd of Object.values(fds)) closeSync(fd);
  writeAll(1, readFileSync(files.stdout));
  writeAll(2, readFileSync(files.stderr));
  rmSync(dir, { recursive: true, force: true });
  process.exit(code);
} else {
  const { wasm, args, cwd, fds } = workerData;
  const wasi = new WASI({
    version: "preview1",
    args: ["formed-jsonnet", ...args],
    env: { PWD: cwd },
    // Absolute paths, as formed sends them, name the same files inside and outside.
    preopens: preopens(),
    stdin: fds.stdin,
    stdout: fds.stdout,
    stderr: fds.stderr,
    returnOnExit: true,
  });
  const module = await WebAssembly.compile(readFileSync(wasm));
  const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
  parentPort.postMessage(wasi.start(instance));
}

/** The root of the file system; on Windows every drive letter that exists, as `/c`, `/d`... */
function preopens() {
  if (process.platform !== "win32") return { "/": "/" };
  const result = {};
  for (const letter of "cdefghijklmnopqrstuvwxyz") {
    try {
      readFileSync(`${letter}:\\`);
    } catch (error) {
      if (error.code !== "EISDIR") continue;
    }
    result[`/${letter}`] = `${letter}:\\`;
  }
  return result;
}

function writeAll(fd, buffer) {
  let offset = 0;
  while (offset < buffer.length) {
    try {
      offset += writeSync(fd, buffer, offset);
    } catch (error) {
      if (error.code !== "EAGAIN") throw error;
    }
  }
}

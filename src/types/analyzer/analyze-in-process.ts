import { spawn } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { packageRoot } from "../../common/package-info.js";
import { FormedError } from "../../errors.js";
import type { AnalyzeInput, TypeAnalysis } from "./analyzer.js";

/**
 * Runs the compiler analysis in a child process (analyzer-process.ts): the compiler's memory is
 * returned to the system when it exits. From source (tests), the child runs through tsx.
 */
export function analyzeInChildProcess(input: AnalyzeInput): Promise<TypeAnalysis> {
  const fromSource = import.meta.url.endsWith(".ts");
  // Compiled, this code runs from the bundle (dist/formed.js): the script is named from the root.
  const script = fromSource
    ? fileURLToPath(new URL("./analyzer-process.ts", import.meta.url))
    : join(packageRoot(), "dist", "types", "analyzer", "analyzer-process.js");
  const args = fromSource ? ["--import", import.meta.resolve("tsx/esm"), script] : [script];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: input.cwd, stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => err.push(chunk));
    child.on("error", (error) =>
      reject(
        new FormedError("E_MODULE", `cannot start the type analysis: ${error.message}`, { cause: error }),
      ),
    );
    child.on("close", (code, signal) => {
      if (code === 0) {
        try {
          resolve(JSON.parse(Buffer.concat(out).toString("utf8")) as TypeAnalysis);
          return;
        } catch (error) {
          reject(new FormedError("E_MODULE", "the type analysis gave no readable result", { cause: error }));
          return;
        }
      }
      const detail = Buffer.concat(err).toString("utf8").trim().split("\n").slice(-5).join("\n");
      reject(
        new FormedError(
          "E_MODULE",
          `the type analysis of the step sources failed (${signal ?? `exit ${code}`})${detail === "" ? "" : `:\n${detail}`}`,
          { hint: "run `formed workflow check` with FORMED_DEBUG=1 and report it" },
        ),
      );
    });
    child.stdin.end(JSON.stringify(input));
  });
}

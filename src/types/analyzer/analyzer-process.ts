/**
 * The type analysis as a process of its own: reads an AnalyzeInput as JSON on stdin, writes the
 * TypeAnalysis as JSON on stdout. The TypeScript compiler's heap (~260 MB for a small project)
 * then lives and dies here, not in the process that goes on to run the workflow's steps.
 */
import { CompilerTypeAnalyzer } from "./compiler-type-analyzer.js";

const chunks: Buffer[] = [];
for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
const input = JSON.parse(Buffer.concat(chunks).toString("utf8"));
const analysis = new CompilerTypeAnalyzer().analyze(input);
process.stdout.write(JSON.stringify(analysis));

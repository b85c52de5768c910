#!/usr/bin/env node
// The CLI runs from the bundle (scripts/bundle.mjs), which also holds the API users' steps import.
import { runFormedCli } from "../dist/formed.js";

const code = await runFormedCli(process.argv.slice(2));
// 130 (EXIT_CANCELED in src/cli/commands/run.ts): a canceled run may leave an abandoned step
// running, so do not wait for it.
if (code === 130) process.exit(code);
process.exitCode = code;

#!/usr/bin/env node
// The CLI runs from the bundle (scripts/bundle.mjs), which also holds the API users' steps import.
import { runFormedCli } from "../dist/formed.js";

const code = await runFormedCli(process.argv.slice(2));
// A failed or canceled run may leave an abandoned step running (a timer, a promise that never
// settles): its record is written, so do not wait for it.
if (code !== 0) process.exit(code);
process.exitCode = code;

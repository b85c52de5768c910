#!/usr/bin/env node
import { main } from "../dist/cli/main.js";

const code = await main(process.argv.slice(2));
// A canceled run may leave an abandoned step running: do not wait for it.
if (code === 130) process.exit(code);
process.exitCode = code;

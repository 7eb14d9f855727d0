#!/usr/bin/env node
import { loadProgram } from './root.js';
import { runCli } from './run.js';

const code = await runCli(await loadProgram(process.argv), process.argv);
// Servers keep the process alive on their own; short commands end here with their exit code.
process.exitCode = code;

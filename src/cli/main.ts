#!/usr/bin/env node
import { buildProgram } from './program.js';
import { runCli } from './run.js';

const code = await runCli(buildProgram(), process.argv);
// Servers keep the process alive on their own; short commands end here with their exit code.
process.exitCode = code;

#!/usr/bin/env node
// Process entry of `tonle`: the only place that touches process.argv, process.env and the exit code.
import { runCli } from './run.ts';

const code = await runCli(process.argv.slice(2), {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  env: process.env,
  cwd: process.cwd(),
});
process.exitCode = code;

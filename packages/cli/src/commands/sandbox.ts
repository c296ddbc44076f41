import { parseArgs } from 'node:util';
import type { Command } from '../command.ts';
import { DEFAULT_BASE_PORT, DEFAULT_TUNING, SANDBOX_KEY_SPECS, runSandbox, type SandboxKeySpec } from '../sandbox/index.ts';

const USAGE = `Usage: tonle sandbox [--dir .tonle/sandbox] [--reset] [--base-port ${DEFAULT_BASE_PORT}]
                     [--key-spec P-256|RSA-3072] [--no-message-log] [--production-intervals]

Brings up a whole Tonle instance on this machine, as separate processes: the trust services (CA, OCSP
responder, TSA), the central registry, two agencies' security servers (registered the way an operator
does it: keys, CSRs, certificates, signed registration requests, approval), and a sample provider service
(a city's population register). Then sends a first request through both security servers and prints
what to try next. Runs in the foreground; Ctrl+C or SIGTERM stops every process it started.

  --dir D          state folder (default .tonle/sandbox, or TONLE_SANDBOX_DIR); reused by later runs
  --reset          delete the state folder first and create a new instance
  --base-port N    first of the ports it uses (N .. N+23; default ${DEFAULT_BASE_PORT})

For benchmarks (npm run bench):
  --key-spec S     algorithm of the security servers' keys, created at first run: ${SANDBOX_KEY_SPECS.join(' or ')} (default ${DEFAULT_TUNING.keySpec})
  --no-message-log the security servers keep message records in memory only (no durable log, no evidence)
  --production-intervals
                   after registration, restart both security servers with the default 60 s state sync,
                   OCSP refresh, configuration polling and checkpoints (instead of 2-5 s)

It writes D/network.json (URLs, identifiers, API keys, files) for scripts and tests.`;

/** `tonle sandbox`: the whole instance on one machine (`npm start`). */
export const sandboxCommand: Command = {
  name: 'sandbox',
  summary: 'bring up a whole local instance and send a first request through it',
  usage: USAGE,
  async run(args, io) {
    let values: { dir?: string; reset?: boolean; 'base-port'?: string; 'key-spec'?: string; 'no-message-log'?: boolean; 'production-intervals'?: boolean };
    try {
      values = parseArgs({
        args: [...args],
        options: {
          dir: { type: 'string' },
          reset: { type: 'boolean' },
          'base-port': { type: 'string' },
          'key-spec': { type: 'string' },
          'no-message-log': { type: 'boolean' },
          'production-intervals': { type: 'boolean' },
        },
        strict: true,
      }).values;
    } catch (error) {
      io.err(`tonle sandbox: ${(error as Error).message}\n\n${USAGE}\n`);
      return 2;
    }
    const basePort = values['base-port'] === undefined ? DEFAULT_BASE_PORT : Number(values['base-port']);
    if (!Number.isInteger(basePort) || basePort < 1024 || basePort > 65_000) {
      io.err(`tonle sandbox: --base-port must be a number from 1024 to 65000, got '${values['base-port']}'\n`);
      return 2;
    }
    const keySpec = values['key-spec'] ?? DEFAULT_TUNING.keySpec;
    if (!(SANDBOX_KEY_SPECS as readonly string[]).includes(keySpec)) {
      io.err(`tonle sandbox: --key-spec must be one of ${SANDBOX_KEY_SPECS.join(', ')}, got '${keySpec}'\n`);
      return 2;
    }
    const stop = new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    });
    return runSandbox({
      dir: values.dir ?? io.env['TONLE_SANDBOX_DIR'] ?? '.tonle/sandbox',
      basePort,
      reset: values.reset === true,
      tuning: {
        keySpec: keySpec as SandboxKeySpec,
        messageLog: values['no-message-log'] !== true,
        intervals: values['production-intervals'] === true ? 'production' : 'setup',
      },
      io,
      stop,
    });
  },
};

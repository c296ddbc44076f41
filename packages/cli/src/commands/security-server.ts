import { runSecurityServer } from '@tonle/security-server';
import type { Command } from '../command.ts';
import { runSecurityServerAdmin, securityServerAdminUsage } from './security-server-admin.ts';

const usage = `Usage: tonle security-server start --config <file>

Starts a security server: the client proxy (X-Road REST r1 for information systems) and the
server proxy (Tonle transport v1, mutual TLS, for peer security servers).

Settings come from the JSON file, then TONLE_* environment variables (e.g. TONLE_CLIENT_PROXY_PORT);
every setting is listed in docs/security-server.md. Stop with Ctrl-C (SIGINT) or SIGTERM.

${securityServerAdminUsage}`;

/** `tonle security-server start --config <file>`. */
export const securityServerCommand: Command = {
  name: 'security-server',
  summary: 'run a security server (client proxy + server proxy)',
  usage,
  async run(args, io) {
    const [sub, ...rest] = args;
    // Every other subcommand talks to a running server's admin API (operations helper's module).
    if (sub !== 'start') return runSecurityServerAdmin(args, io);
    let configFile: string | undefined;
    for (let i = 0; i < rest.length; i++) {
      const arg = rest[i];
      if (arg === '--config' && rest[i + 1] !== undefined) configFile = rest[++i];
      else if (arg?.startsWith('--config=') === true) configFile = arg.slice('--config='.length);
      else {
        io.err(`tonle security-server start: unknown argument '${String(arg)}'\n\n${usage}\n`);
        return 2;
      }
    }
    return runSecurityServer({ ...(configFile === undefined ? {} : { configFile }), env: io.env, cwd: io.cwd, err: io.err });
  },
};

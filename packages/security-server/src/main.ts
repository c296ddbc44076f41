/**
 * Composition root of a security server process: configuration (defaults < file < TONLE_* env), the
 * root logger, the system clock, then every module from app/from-config.ts. Runs until SIGINT/SIGTERM.
 */
import { systemClock } from '@tonle/protocol';
import { ConfigError, loadConfig } from './config/index.ts';
import { startFromConfig } from './app/index.ts';
import { createLogger } from './logging/index.ts';

export interface RunSecurityServerOptions {
  readonly configFile?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly cwd?: string;
  readonly err: (text: string) => void;
  /** Resolves when the process should stop; defaults to the first SIGINT or SIGTERM. */
  readonly stopSignal?: Promise<unknown>;
  /** Called once both listeners are up (tests use it to learn the ports). */
  readonly onStarted?: (ports: { clientProxy: number; serverProxy: number }) => void;
}

function signals(): Promise<string> {
  return new Promise((resolve) => {
    for (const s of ['SIGINT', 'SIGTERM'] as const) process.once(s, () => resolve(s));
  });
}

/**
 * Starts a security server and keeps it running until stopped; resolves to the process exit code.
 * Never throws for bad configuration: it prints every violation and returns 2.
 *
 * @example
 * process.exitCode = await runSecurityServer({ configFile: 'ss.json', err: (t) => process.stderr.write(t) });
 */
export async function runSecurityServer(options: RunSecurityServerOptions): Promise<number> {
  let config;
  try {
    config = loadConfig({ ...(options.configFile === undefined ? {} : { file: options.configFile }), env: options.env ?? process.env, cwd: options.cwd ?? process.cwd() });
  } catch (error) {
    if (error instanceof ConfigError) {
      options.err(`${error.message}\n`);
      return 2;
    }
    throw error;
  }
  const log = createLogger({ level: config.log.level, base: { server: config.serverId } });
  let started;
  try {
    started = await startFromConfig({ config, log, clock: systemClock });
  } catch (error) {
    const e = error as { code?: unknown; message?: unknown };
    log.fatal({ err: { code: e.code, message: e.message } }, 'security server failed to start');
    options.err(`The security server failed to start: ${String(e.message)}${typeof e.code === 'string' ? ` (${e.code})` : ''}\n`);
    return 1;
  }
  // In operations mode the exchange starts later, once the token holds usable credentials.
  void started.exchange.then((server) => options.onStarted?.(server.ports));
  await (options.stopSignal ?? signals());
  log.info('stopping');
  await started.close();
  return 0;
}

import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger } from 'pino';

/**
 * Paths censored in every log line (style.md: keys, PINs, tokens and Authorization never reach the log).
 * Bodies are never passed to the logger at all; this list is the second line of defence.
 */
const REDACT = [
  'authorization', '*.authorization', '*.*.authorization', 'headers.authorization', 'req.headers.authorization',
  'cookie', '*.cookie', 'req.headers.cookie', 'headers.cookie', '*.headers["proxy-authorization"]',
  'pin', '*.pin', 'keyPin', '*.keyPin', '*.*.keyPin', 'privateKey', '*.privateKey', 'key', '*.key',
  'password', '*.password', 'token', '*.token', 'body', '*.body', 'payload', '*.payload',
];

export interface CreateLoggerOptions {
  readonly level: string;
  /** Where lines go; defaults to stdout. Tests pass a sink. */
  readonly destination?: DestinationStream;
  /** Bound fields on every line (component name, server id). */
  readonly base?: Record<string, unknown>;
}

/**
 * The one root logger of a security server process; modules get `log.child({ module })`.
 *
 * @example
 * const log = createLogger({ level: 'info', base: { server: 'EE/GOV/123/ss1' } });
 */
export function createLogger(options: CreateLoggerOptions): Logger {
  return pino(
    {
      level: options.level,
      base: options.base ?? null,
      redact: { paths: REDACT, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination,
  );
}

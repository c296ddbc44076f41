import pino, { type DestinationStream, type Logger } from 'pino';

/**
 * Paths the trust services' logs must never show (style.md "Logging"): credentials in headers and
 * anything that looks like a key, PIN or API key.
 */
export const redactedPaths: readonly string[] = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  '*.privateKey',
  '*.pin',
  '*.apiKey',
  '*.password',
  '*.passphrase',
];

/**
 * The root logger for a trust-services process (composition roots only; services get children).
 *
 * @example
 * ```ts
 * const log = createTrustLogger({ level: 'info' });
 * const services = await startTrustServices({ stateDir, log });
 * ```
 */
export function createTrustLogger(options: { level?: string; destination?: DestinationStream } = {}): Logger {
  const opts = { level: options.level ?? 'info', redact: { paths: [...redactedPaths], censor: '[Redacted]' } };
  return options.destination === undefined ? pino(opts) : pino(opts, options.destination);
}

import { pino, type Logger } from 'pino';

/**
 * The registry's root logger: JSON lines (architecture §11), written to stderr so stdout stays free
 * for machine-readable output. The Authorization header is redacted in case a request is ever logged
 * with its headers; bodies are never logged.
 */
export function createRegistryLogger(options: { level?: string } = {}): Logger {
  return pino({ level: options.level ?? 'info', redact: ['req.headers.authorization', 'headers.authorization'] }, pino.destination(2));
}

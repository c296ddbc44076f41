import { STATUS_CODES } from 'node:http';
import { Agent, errors as undiciErrors, type Dispatcher } from 'undici';
import type { ProviderClient } from '../proxy-services/index.ts';

/** The provider could not be reached (`connect`), was too slow (`timeout`) or broke the exchange (`failed`). */
export class ProviderError extends Error {
  readonly code = 'TONLE_ERR_PROVIDER';
  readonly kind: 'connect' | 'timeout' | 'failed';
  constructor(kind: 'connect' | 'timeout' | 'failed', message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ProviderError';
    this.kind = kind;
  }
}

const CONNECT_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_SOCKET']);

function isTimeout(error: unknown): boolean {
  return error instanceof undiciErrors.HeadersTimeoutError || error instanceof undiciErrors.BodyTimeoutError;
}

/**
 * Calls provider information systems over keep-alive connections (undici). Redirects are never followed
 * (xroad-digest 2.1: 3xx go back to the consumer unmodified); the per-service timeout covers headers and body.
 */
export function createProviderClient(options: { connectTimeoutMs: number }): ProviderClient {
  const agent = new Agent({ connect: { timeout: options.connectTimeoutMs }, keepAliveTimeout: 10_000 });
  return {
    async call({ url, method, headers, body, timeoutMs }) {
      const flat: string[] = [];
      for (const [name, value] of headers) flat.push(name, value);
      // A streamed body goes with its length (the consumer's own Content-Length is a stripped header).
      if (body.size > 0 && body.bytes === undefined) flat.push('content-length', String(body.size));
      let res: Dispatcher.ResponseData;
      try {
        res = await agent.request({
          origin: url.origin,
          path: `${url.pathname}${url.search}`,
          method: method as Dispatcher.HttpMethod,
          headers: flat,
          body: body.size === 0 && (method === 'GET' || method === 'HEAD') ? null : (body.bytes ?? body.open()),
          headersTimeout: timeoutMs,
          bodyTimeout: timeoutMs,
        });
      } catch (error) {
        if (isTimeout(error)) throw new ProviderError('timeout', `The service did not answer within ${timeoutMs} ms`, { cause: error });
        const code = (error as { code?: string }).code ?? (error as { cause?: { code?: string } }).cause?.code;
        if (code !== undefined && CONNECT_CODES.has(code)) throw new ProviderError('connect', 'The service cannot be reached', { cause: error });
        throw new ProviderError('failed', 'The service call failed', { cause: error });
      }
      const pairs: (readonly [string, string])[] = [];
      for (const [name, value] of Object.entries(res.headers)) {
        if (value === undefined) continue;
        for (const v of Array.isArray(value) ? value : [value]) pairs.push([name, v]);
      }
      return { status: res.statusCode, reason: STATUS_CODES[res.statusCode] ?? '', headers: pairs, body: res.body };
    },
    close: () => agent.close(),
  };
}

/** Whether a failure while reading the provider's body was its body timeout (undici `bodyTimeout`). */
export function isProviderTimeout(error: unknown): boolean {
  return isTimeout(error) || isTimeout((error as { cause?: unknown } | undefined)?.cause);
}

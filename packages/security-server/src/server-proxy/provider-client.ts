import { STATUS_CODES } from 'node:http';
import { createHash } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import { Agent, buildConnector, errors as undiciErrors, type Dispatcher } from 'undici';
import type { ProviderClient } from '../proxy-services/index.ts';

/**
 * The provider could not be reached (`connect`), was too slow (`timeout`), presented a TLS certificate its
 * service does not accept (`tls`) or broke the exchange (`failed`).
 */
export class ProviderError extends Error {
  readonly code = 'TONLE_ERR_PROVIDER';
  readonly kind: 'connect' | 'timeout' | 'tls' | 'failed';
  constructor(kind: 'connect' | 'timeout' | 'tls' | 'failed', message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ProviderError';
    this.kind = kind;
  }
}

/**
 * Errors that mean the service was never reached (-> NetworkError). A reset or a closed socket
 * (ECONNRESET, UND_ERR_SOCKET) can come after the service got the request, so they are ServiceFailed.
 */
const CONNECT_CODES = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT']);

function isTimeout(error: unknown): boolean {
  return error instanceof undiciErrors.HeadersTimeoutError || error instanceof undiciErrors.BodyTimeoutError;
}

/**
 * Calls provider information systems over keep-alive connections (undici). Redirects are never followed
 * (xroad-digest 2.1: 3xx go back to the consumer unmodified); the per-service timeout covers headers and body.
 */
export function createProviderClient(options: { connectTimeoutMs: number }): ProviderClient {
  // One pool per TLS policy (ug-ss "Verify TLS certificate", pinned certificates): a connection made under
  // one service's policy is never reused for a service with another.
  const agents = new Map<string, Agent>();
  function agentFor(tls: { readonly verify: boolean; readonly pinnedCertHashes: readonly string[] }): Agent {
    const pins = [...tls.pinnedCertHashes].map((h) => h.toLowerCase()).sort();
    const key = `${tls.verify}|${pins.join(',')}`;
    let agent = agents.get(key);
    if (agent !== undefined) return agent;
    if (pins.length === 0) {
      // No pins: the system trust store decides, or nothing does when verification is off.
      agent = new Agent({ connect: { timeout: options.connectTimeoutMs, rejectUnauthorized: tls.verify }, keepAliveTimeout: 10_000 });
    } else {
      // Pinned: the provider must present one of these certificates (typically self-signed), whatever the CA.
      const base = buildConnector({ timeout: options.connectTimeoutMs, rejectUnauthorized: false });
      const connect: buildConnector.connector = (opts, callback) => {
        base(opts, (error, socket) => {
          if (error !== null) return callback(error, null);
          if (opts.protocol === 'https:') {
            const raw = (socket as TLSSocket).getPeerCertificate()?.raw;
            const hash = raw === undefined ? undefined : createHash('sha256').update(raw).digest('hex');
            if (hash === undefined || !pins.includes(hash)) {
              socket.destroy();
              return callback(new ProviderError('tls', "The service's TLS certificate is not one of those pinned for it"), null);
            }
          }
          callback(null, socket);
        });
      };
      agent = new Agent({ connect, keepAliveTimeout: 10_000 });
    }
    agents.set(key, agent);
    return agent;
  }
  return {
    async call({ url, method, headers, body, timeoutMs, tls }) {
      const agent = agentFor(tls ?? { verify: true, pinnedCertHashes: [] });
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
        if (error instanceof ProviderError) throw error;
        const cause = (error as { cause?: unknown }).cause;
        if (cause instanceof ProviderError) throw cause;
        if (isTlsRejection(error)) throw new ProviderError('tls', "The service's TLS certificate is not trusted", { cause: error });
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
    close: async () => {
      await Promise.all([...agents.values()].map((a) => a.close()));
    },
  };
}

/** Node's codes for a server certificate that does not verify against the trust store. */
function isTlsRejection(error: unknown): boolean {
  const code = String((error as { code?: unknown }).code ?? (error as { cause?: { code?: unknown } }).cause?.code ?? '');
  return /^(?:UNABLE_TO_|SELF_SIGNED|DEPTH_ZERO_SELF_SIGNED|CERT_|ERR_TLS_CERT_ALTNAME)/.test(code);
}

/** Whether a failure while reading the provider's body was its body timeout (undici `bodyTimeout`). */
export function isProviderTimeout(error: unknown): boolean {
  return isTimeout(error) || isTimeout((error as { cause?: unknown } | undefined)?.cause);
}

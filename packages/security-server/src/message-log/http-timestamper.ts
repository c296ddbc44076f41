import { request } from 'undici';
import { buildTimeStampRequest, timeStampTokenFromResponse } from '@tonle/pki';
import { checkTimestampToken, type TrustAnchors } from '@tonle/audit';
import { MessageLogError } from './errors.ts';
import type { Timestamper, TimestampResult } from './types.ts';

/** One approved TSA (global configuration `approvedTSAs`, in the order the operator chose). */
export interface TsaEndpoint {
  readonly name: string;
  readonly url: string;
}

export interface HttpTimestamperDeps {
  /** The TSAs to try, in order; a function so a new global configuration takes effect at once. */
  readonly tsas: () => readonly TsaEndpoint[];
  /** TSA certificates (or their CAs) a token must be signed by. */
  readonly anchors: () => TrustAnchors;
  /** Per-TSA timeout (default 20 s; X-Road uses 20 s connect / 60 s read). */
  readonly timeoutMs?: number;
}

const MAX_RESPONSE = 1024 * 1024;

/**
 * RFC 3161 over HTTP POST (RFC 3161 §3.4: application/timestamp-query -> application/timestamp-reply).
 * Tries the TSAs in order and fails over on a network error, a refusal or a token that does not verify
 * (wrong imprint, nonce or signer), as X-Road does (ug-syspar 3.7).
 */
export function createHttpTimestamper(deps: HttpTimestamperDeps): Timestamper {
  const timeoutMs = deps.timeoutMs ?? 20_000;
  return {
    async timestamp(data: Uint8Array): Promise<TimestampResult> {
      const tsas = deps.tsas();
      if (tsas.length === 0) throw new MessageLogError('TONLE_ERR_MESSAGE_LOG_TSA_FAILED', 'no TSA configured: add an approved TSA to the global configuration and select it');
      const errors: unknown[] = [];
      for (const tsa of tsas) {
        try {
          const { der, nonce } = buildTimeStampRequest({ hashAlgorithm: 'SHA-256', data, nonce: true, certReq: true });
          const res = await request(tsa.url, {
            method: 'POST',
            headers: { 'content-type': 'application/timestamp-query', accept: 'application/timestamp-reply' },
            body: der,
            headersTimeout: timeoutMs,
            bodyTimeout: timeoutMs,
            maxRedirections: 0,
          } as Parameters<typeof request>[1]);
          const chunks: Buffer[] = [];
          let size = 0;
          for await (const chunk of res.body) {
            size += (chunk as Buffer).length;
            if (size > MAX_RESPONSE) throw new MessageLogError('TONLE_ERR_MESSAGE_LOG_TSA_FAILED', `${tsa.name}: response larger than 1 MiB`);
            chunks.push(chunk as Buffer);
          }
          if (res.statusCode !== 200) throw new MessageLogError('TONLE_ERR_MESSAGE_LOG_TSA_FAILED', `${tsa.name}: HTTP ${res.statusCode}`);
          const token = timeStampTokenFromResponse(Buffer.concat(chunks));
          const check = checkTimestampToken(token, data, deps.anchors(), nonce);
          if (!check.ok) throw new MessageLogError('TONLE_ERR_MESSAGE_LOG_TSA_FAILED', `${tsa.name}: ${check.reason}`);
          return { token, tsa: tsa.name, genTime: check.genTime };
        } catch (e) {
          errors.push(e);
        }
      }
      throw new MessageLogError('TONLE_ERR_MESSAGE_LOG_TSA_FAILED', `no TSA answered with a valid token (${tsas.map((t) => t.name).join(', ')})`, { cause: new AggregateError(errors) });
    },
  };
}

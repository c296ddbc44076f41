import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import type { OcspConfig } from '../config/index.ts';
import { createBinaryServer } from '../http/index.ts';
import type { OcspResponder } from './responder.ts';

const REQUEST_TYPE = 'application/ocsp-request';
const RESPONSE_TYPE = 'application/ocsp-response';

/**
 * The OCSP responder's HTTP face (RFC 6960 Appendix A.1): `POST /` with `application/ocsp-request`,
 * and `GET /{url-encoded base64 of the DER request}`. Returned un-listened, so tests can `inject()`.
 *
 * @example
 * ```ts
 * const app = createOcspServer({ config, log, responder });
 * await app.listen({ host: config.host, port: config.port });
 * ```
 */
export function createOcspServer(deps: { config: OcspConfig; log: Logger; responder: OcspResponder }): FastifyInstance {
  const { config, responder } = deps;
  const app = createBinaryServer({
    log: deps.log,
    bodyLimit: config.bodyLimitBytes,
    contentType: REQUEST_TYPE,
    // The GET form carries the whole request in the path: base64 grows it by 4/3, URL-encoding by up to 3.
    maxParamLength: Math.ceil((config.bodyLimitBytes * 4) / 3) * 3 + 16,
  });

  const answer = async (reply: FastifyReply, der: Uint8Array, method: 'GET' | 'POST'): Promise<FastifyReply> => {
    const result = await responder.respond(der);
    // RFC 5019 §6.2: GET responses may be cached until shortly before nextUpdate; a nonce makes the
    // response specific to one request, so it must not be cached (RFC 8954 §2.1).
    const cacheControl =
      method === 'GET' && result.cacheMaxAgeSeconds > 0
        ? `max-age=${result.cacheMaxAgeSeconds}, public, no-transform, must-revalidate`
        : 'no-store';
    return reply.status(200).header('content-type', RESPONSE_TYPE).header('cache-control', cacheControl).send(Buffer.from(result.der));
  };

  app.post('/', async (request, reply) => {
    if (!Buffer.isBuffer(request.body)) {
      return reply.status(415).send({ code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE', message: `send the DER request as ${REQUEST_TYPE}` });
    }
    return answer(reply, request.body, 'POST');
  });

  app.get('/*', async (request, reply) => {
    const raw = (request.params as { '*'?: string })['*'] ?? '';
    const der = decodeGetPath(raw);
    if (der === undefined) {
      // Not even base64: still an OCSP answer, as the client asked the OCSP endpoint (RFC 6960 §2.3).
      return answer(reply, new Uint8Array(0), 'GET');
    }
    if (der.length > config.bodyLimitBytes) {
      return reply.status(414).send({ code: 'TONLE_ERR_TRUST_URI_TOO_LONG', message: 'OCSP GET request too large; use POST' });
    }
    return answer(reply, der, 'GET');
  });

  return app;
}

/** RFC 6960 A.1: `url-encoding of base-64 encoding of the DER encoding of the OCSPRequest`. */
function decodeGetPath(raw: string): Uint8Array | undefined {
  let text: string;
  try {
    text = decodeURIComponent(raw);
  } catch {
    return undefined;
  }
  // Some clients leave '+' unescaped, which a form decoder may have turned into a space.
  text = text.replace(/ /g, '+');
  if (text.length === 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return undefined;
  return new Uint8Array(Buffer.from(text, 'base64'));
}

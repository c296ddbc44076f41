import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';

/**
 * A fastify instance for a binary protocol endpoint (OCSP, RFC 3161): only `contentType` bodies are
 * parsed (as a Buffer, capped at `bodyLimit`); anything else is HTTP 415, oversize is 413, and errors
 * are answered as small JSON documents without echoing the request.
 */
export function createBinaryServer(options: {
  readonly log: Logger;
  readonly bodyLimit: number;
  readonly contentType: string;
  readonly maxParamLength?: number;
}): FastifyInstance {
  const app = Fastify({
    loggerInstance: options.log as FastifyBaseLogger,
    bodyLimit: options.bodyLimit,
    routerOptions: { maxParamLength: options.maxParamLength ?? 100 },
  });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(options.contentType, { parseAs: 'buffer', bodyLimit: options.bodyLimit }, (_req, body, done) => {
    done(null, body);
  });
  app.setErrorHandler((error: { statusCode?: number; code?: string }, request, reply) => {
    const status = typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 600 ? error.statusCode : 500;
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.info({ code: error.code, status }, 'request rejected');
    void reply
      .status(status)
      .header('content-type', 'application/json; charset=utf-8')
      .send({ code: error.code ?? 'TONLE_ERR_TRUST_INTERNAL', message: status >= 500 ? 'internal error' : httpMessage(status) });
  });
  app.setNotFoundHandler((_request, reply) => {
    void reply.status(404).send({ code: 'TONLE_ERR_TRUST_NOT_FOUND', message: 'no such endpoint' });
  });
  return app;
}

function httpMessage(status: number): string {
  switch (status) {
    case 413:
      return 'request body too large';
    case 415:
      return 'unsupported content type';
    default:
      return 'bad request';
  }
}

import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { TsaConfig } from '../config/index.ts';
import { createBinaryServer } from '../http/index.ts';
import type { TimeStampAuthority } from './authority.ts';

const QUERY_TYPE = 'application/timestamp-query';
const REPLY_TYPE = 'application/timestamp-reply';

/**
 * The TSA's HTTP face (RFC 3161 §3.4): `POST /` with `application/timestamp-query`, answered with
 * `application/timestamp-reply`. A protocol-level rejection is still HTTP 200 with a TimeStampResp
 * whose status says why; only transport misuse (content type, size, method) is an HTTP 4xx.
 *
 * @example
 * ```ts
 * const app = createTsaServer({ config, log, authority });
 * await app.listen({ host: config.host, port: config.port });
 * ```
 */
export function createTsaServer(deps: { config: TsaConfig; log: Logger; authority: TimeStampAuthority }): FastifyInstance {
  const app = createBinaryServer({ log: deps.log, bodyLimit: deps.config.bodyLimitBytes, contentType: QUERY_TYPE });
  app.post('/', async (request, reply) => {
    if (!Buffer.isBuffer(request.body)) {
      return reply.status(415).send({ code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE', message: `send the DER request as ${QUERY_TYPE}` });
    }
    const der = await deps.authority.stamp(request.body);
    return reply.status(200).header('content-type', REPLY_TYPE).header('cache-control', 'no-store').send(Buffer.from(der));
  });
  return app;
}

import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { RegistryError } from '../errors/index.ts';
import { submitManagementEnvelope, type ManagementEnvelope } from '../management/index.ts';
import type { Registry } from '../registry/index.ts';
import { installErrorHandling, strictAjv } from './errors.ts';

/** Where the public listener serves the signed configuration. */
export const GLOBAL_CONF_PATH = '/globalconf';
/** Where security servers post signed management requests. */
export const MANAGEMENT_PATH = '/managementservice';

const jwsPart = { type: 'string', minLength: 5, maxLength: 131072, pattern: '^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$' };
const envelopeSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['request', 'ocspResponse'],
  properties: { request: jwsPart, ocspResponse: { type: 'string', minLength: 4, maxLength: 65536 }, authSignature: jwsPart },
};

/**
 * The public listener: the signed global configuration (ETag / If-None-Match -> 304) and the
 * management request endpoint (xroad-digest §4.7; Tonle uses one listener for both).
 */
export function createPublicApi(options: { registry: Registry; logger?: FastifyBaseLogger; bodyLimit?: number }): FastifyInstance {
  const { registry } = options;
  const app = Fastify({ ...(options.logger === undefined ? { logger: false } : { loggerInstance: options.logger.child({ listener: 'public' }) }), bodyLimit: options.bodyLimit ?? 256 * 1024, ajv: strictAjv });
  installErrorHandling(app);

  app.get(GLOBAL_CONF_PATH, async (request, reply) => {
    let conf = await registry.published();
    // Never serve an expired configuration while this node can sign a fresh one.
    if (conf === undefined || registry.clock.now() >= conf.expiresAtMs) conf = await registry.publish();
    void reply.header('etag', conf.etag).header('cache-control', 'no-cache').header('x-tonle-configuration-version', String(conf.version));
    const match = request.headers['if-none-match'];
    if (match !== undefined && match.split(',').some((tag) => tag.trim() === conf.etag)) return reply.status(304).send();
    return reply.type('application/jose').send(conf.jws);
  });

  app.post(MANAGEMENT_PATH, { schema: { body: envelopeSchema } }, async (request, reply) => {
    const record = await submitManagementEnvelope(registry, request.body as ManagementEnvelope);
    return reply.status(202).send({ id: record.id, requestId: record.requestId, type: record.type, status: record.status });
  });

  app.get('/health', async (_request, reply) => {
    const conf = await registry.published();
    if (conf === undefined || registry.clock.now() >= conf.expiresAtMs) {
      throw new RegistryError('TONLE_ERR_REGISTRY_NOT_INITIALIZED', 'No valid configuration is published yet.');
    }
    return reply.send({ status: 'ok', version: conf.version, expiresAt: new Date(conf.expiresAtMs).toISOString() });
  });
  return app;
}

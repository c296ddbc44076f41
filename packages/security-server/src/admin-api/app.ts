import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { AdminApiError } from './errors.ts';
import { errorAnswer } from './error-mapping.ts';
import { openApiDocument } from './openapi.ts';
import { createRateLimiter } from './rate-limit.ts';
import { ROUTES, type RouteDef } from './routes.ts';
import type { ApiKeyRecord } from './api-keys.ts';
import type { AdminAppOptions } from './services.ts';

export const ADMIN_API_PREFIX = '/api/v1';
const AUTH_SCHEME = /^X-Road-ApiKey\s+token=(\S+)\s*$/i;

interface RouteConfig {
  readonly def?: RouteDef;
  readonly public?: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    adminKey?: ApiKeyRecord;
  }
}

function auditTarget(def: RouteDef, request: FastifyRequest): { target?: string; data?: Record<string, string | number | boolean> } {
  const params = request.params as Record<string, string> | undefined;
  const target = params && Object.keys(params).length > 0 ? Object.values(params).join(' ') : undefined;
  const body = request.body;
  const data: Record<string, string | number | boolean> = {};
  if (def.auditFields !== undefined && typeof body === 'object' && body !== null && !(body instanceof Uint8Array)) {
    for (const f of def.auditFields) {
      const v = (body as Record<string, unknown>)[f];
      if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') data[f] = typeof v === 'string' ? v.slice(0, 256) : v;
    }
  }
  return { ...(target === undefined ? {} : { target }), ...(Object.keys(data).length > 0 ? { data } : {}) };
}

/**
 * The security server's admin REST API on its own listener (xroad-digest §8.2): `/api/v1`, API keys
 * with X-Road roles, JSON-schema validated bodies, body and rate limits, an append-only audit log of
 * every change, and the OpenAPI document at `/api/v1/openapi.json`.
 *
 * @example
 * ```ts
 * const admin = createAdminApp({ services });
 * await admin.listen({ host: '127.0.0.1', port: 4000 });
 * ```
 */
export function createAdminApp(options: AdminAppOptions): FastifyInstance {
  const { services } = options;
  const bodyLimit = options.bodyLimit ?? 50 * 1024;
  const uploadLimit = options.uploadLimit ?? 10 * 1024 * 1024;
  const limiter = createRateLimiter(options.rateLimit ?? { perSecond: 20, perMinute: 600 });
  const app = Fastify({
    logger: false,
    bodyLimit,
    // Strict validation: unknown fields are refused, not silently dropped; no type coercion.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false, allErrors: true } },
  });

  app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer', bodyLimit: uploadLimit }, (_req, body, done) => done(null, body));
  app.addContentTypeParser(['application/x-pem-file', 'application/pkix-cert'], { parseAs: 'buffer', bodyLimit: uploadLimit }, (_req, body, done) => done(null, body));

  app.setErrorHandler((error, request, reply) => {
    const fe = error as { code?: string; validation?: { instancePath?: string; message?: string }[]; statusCode?: number };
    if (fe.validation !== undefined) {
      const details = fe.validation.map((v) => `${v.instancePath || '(body)'} ${v.message ?? ''}`.trim());
      return reply.status(400).send({ code: 'TONLE_ERR_ADMIN_VALIDATION', message: 'the request does not match the schema; see details', details });
    }
    if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return reply.status(413).send({ code: 'TONLE_ERR_ADMIN_BODY_TOO_LARGE', message: `the body is larger than this endpoint accepts` });
    if (fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return reply.status(415).send({ code: 'TONLE_ERR_ADMIN_VALIDATION', message: 'send application/json (or application/octet-stream for uploads)' });
    if (typeof fe.code === 'string' && fe.code.startsWith('FST_') && typeof fe.statusCode === 'number' && fe.statusCode < 500) {
      return reply.status(fe.statusCode).send({ code: 'TONLE_ERR_ADMIN_VALIDATION', message: 'the request is malformed' });
    }
    const answer = errorAnswer(error, services.clock.now());
    void request;
    return reply.status(answer.status).headers(answer.headers ?? {}).send(answer.body);
  });
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send({ code: 'TONLE_ERR_ADMIN_NOT_FOUND', message: `no route ${request.method} ${request.url.split('?')[0] ?? ''}` }),
  );

  app.addHook('onRequest', async (request) => {
    if (!limiter.take(request.ip, services.clock.now())) {
      throw new AdminApiError('TONLE_ERR_ADMIN_RATE_LIMITED', 429, 'too many requests from this address; slow down (20/s, 600/min)');
    }
    const config = request.routeOptions.config as RouteConfig;
    if (config.public === true || config.def === undefined) return;
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? AUTH_SCHEME.exec(header) : null;
    const key = match === null ? undefined : services.apiKeys.verify(match[1]!);
    if (key === undefined) {
      throw new AdminApiError('TONLE_ERR_ADMIN_UNAUTHORIZED', 401, 'send a valid API key: Authorization: X-Road-ApiKey token=<key>');
    }
    request.adminKey = key;
    if (!key.roles.some((r) => config.def!.roles.includes(r))) {
      throw new AdminApiError('TONLE_ERR_ADMIN_FORBIDDEN', 403, `${config.def.id} needs one of the roles ${config.def.roles.join(', ')}`);
    }
  });

  // Fail closed: an `attempt` record is durable before a change is applied; when it cannot be written the
  // change is not made (500 TONLE_ERR_ADMIN_AUDIT_FAILED).
  app.addHook('preHandler', async (request) => {
    const def = (request.routeOptions.config as RouteConfig | undefined)?.def;
    if (def === undefined || def.method === 'GET') return;
    await services.audit.append({
      at: new Date(services.clock.now()).toISOString(),
      actor: request.adminKey === undefined ? 'anonymous' : `api-key:${request.adminKey.id}`,
      action: def.id,
      ...auditTarget(def, request),
      outcome: 'attempt',
    });
  });

  // Then the outcome of every change (anything but GET), refused ones included, before the answer leaves.
  app.addHook('onSend', async (request, reply, payload) => {
    const config = request.routeOptions.config as RouteConfig | undefined;
    const def = config?.def;
    if (def === undefined || def.method === 'GET') return payload;
    const status = reply.statusCode;
    let code: string | undefined;
    if (status >= 400 && typeof payload === 'string') {
      try {
        const parsed = JSON.parse(payload) as { code?: unknown };
        if (typeof parsed.code === 'string') code = parsed.code;
      } catch {
        // not JSON
      }
    }
    await services.audit.append({
      at: new Date(services.clock.now()).toISOString(),
      actor: request.adminKey === undefined ? 'anonymous' : `api-key:${request.adminKey.id}`,
      action: def.id,
      ...auditTarget(def, request),
      outcome: status < 400 ? 'success' : status === 401 || status === 403 || status === 429 ? 'refused' : 'failure',
      status,
      ...(code === undefined ? {} : { code }),
    });
    return payload;
  });

  const document = openApiDocument(ROUTES, '1.0.0');
  app.get(`${ADMIN_API_PREFIX}/openapi.json`, { config: { public: true } satisfies RouteConfig }, async () => document);

  for (const def of ROUTES) {
    app.route({
      method: def.method,
      url: `${ADMIN_API_PREFIX}${def.url}`,
      config: { def } satisfies RouteConfig,
      ...(def.upload || def.largeBody === true ? { bodyLimit: uploadLimit } : {}),
      ...(def.optionalBody === true
        ? {
            preValidation: async (request: FastifyRequest) => {
              if (request.body === undefined || request.body === null) request.body = {};
            },
          }
        : {}),
      schema: {
        ...(def.body === undefined ? {} : { body: def.body }),
        ...(def.querystring === undefined ? {} : { querystring: def.querystring }),
      },
      handler: async (request, reply) => {
        const raw = request.body instanceof Uint8Array ? new Uint8Array(request.body) : undefined;
        const body = raw === undefined && typeof request.body === 'object' && request.body !== null ? (request.body as Record<string, unknown>) : {};
        const result = await def.handler({
          services,
          body,
          params: (request.params ?? {}) as Record<string, string>,
          query: (request.query ?? {}) as Record<string, string>,
          ...(raw === undefined ? {} : { rawBody: raw }),
        });
        void reply.status(result.status ?? 200);
        if (result.contentType !== undefined) void reply.type(result.contentType);
        return reply.send(result.body);
      },
    });
  }
  return app;
}

export { ROUTES };

/**
 * `@tonle/client-sdk/fastify`: the provider-side helper as a fastify plugin. A separate entry point so that
 * users of the plain `readXRoadContext` never need fastify installed (it is an optional peer dependency).
 */
import type { FastifyInstance, FastifyPluginCallback } from 'fastify';
import {
  XRoadContextRejection,
  createXRoadContextReader,
  type XRoadContext,
  type XRoadContextOptions,
} from '../provider/index.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The X-Road context of the call; undefined when not required and `X-Road-Client` is absent. */
    xroad: XRoadContext | undefined;
  }
}

export type { XRoadContext, XRoadContextOptions } from '../provider/index.ts';

const plugin: FastifyPluginCallback<XRoadContextOptions> = (app: FastifyInstance, options, done) => {
  const read = createXRoadContextReader(options);
  app.decorateRequest('xroad', undefined);
  // onRequest: refuse before the body is read or any route runs (fail closed).
  app.addHook('onRequest', async (request, reply) => {
    try {
      request.xroad = read(request.raw);
    } catch (error) {
      if (!(error instanceof XRoadContextRejection)) throw error;
      const { status, headers, body } = error.toResponse(request.headers.accept);
      request.log.warn({ faultCode: error.code, faultId: error.id }, 'refused a call that did not come through a security server');
      return reply.code(status).headers(headers).send(body);
    }
    return undefined;
  });
  done();
};

// What fastify-plugin does: do not encapsulate, so the decoration and hook apply to the whole app.
Object.assign(plugin, {
  [Symbol.for('skip-override')]: true,
  [Symbol.for('fastify.display-name')]: '@tonle/client-sdk/fastify',
  [Symbol.for('plugin-meta')]: { name: '@tonle/client-sdk/fastify', fastify: '5.x' },
});

/**
 * Fastify plugin: decorates `request.xroad` with the caller's X-Road context, and with
 * `requireSecurityServer` refuses (400/403, fault-shaped) calls that did not come through a security server.
 *
 * @example
 * ```ts
 * import Fastify from 'fastify';
 * import { xroadContext } from '@tonle/client-sdk/fastify';
 * const app = Fastify();
 * await app.register(xroadContext, { requireSecurityServer: true, trustedProxies: ['10.0.0.5'] });
 * app.get('/v1/persons/:id', async (request) => ({ askedBy: request.xroad?.client.memberCode }));
 * ```
 */
export const xroadContext: FastifyPluginCallback<XRoadContextOptions> = plugin;

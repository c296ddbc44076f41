import Fastify, { type FastifyInstance } from 'fastify';
import { xroadContext } from '@tonle/client-sdk/fastify';

/** The provider side: a service behind its security server that knows who is calling. */
export async function buildPersonsService(securityServerAddress: string): Promise<FastifyInstance> {
  const app = Fastify();
  // Refuse anything that did not come through our security server (400/403, fault-shaped).
  await app.register(xroadContext, { requireSecurityServer: true, trustedProxies: [securityServerAddress] });
  app.get('/v1/persons/:id', async (request) => {
    const caller = request.xroad?.client; // typed ClientId of the consumer
    return { id: (request.params as { id: string }).id, askedBy: caller?.memberCode, onBehalfOf: request.xroad?.userId };
  });
  return app;
}

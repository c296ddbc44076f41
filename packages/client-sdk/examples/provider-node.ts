import { createServer, type Server } from 'node:http';
import { XRoadContextRejection, createXRoadContextReader, sendXRoadRejection } from '@tonle/client-sdk';

/** The same on plain node:http, without fastify. */
export function createPersonsServer(securityServerAddress: string): Server {
  const readContext = createXRoadContextReader({ requireSecurityServer: true, trustedProxies: [securityServerAddress] });
  return createServer((req, res) => {
    try {
      const context = readContext(req);
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ askedBy: context?.client.memberCode, messageId: context?.id }));
    } catch (error) {
      if (error instanceof XRoadContextRejection) return sendXRoadRejection(res, error, req.headers.accept);
      res.statusCode = 500;
      res.end();
    }
  });
}

import { once } from 'node:events';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';

export interface ClientProxyHttpsOptions {
  readonly host: string;
  readonly port: number;
  /** PEM certificate (then chain) and key the listener presents to information systems. */
  readonly tls: { readonly cert: string; readonly key: string; readonly passphrase?: string };
  /** Same as the HTTP listener's: slow clients get 408 Client.RequestTimeout. */
  readonly requestTimeoutMs: number;
  readonly minVersion?: 'TLSv1.2' | 'TLSv1.3';
}

export interface ClientProxyHttpsListener {
  readonly server: Server;
  /** The bound port (useful with port 0). */
  readonly port: number;
  close(): Promise<void>;
}

/**
 * The client proxy's HTTPS port for information systems (X-Road: 8443, ug-ss 9.2). It serves the SAME
 * Fastify instance as the HTTP port, so routes, hooks and faults are identical; the handler tells the two
 * apart by the socket (see `isConnection`). Client certificates are requested, never required: NOSSL and
 * SSLNOAUTH clients connect without one, and whether an SSLAUTH client's certificate is registered is
 * decided per request by `authenticateInformationSystem` (a self-signed IS certificate is pinned by hash,
 * as in X-Road, so no chain is validated here).
 */
export async function listenClientProxyHttps(app: FastifyInstance, options: ClientProxyHttpsOptions): Promise<ClientProxyHttpsListener> {
  await app.ready();
  const requestTimeout = options.requestTimeoutMs;
  const server = createServer(
    {
      cert: options.tls.cert,
      key: options.tls.key,
      ...(options.tls.passphrase === undefined ? {} : { passphrase: options.tls.passphrase }),
      minVersion: options.minVersion ?? 'TLSv1.2',
      requestCert: true,
      rejectUnauthorized: false,
      requestTimeout,
      connectionsCheckingInterval: Math.max(250, Math.min(5_000, requestTimeout / 2)),
    },
    (req, res) => app.routing(req, res),
  );
  // Connection-level errors (unparsable HTTP, request timeouts) get the same catalog answers as on HTTP.
  for (const listener of app.server.listeners('clientError')) server.on('clientError', listener as (...args: unknown[]) => void);
  server.listen({ host: options.host, port: options.port });
  await Promise.race([once(server, 'listening'), once(server, 'error').then(([error]) => Promise.reject(error as Error))]);
  return {
    server,
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        if (!server.listening) return resolve();
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}

import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { XRoadHeader } from '@tonle/protocol';
import { rememberedExchange, type ExchangeIds } from '../errors/index.ts';
import { buildClientProxy } from '../client-proxy/index.ts';
import { buildServerProxy, createProviderClient, type ServerProxyTls } from '../server-proxy/index.ts';
import { createPeerTransport } from '../transport/index.ts';
import { createBodySpool } from '../body/index.ts';
import type { ExchangeServices } from '../proxy-services/index.ts';

export interface SecurityServerInput extends Omit<ExchangeServices, 'peers' | 'provider' | 'spool'> {
  /**
   * Where bodies too large to hold in memory are spooled (a directory for this server only; default a
   * fresh temporary directory) and up to what size a body stays in memory (default 10 MiB).
   */
  readonly spool?: { readonly dir?: string; readonly memoryBytes?: number };
  /** This server's authentication certificate and key (PEM), used both to serve and to call peers. */
  readonly tls: ServerProxyTls;
  readonly listen: {
    readonly clientProxy: { readonly host: string; readonly port: number };
    readonly serverProxy: { readonly host: string; readonly port: number };
  };
  readonly transport: { readonly peerPort: number; readonly connectTimeoutMs: number; readonly responseTimeoutMs: number; readonly connectionsPerPeer: number };
  /** Called after every answered request on either proxy (not for health checks); must not throw. */
  readonly observe?: (observation: ExchangeObservation) => void;
}

function observeAnswers(app: FastifyInstance, side: 'client' | 'server', clock: SecurityServerInput['clock'], observe: (o: ExchangeObservation) => void): void {
  app.addHook('onResponse', async (request, reply) => {
    if (request.url === '/health') return;
    const size = (value: unknown): number | undefined => (value === undefined ? undefined : Number(value));
    const fault = reply.getHeader(XRoadHeader.Error);
    const durationMs = reply.elapsedTime;
    observe({
      side,
      ids: rememberedExchange(request),
      method: request.method,
      status: reply.statusCode,
      faultCode: typeof fault === 'string' ? fault : undefined,
      receivedAt: clock.now() - durationMs,
      durationMs,
      requestBytes: size(request.headers['content-length']),
      responseBytes: size(reply.getHeader('content-length')),
    });
  });
}

/** One finished request on a proxy, for metrics and operational monitoring. Never carries bodies. */
export interface ExchangeObservation {
  readonly side: 'client' | 'server';
  /** The exchange's ids once the request was identified; undefined for requests refused before that. */
  readonly ids: ExchangeIds | undefined;
  readonly method: string;
  readonly status: number;
  /** The `X-Road-Error` the reply carries, when a security server produced the answer's fault. */
  readonly faultCode: string | undefined;
  readonly receivedAt: number;
  readonly durationMs: number;
  readonly requestBytes: number | undefined;
  readonly responseBytes: number | undefined;
}

export interface RunningSecurityServer {
  readonly clientProxy: FastifyInstance;
  readonly serverProxy: FastifyInstance;
  /** Bound ports (useful with port 0). */
  readonly ports: { readonly clientProxy: number; readonly serverProxy: number };
  close(): Promise<void>;
}

/** X-Road's max-loggable-message-body-size, and the message log's default: bodies it may store stay in memory. */
const DEFAULT_MEMORY_BODY_BYTES = 10 * 1024 * 1024;

/**
 * Builds and starts one security server: the client proxy (plain HTTP for information systems) and the
 * server proxy (mutual TLS for peers) over one shared services object (style.md: one Fastify instance per
 * listener). Close drains both listeners, then the connection pools.
 */
export async function startSecurityServer(input: SecurityServerInput): Promise<RunningSecurityServer> {
  const peers = createPeerTransport({
    tls: input.tls,
    peerPort: input.transport.peerPort,
    connectTimeoutMs: input.transport.connectTimeoutMs,
    responseTimeoutMs: input.transport.responseTimeoutMs,
    connectionsPerPeer: input.transport.connectionsPerPeer,
  });
  const provider = createProviderClient({ connectTimeoutMs: input.transport.connectTimeoutMs });
  const spool = await createBodySpool({ ...(input.spool?.dir === undefined ? {} : { dir: input.spool.dir }), memoryBytes: input.spool?.memoryBytes ?? DEFAULT_MEMORY_BODY_BYTES });
  const services: ExchangeServices = { ...input, peers, provider, spool };
  const clientProxy = buildClientProxy(services);
  const serverProxy = buildServerProxy(services, input.tls);
  if (input.observe !== undefined) {
    observeAnswers(clientProxy, 'client', input.clock, input.observe);
    observeAnswers(serverProxy, 'server', input.clock, input.observe);
  }
  try {
    // Copies: fastify adds fields to the options object, and configuration objects are frozen.
    await serverProxy.listen({ host: input.listen.serverProxy.host, port: input.listen.serverProxy.port });
    await clientProxy.listen({ host: input.listen.clientProxy.host, port: input.listen.clientProxy.port });
  } catch (error) {
    await Promise.allSettled([clientProxy.close(), serverProxy.close(), peers.close(), provider.close()]);
    await spool.close();
    throw error;
  }
  const port = (app: FastifyInstance) => (app.server.address() as AddressInfo).port;
  return {
    clientProxy,
    serverProxy,
    ports: { clientProxy: port(clientProxy), serverProxy: port(serverProxy) },
    async close() {
      await Promise.allSettled([clientProxy.close(), serverProxy.close()]);
      await Promise.allSettled([peers.close(), provider.close()]);
      await spool.close();
    },
  };
}

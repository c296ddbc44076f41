import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { Agent, Pool, buildConnector, errors as undiciErrors, type Dispatcher } from 'undici';
import type { OutgoingBody, PeerResponse, PeerServer, PeerTransport } from '../proxy-services/index.ts';
import { TRANSPORT_CONTENT_TYPE, TRANSPORT_PATH } from './envelope.ts';

/**
 * A peer could not be reached (`connect`: nothing was sent), did not answer in time (`timeout`), is not
 * who the configuration says (`tls`), or the connection broke after the request started (`broken`: the
 * peer may have acted on it, so it is never sent again elsewhere).
 */
export class PeerError extends Error {
  readonly code = 'TONLE_ERR_TRANSPORT_PEER';
  readonly kind: 'connect' | 'timeout' | 'tls' | 'broken';
  constructor(kind: 'connect' | 'timeout' | 'tls' | 'broken', message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PeerError';
    this.kind = kind;
  }
}

export interface PeerTransportOptions {
  /** PEM: this server's authentication certificate chain and key (mutual TLS, xroad-digest 3.1). */
  readonly tls: { readonly cert: string; readonly key: string; readonly passphrase?: string; readonly minVersion: 'TLSv1.2' | 'TLSv1.3' };
  /** Port of peers' server proxies (X-Road: 5500; the configuration lists hosts only). */
  readonly peerPort: number;
  readonly connectTimeoutMs: number;
  readonly responseTimeoutMs: number;
  readonly connectionsPerPeer: number;
}

/**
 * The origin of a peer's server proxy. X-Road's configuration lists host names only and every server
 * listens on one instance-wide port; Tonle also accepts `host:port` (and `[v6]:port`) in the address, so
 * servers on non-default ports (or several on one machine) can be reached.
 */
export function originOf(address: string, defaultPort: number): string {
  const bracketed = /^\[([0-9A-Fa-f:.]+)\]:(\d{1,5})$/.exec(address);
  if (bracketed !== null) return `https://[${bracketed[1]}]:${bracketed[2]}`;
  const hostPort = /^([^:]+):(\d{1,5})$/.exec(address);
  if (hostPort !== null && Number(hostPort[2]) <= 65_535) return `https://${hostPort[1]}:${hostPort[2]}`;
  const host = isIP(address) === 6 ? `[${address}]` : address;
  return `https://${host}:${defaultPort}`;
}

/** SHA-256 (hex) of the peer's TLS certificate: how a peer is matched to the global configuration. */
export function certHash(socket: TLSSocket): string | undefined {
  const raw = socket.getPeerCertificate()?.raw;
  return raw === undefined ? undefined : createHash('sha256').update(raw).digest('hex');
}

/** Errors that mean no byte of the request reached the peer: sending it to another server is safe. */
const NOT_CONNECTED = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EADDRNOTAVAIL', 'UND_ERR_CONNECT_TIMEOUT']);

function neverConnected(error: unknown): boolean {
  const e = error as { code?: unknown; cause?: { code?: unknown } };
  return NOT_CONNECTED.has(String(e.code)) || NOT_CONNECTED.has(String(e.cause?.code));
}

/**
 * Tonle transport v1 client: one undici keep-alive Pool per peer (no per-request handshakes, architecture
 * §5), mutual TLS with our authentication certificate, and the peer's TLS certificate pinned to the
 * hashes the global configuration registers for that server (xroad-digest 3.1: the binding is the hash).
 */
export function createPeerTransport(options: PeerTransportOptions): PeerTransport {
  const expected = new Map<string, readonly string[]>();
  const sticky = new Map<string, string>();
  const baseConnect = buildConnector({
    cert: options.tls.cert,
    key: options.tls.key,
    ...(options.tls.passphrase === undefined ? {} : { passphrase: options.tls.passphrase }),
    minVersion: options.tls.minVersion,
    maxVersion: 'TLSv1.3',
    // The peer's certificate is checked against the configuration below, not against a web PKI.
    rejectUnauthorized: false,
    timeout: options.connectTimeoutMs,
    // No TLS session resumption: a resumed session may not expose the peer certificate, and every
    // connection must show its certificate for the pin check below (connections are pooled anyway).
    maxCachedSessions: 0,
  });
  const connect: buildConnector.connector = (opts, callback) => {
    baseConnect(opts, (error, socket) => {
      if (error !== null) return callback(error, null);
      const origin = `${opts.protocol}//${opts.hostname.includes(':') ? `[${opts.hostname}]` : opts.hostname}:${opts.port}`;
      const hashes = expected.get(origin) ?? [];
      const hash = certHash(socket as TLSSocket);
      if (hash === undefined || !hashes.includes(hash)) {
        socket.destroy();
        return callback(new PeerError('tls', `The TLS certificate of ${origin} is not registered for that security server`), null);
      }
      callback(null, socket);
    });
  };
  const agent = new Agent({
    factory: (origin, opts) =>
      new Pool(origin, { ...opts, connect, connections: options.connectionsPerPeer, keepAliveTimeout: 30_000 }),
  });

  async function sendOne(peer: PeerServer, frame: OutgoingBody, headers: Readonly<Record<string, string>>): Promise<PeerResponse> {
    const origin = originOf(peer.address, options.peerPort);
    expected.set(origin, peer.authCertHashes);
    let res: Dispatcher.ResponseData;
    try {
      res = await agent.request({
        origin,
        path: TRANSPORT_PATH,
        method: 'POST',
        headers: { ...headers, 'content-type': TRANSPORT_CONTENT_TYPE, 'content-length': String(frame.length) },
        body: frame.open(),
        headersTimeout: options.responseTimeoutMs,
        // Between two chunks of the answer; a large answer may take longer than this as a whole.
        bodyTimeout: options.responseTimeoutMs,
      });
    } catch (error) {
      if (error instanceof PeerError) throw error;
      if (error instanceof undiciErrors.HeadersTimeoutError || error instanceof undiciErrors.BodyTimeoutError) {
        throw new PeerError('timeout', `${origin} did not answer within ${options.responseTimeoutMs} ms`, { cause: error });
      }
      const cause = (error as { cause?: unknown }).cause;
      if (cause instanceof PeerError) throw cause;
      if (neverConnected(error)) throw new PeerError('connect', `Cannot reach ${origin}`, { cause: error });
      throw new PeerError('broken', `The connection to ${origin} broke off`, { cause: error });
    }
    return { status: res.statusCode, headers: res.headers, body: res.body, peer };
  }

  return {
    async send(peers, frame, headers) {
      if (peers.length === 0) throw new TypeError('send: give at least one peer');
      // Sticky: the peer that answered last for this set goes first; the rest keep configuration order.
      const key = peers.map((p) => p.address).join(',');
      const first = sticky.get(key);
      const ordered = first === undefined ? peers : [...peers.filter((p) => p.address === first), ...peers.filter((p) => p.address !== first)];
      let lastError: unknown;
      for (const peer of ordered) {
        try {
          const res = await sendOne(peer, frame, headers);
          sticky.set(key, peer.address);
          return res;
        } catch (error) {
          lastError = error;
          // Only a failed connection is retried elsewhere: a request that reached a peer is never sent twice.
          if (!(error instanceof PeerError) || error.kind === 'timeout' || error.kind === 'broken') throw error;
        }
      }
      throw lastError;
    },
    close: () => agent.close(),
  };
}

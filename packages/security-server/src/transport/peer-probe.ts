import { connect } from 'node:tls';
import type { Clock } from '@tonle/protocol';
import { certHash, originOf } from './peer-transport.ts';

/** What a connection test to another security server found (X-Road 7.8's diagnostics, done over mutual TLS). */
export interface PeerProbeResult {
  readonly address: string;
  /** A TLS session with our authentication certificate was established. */
  readonly reachable: boolean;
  /** The peer's TLS certificate is one the global configuration registers for that server. */
  readonly authenticated: boolean;
  readonly tlsProtocol?: string;
  readonly durationMs: number;
  /** Why it failed: a Node.js error code such as ECONNREFUSED, or TIMEOUT. */
  readonly error?: string;
}

/**
 * Opens one mutual-TLS connection to a peer's server proxy with this server's authentication credentials
 * and checks the peer's certificate against the hashes the global configuration lists for it. Sends
 * nothing; never throws.
 */
export function probePeer(input: {
  readonly address: string;
  readonly peerPort: number;
  /** `passphrase` for an encrypted key (file mode with `tls.keyPinFile`). */
  readonly tls: { readonly cert: string; readonly key: string; readonly passphrase?: string };
  readonly expectedCertHashes: readonly string[];
  readonly timeoutMs: number;
  readonly clock: Clock;
  /** Aborting closes the connection attempt at once; the result is then `error: 'ABORTED'`. */
  readonly signal?: AbortSignal;
}): Promise<PeerProbeResult> {
  const started = input.clock.now();
  const url = new URL(originOf(input.address, input.peerPort));
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return new Promise((resolve) => {
    let done = false;
    const finish = (result: Omit<PeerProbeResult, 'address' | 'durationMs'>): void => {
      if (done) return;
      done = true;
      socket.destroy();
      resolve({ address: input.address, durationMs: input.clock.now() - started, ...result });
    };
    // The peer is authenticated by its registered certificate hash, not by a CA chain to a host name
    // (xroad-digest 3.1), so chain verification is replaced by the pin check below.
    const socket = connect({
      host, port: Number(url.port), cert: input.tls.cert, key: input.tls.key,
      ...(input.tls.passphrase === undefined ? {} : { passphrase: input.tls.passphrase }),
      rejectUnauthorized: false, minVersion: 'TLSv1.2',
    });
    socket.setTimeout(input.timeoutMs, () => finish({ reachable: false, authenticated: false, error: 'TIMEOUT' }));
    socket.once('secureConnect', () => {
      const hash = certHash(socket);
      const protocol = socket.getProtocol();
      finish({
        reachable: true,
        authenticated: input.expectedCertHashes.some((h) => h.toLowerCase() === hash),
        ...(protocol === null ? {} : { tlsProtocol: protocol }),
      });
    });
    socket.once('error', (error: NodeJS.ErrnoException) => finish({ reachable: false, authenticated: false, error: error.code ?? 'TLS_ERROR' }));
    const aborted = (): void => finish({ reachable: false, authenticated: false, error: 'ABORTED' });
    if (input.signal?.aborted === true) aborted();
    else input.signal?.addEventListener('abort', aborted, { once: true });
    socket.once('close', () => input.signal?.removeEventListener('abort', aborted));
  });
}

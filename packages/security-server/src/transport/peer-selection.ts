import type { Clock } from '@tonle/protocol';
import type { PeerServer } from '../proxy-services/index.ts';
import { probePeer } from './peer-probe.ts';

/** X-Road's `client-fastest-connecting-ssl-uri-cache-period`: 3600 s (xroad-digest 10). */
export const DEFAULT_PEER_SELECTION_CACHE_MS = 3_600_000;

/** Opens a connection (TCP + TLS handshake) to a peer and closes it; rejects when that fails. */
export type PeerProbe = (peer: PeerServer, signal: AbortSignal) => Promise<void>;

export interface PeerSelectorOptions {
  readonly probe: PeerProbe;
  readonly clock: Clock;
  /** How long a winner is kept for its set of peers (default {@link DEFAULT_PEER_SELECTION_CACHE_MS}). */
  readonly cachePeriodMs?: number;
  /**
   * Longest a probe round may take even if a probe never settles (default 30 s, X-Road's `client-timeout`):
   * then the round ends as if the unsettled probes had failed, and they are aborted.
   */
  readonly roundTimeoutMs?: number;
}

/**
 * Built-in provider redundancy, "fastest wins" (xroad-digest 10): the same subsystem registered on several
 * security servers; the consumer side connects to all, uses the first that connects and sticks to it.
 */
export interface PeerSelector {
  /**
   * The order in which to try `peers` (servers in maintenance must already be filtered out). With a fresh
   * cached winner for this set of peers it goes first at once; otherwise every peer is probed in parallel,
   * the first to connect goes first (and is cached), then the others that connected in the order they did,
   * then the ones still connecting, then the ones that failed. When every probe fails the given order is
   * kept (the caller's sends will then fail with their own errors). Never rejects because of a probe.
   */
  order(peers: readonly PeerServer[]): Promise<PeerServer[]>;
  /** A send to `peer` failed: forget it as a winner, so the next `order` probes again. */
  failed(peer: PeerServer): void;
}

interface Winner {
  readonly address: string;
  readonly at: number;
}

/** A set of peers, whatever order the configuration lists them in. */
function setKey(peers: readonly PeerServer[]): string {
  return JSON.stringify([...new Set(peers.map((p) => p.address))].sort());
}

function winnerFirst(peers: readonly PeerServer[], addresses: readonly string[]): PeerServer[] {
  const rank = new Map(addresses.map((a, i) => [a, i]));
  // Stable sort: peers the round did not rank keep their given order, after the ranked ones.
  return [...peers].sort((a, b) => (rank.get(a.address) ?? addresses.length) - (rank.get(b.address) ?? addresses.length));
}

/**
 * Creates the fastest-connect selector (xroad-digest 10). Probe rounds are shared: concurrent `order`
 * calls for the same set of peers wait for the one round in flight instead of opening more connections.
 * When the first probe succeeds the round ends at once and the probes still running are aborted, so one
 * slow or black-holed server never delays a request that another server can take.
 *
 * @example
 * const selector = createPeerSelector({ probe: createPeerProbe({ peerPort: 5500, tls, timeoutMs: 5_000, clock }), clock });
 * const ordered = await selector.order(available);
 */
export function createPeerSelector(options: PeerSelectorOptions): PeerSelector {
  const cachePeriodMs = options.cachePeriodMs ?? DEFAULT_PEER_SELECTION_CACHE_MS;
  if (!Number.isFinite(cachePeriodMs) || cachePeriodMs < 0) throw new TypeError('createPeerSelector: cachePeriodMs must be a number >= 0');
  const roundTimeoutMs = options.roundTimeoutMs ?? 30_000;
  if (!Number.isFinite(roundTimeoutMs) || roundTimeoutMs <= 0) throw new TypeError('createPeerSelector: roundTimeoutMs must be a number > 0');
  const winners = new Map<string, Winner>();
  const rounds = new Map<string, Promise<readonly string[]>>();

  function round(key: string, peers: readonly PeerServer[]): Promise<readonly string[]> {
    const running = rounds.get(key);
    if (running !== undefined) return running;
    const controller = new AbortController();
    const connected: string[] = [];
    const failedAddresses = new Set<string>();
    const unique = [...new Map(peers.map((p) => [p.address, p])).values()];
    const promise = new Promise<readonly string[]>((resolve) => {
      let settled = 0;
      // finish() only ever runs from a probe callback or the timer, both after `timer` is assigned.
      const finish = (): void => {
        clearTimeout(timer);
        const pending = unique.map((p) => p.address).filter((a) => !connected.includes(a) && !failedAddresses.has(a));
        resolve([...connected, ...pending, ...unique.map((p) => p.address).filter((a) => failedAddresses.has(a))]);
      };
      const timer = setTimeout(() => {
        finish();
        controller.abort();
      }, roundTimeoutMs);
      timer.unref();
      for (const peer of unique) {
        let attempt: Promise<void>;
        try {
          attempt = options.probe(peer, controller.signal);
        } catch (error) {
          attempt = Promise.reject(error);
        }
        attempt.then(
          () => {
            if (controller.signal.aborted) return;
            connected.push(peer.address);
            winners.set(key, { address: peer.address, at: options.clock.now() });
            finish();
            // The winner is known: the other handshakes are no longer needed (X-Road closes them too).
            controller.abort();
          },
          () => {
            failedAddresses.add(peer.address);
            settled += 1;
            if (settled === unique.length) finish();
          },
        );
      }
    });
    rounds.set(key, promise);
    void promise.then(() => rounds.delete(key));
    return promise;
  }

  return {
    async order(peers) {
      if (peers.length <= 1) return [...peers];
      const key = setKey(peers);
      const cached = winners.get(key);
      if (cached !== undefined && options.clock.now() - cached.at < cachePeriodMs) return winnerFirst(peers, [cached.address]);
      if (cached !== undefined) winners.delete(key);
      return winnerFirst(peers, await round(key, peers));
    },
    failed(peer) {
      for (const [key, winner] of winners) if (winner.address === peer.address) winners.delete(key);
    },
  };
}

/**
 * The real probe: one mutual-TLS handshake with this server's authentication credentials to the peer's
 * server proxy (the connection test's {@link probePeer}); a peer whose TLS certificate is not the one the
 * global configuration registers for it counts as failed, as the transport would refuse it anyway.
 */
export function createPeerProbe(input: {
  readonly peerPort: number;
  /** This server's authentication certificate and key (PEM; `passphrase` when the key is encrypted). */
  readonly tls: { readonly cert: string; readonly key: string; readonly passphrase?: string };
  readonly timeoutMs: number;
  readonly clock: Clock;
}): PeerProbe {
  return async (peer, signal) => {
    const result = await probePeer({
      address: peer.address,
      peerPort: input.peerPort,
      tls: input.tls,
      expectedCertHashes: peer.authCertHashes,
      timeoutMs: input.timeoutMs,
      clock: input.clock,
      signal,
    });
    if (!result.reachable) throw new PeerProbeError(`Cannot connect to ${peer.address} (${result.error ?? 'unknown'})`);
    if (!result.authenticated) throw new PeerProbeError(`The TLS certificate of ${peer.address} is not registered for that security server`);
  };
}

/** A probe could not connect to a peer, or the peer is not who the configuration says. */
export class PeerProbeError extends Error {
  readonly code = 'TONLE_ERR_TRANSPORT_PROBE';
  constructor(message: string) {
    super(message);
    this.name = 'PeerProbeError';
  }
}

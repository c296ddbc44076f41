import { createHash } from 'node:crypto';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import { encodePem, exportPrivateKeyPem, generateKeyPair, issueCertificate } from '@tonle/pki';
import { securityServerId } from '@tonle/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PeerServer } from '../../src/proxy-services/index.ts';
import { createPeerProbe, createPeerSelector, DEFAULT_PEER_SELECTION_CACHE_MS, type PeerProbe } from '../../src/transport/index.ts';

function peer(address: string, authCertHashes: readonly string[] = []): PeerServer {
  return { id: securityServerId('EE', 'GOV', '1', address.replace(/[^A-Za-z0-9]/g, '')), address, authCertHashes };
}

function manualClock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => void (now += ms) };
}

interface Deferred {
  resolve(): void;
  reject(error: Error): void;
  readonly signal: AbortSignal;
}

/** A probe whose outcome each test decides, recording every call. */
function scriptedProbe() {
  const calls: { address: string; deferred: Deferred }[] = [];
  const probe: PeerProbe = (p, signal) =>
    new Promise<void>((resolve, reject) => {
      calls.push({ address: p.address, deferred: { resolve, reject, signal } });
    });
  const pending = (address: string): Deferred => {
    const found = [...calls].reverse().find((c) => c.address === address);
    if (found === undefined) throw new Error(`no probe to ${address}`);
    return found.deferred;
  };
  return { probe, calls, pending };
}

const tick = () => new Promise((r) => setImmediate(r));
const A = peer('a.example');
const B = peer('b.example');
const C = peer('c.example');

describe('createPeerSelector with scripted probes', () => {
  it('probes all in parallel; the first to connect goes first, the others keep their order; failed ones go last', async () => {
    const clock = manualClock();
    const s = scriptedProbe();
    const selector = createPeerSelector({ probe: s.probe, clock });
    const ordered = selector.order([A, B, C]);
    await tick();
    expect(s.calls.map((c) => c.address)).toEqual(['a.example', 'b.example', 'c.example']);
    s.pending('a.example').reject(new Error('refused'));
    await tick();
    s.pending('c.example').resolve();
    expect((await ordered).map((p) => p.address)).toEqual(['c.example', 'b.example', 'a.example']);
    // The round is over: the probe still running is told to stop.
    expect(s.pending('b.example').signal.aborted).toBe(true);
  });

  it('keeps the winner for the cache period (default X-Road 3600 s) without probing, then probes again', async () => {
    const clock = manualClock();
    const s = scriptedProbe();
    const selector = createPeerSelector({ probe: s.probe, clock });
    expect(DEFAULT_PEER_SELECTION_CACHE_MS).toBe(3_600_000);
    const first = selector.order([A, B]);
    await tick();
    s.pending('b.example').resolve();
    expect((await first).map((p) => p.address)).toEqual(['b.example', 'a.example']);
    clock.advance(DEFAULT_PEER_SELECTION_CACHE_MS - 1);
    // Any order of the same set hits the cache.
    expect((await selector.order([A, B])).map((p) => p.address)).toEqual(['b.example', 'a.example']);
    expect((await selector.order([B, A])).map((p) => p.address)).toEqual(['b.example', 'a.example']);
    expect(s.calls).toHaveLength(2);
    clock.advance(1);
    const later = selector.order([A, B]);
    await tick();
    expect(s.calls).toHaveLength(4);
    s.pending('a.example').resolve();
    expect((await later).map((p) => p.address)).toEqual(['a.example', 'b.example']);
  });

  it('failed(peer) drops the cached winner so the next order probes again', async () => {
    const clock = manualClock();
    const s = scriptedProbe();
    const selector = createPeerSelector({ probe: s.probe, clock, cachePeriodMs: 60_000 });
    const first = selector.order([A, B]);
    await tick();
    s.pending('a.example').resolve();
    await first;
    selector.failed(A);
    const second = selector.order([A, B]);
    await tick();
    expect(s.calls).toHaveLength(4);
    s.pending('a.example').reject(new Error('down'));
    s.pending('b.example').resolve();
    expect((await second).map((p) => p.address)).toEqual(['b.example', 'a.example']);
  });

  it('concurrent calls for the same set share one probe round', async () => {
    const clock = manualClock();
    const s = scriptedProbe();
    const selector = createPeerSelector({ probe: s.probe, clock });
    const calls = [selector.order([A, B]), selector.order([B, A]), selector.order([A, B])];
    await tick();
    expect(s.calls).toHaveLength(2);
    s.pending('a.example').resolve();
    const results = await Promise.all(calls);
    for (const r of results) expect(r[0]?.address).toBe('a.example');
    // Each caller gets its own peer objects back, in winner-first order.
    expect(results[1]).toEqual([A, B]);
  });

  it('when every probe fails the given order is kept, nothing is cached, and order() does not reject', async () => {
    const clock = manualClock();
    const s = scriptedProbe();
    const selector = createPeerSelector({ probe: s.probe, clock });
    const ordered = selector.order([C, A, B]);
    await tick();
    s.pending('a.example').reject(new Error('x'));
    s.pending('c.example').reject(new Error('x'));
    s.pending('b.example').reject(new Error('x'));
    expect((await ordered).map((p) => p.address)).toEqual(['c.example', 'a.example', 'b.example']);
    const again = selector.order([C, A, B]);
    await tick();
    expect(s.calls).toHaveLength(6);
    for (const p of ['a.example', 'b.example', 'c.example']) s.pending(p).reject(new Error('x'));
    await again;
  });

  it('a probe that throws synchronously counts as failed', async () => {
    const selector = createPeerSelector({
      probe: (p) => {
        if (p.address === 'a.example') throw new Error('sync');
        return Promise.resolve();
      },
      clock: manualClock(),
    });
    expect((await selector.order([A, B])).map((p) => p.address)).toEqual(['b.example', 'a.example']);
  });

  it('one peer (or none) is returned as is, without a probe', async () => {
    const s = scriptedProbe();
    const selector = createPeerSelector({ probe: s.probe, clock: manualClock() });
    expect(await selector.order([A])).toEqual([A]);
    expect(await selector.order([])).toEqual([]);
    expect(s.calls).toHaveLength(0);
  });

  it('rejects a nonsensical cache period or round timeout as misuse', () => {
    expect(() => createPeerSelector({ probe: () => Promise.resolve(), clock: manualClock(), cachePeriodMs: -1 })).toThrow(TypeError);
    expect(() => createPeerSelector({ probe: () => Promise.resolve(), clock: manualClock(), roundTimeoutMs: 0 })).toThrow(TypeError);
  });

  it('a round whose probes never settle ends after roundTimeoutMs in the given order, aborting them, caching nothing', async () => {
    const s = scriptedProbe();
    const selector = createPeerSelector({ probe: s.probe, clock: manualClock(), roundTimeoutMs: 50 });
    expect((await selector.order([B, A])).map((p) => p.address)).toEqual(['b.example', 'a.example']);
    expect(s.pending('a.example').signal.aborted).toBe(true);
    // A late success after the round ended changes nothing: the next call probes again.
    s.pending('a.example').resolve();
    const again = selector.order([B, A]);
    await tick();
    expect(s.calls).toHaveLength(4);
    s.pending('a.example').resolve();
    expect((await again).map((p) => p.address)).toEqual(['a.example', 'b.example']);
  });
});

async function selfSigned(cn: string): Promise<{ cert: string; key: string; sha256: string }> {
  const pair = await generateKeyPair('P-256');
  const now = Date.UTC(2026, 10, 29);
  const der = await issueCertificate({
    publicKey: pair.publicKey, signingKey: pair.privateKey, subject: [{ type: 'CN', value: cn }],
    notBefore: now - 86_400_000, notAfter: now + 30 * 86_400_000,
  });
  return { cert: encodePem('CERTIFICATE', der), key: exportPrivateKeyPem(pair.privateKey), sha256: createHash('sha256').update(der).digest('hex') };
}

const listen = (server: NetServer): Promise<number> =>
  new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
const close = (server: NetServer): Promise<void> => new Promise((resolve) => server.close(() => resolve()));

describe('createPeerSelector with the real mutual-TLS probe over real sockets', () => {
  let fast: TlsServer;
  let slow: NetServer;
  let refusing: number;
  let ports: { fast: number; slow: number };
  let auth: { cert: string; key: string };
  let fastIdentity: Awaited<ReturnType<typeof selfSigned>>;
  const slowSockets = new Set<Socket>();

  beforeAll(async () => {
    [fastIdentity, auth] = await Promise.all([selfSigned('fast-ss'), selfSigned('consumer-ss')]);
    fast = createTlsServer({ cert: fastIdentity.cert, key: fastIdentity.key, requestCert: true, rejectUnauthorized: false }, (socket) => socket.end());
    // Accepts TCP but never answers the TLS handshake: a server that is up but slow (or black-holed).
    slow = createNetServer((socket) => {
      slowSockets.add(socket);
      socket.resume(); // read (and drop) the ClientHello, so the client's close is seen
      socket.on('close', () => slowSockets.delete(socket));
    });
    ports = { fast: await listen(fast), slow: await listen(slow) };
    // A port that was free a moment ago: connecting to it is refused.
    const probe = createNetServer();
    refusing = await listen(probe);
    await close(probe);
  }, 60_000);

  afterAll(async () => {
    for (const s of slowSockets) s.destroy();
    await Promise.all([close(fast), close(slow)]);
  });

  it('orders the server that completes the TLS handshake first, the slow one next, the refusing one last; the slow probe is aborted', async () => {
    const clock = { now: () => Date.now() };
    const probe = createPeerProbe({ peerPort: 5500, tls: auth, timeoutMs: 20_000, clock });
    const selector = createPeerSelector({ probe, clock });
    const slowPeer = peer(`127.0.0.1:${ports.slow}`, [fastIdentity.sha256]);
    const refusingPeer = peer(`127.0.0.1:${refusing}`, [fastIdentity.sha256]);
    const fastPeer = peer(`127.0.0.1:${ports.fast}`, [fastIdentity.sha256]);
    const ordered = await selector.order([slowPeer, refusingPeer, fastPeer]);
    // The refusal may arrive before or after the winner: either way it ends up after the slow server
    // (failed ones last; still-pending ones keep their given order, and the slow one is given first).
    expect(ordered.map((p) => p.address)).toEqual([fastPeer.address, slowPeer.address, refusingPeer.address]);
    // The aborted handshake to the slow server is closed, not left to its 20 s timeout.
    for (let i = 0; i < 100 && slowSockets.size > 0; i += 1) await new Promise((r) => setTimeout(r, 50));
    expect(slowSockets.size).toBe(0);
  }, 30_000);

  it('a peer whose TLS certificate is not the registered one loses to one that is', async () => {
    const clock = { now: () => Date.now() };
    const probe = createPeerProbe({ peerPort: 5500, tls: auth, timeoutMs: 20_000, clock });
    await expect(probe(peer(`127.0.0.1:${ports.fast}`, ['0'.repeat(64)]), new AbortController().signal)).rejects.toMatchObject({ code: 'TONLE_ERR_TRANSPORT_PROBE' });
    await expect(probe(peer(`127.0.0.1:${refusing}`, [fastIdentity.sha256]), new AbortController().signal)).rejects.toMatchObject({ code: 'TONLE_ERR_TRANSPORT_PROBE' });
    await expect(probe(peer(`127.0.0.1:${ports.fast}`, [fastIdentity.sha256]), new AbortController().signal)).resolves.toBeUndefined();
  }, 30_000);

  it('the real probe works with a PIN-encrypted authentication key (file mode with tls.keyPinFile)', async () => {
    const clock = { now: () => Date.now() };
    const pair = await generateKeyPair('P-256');
    const der = await issueCertificate({ publicKey: pair.publicKey, signingKey: pair.privateKey, subject: [{ type: 'CN', value: 'pin-ss' }], notBefore: Date.UTC(2026, 0, 1), notAfter: Date.UTC(2027, 11, 31) });
    const tls = { cert: encodePem('CERTIFICATE', der), key: exportPrivateKeyPem(pair.privateKey, { pin: 'auth-pin' }), passphrase: 'auth-pin' };
    const probe = createPeerProbe({ peerPort: 5500, tls, timeoutMs: 20_000, clock });
    await expect(probe(peer(`127.0.0.1:${ports.fast}`, [fastIdentity.sha256]), new AbortController().signal)).resolves.toBeUndefined();
  }, 30_000);
});

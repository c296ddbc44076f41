import { createServer, type Server } from 'node:http';
import { buildOcspRequest, buildOcspResponse, generateKeyPair, issueCertificate, parseOcspRequest } from '@tonle/pki';
import { GatewayFault, verifyGlobalConfiguration } from '@tonle/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGlobalConfView, type GlobalConfView } from '../../src/global-conf/index.ts';
import { createMemoryOcspCache, createOcspService, type OcspTimers } from '../../src/ocsp/index.ts';
import { anchorFor, confSigningKey, createTestPki, DAY, documentFor, mutableClock, signGlobalConfiguration, T0, type TestPki } from '../global-conf/fixtures.ts';

// A real OCSP responder on a socket, answering with @tonle/pki's builder as the CA's delegated responder.
let server: Server;
let ocspUrl: string;
let pki: TestPki;
let view: GlobalConfView;
let viewWithoutCa: GlobalConfView;
const clock = mutableClock(T0 + 1000);
let mode: 'good' | 'revoked' | 'down' | 'garbage' | 'huge' = 'good';
let requests = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests++;
      if (mode === 'down') return void res.writeHead(503).end();
      if (mode === 'garbage') return void res.writeHead(200, { 'content-type': 'application/ocsp-response' }).end('not der');
      if (mode === 'huge') {
        // Chunked, no content-length: only a streaming cap stops it.
        res.writeHead(200, { 'content-type': 'application/ocsp-response' });
        for (let i = 0; i < 40; i++) res.write(Buffer.alloc(4096, 0x30));
        return void res.end();
      }
      const parsed = parseOcspRequest(new Uint8Array(Buffer.concat(chunks)));
      const now = clock.now();
      const der = buildOcspResponse({
        responderCertificate: pki.responderCert,
        privateKey: pki.responderKeys.privateKey,
        producedAt: now,
        responses: parsed.certIds.map((certId) =>
          mode === 'revoked'
            ? { certId, status: 'revoked' as const, revocationTime: now - 60_000, revocationReason: 'keyCompromise' as const, thisUpdate: now }
            : { certId, status: 'good' as const, thisUpdate: now, nextUpdate: now + 2 * 3_600_000 },
        ),
        certificates: [pki.responderCert],
      });
      res.writeHead(200, { 'content-type': 'application/ocsp-response' }).end(Buffer.from(der));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  ocspUrl = `http://127.0.0.1:${typeof addr === 'object' && addr !== null ? addr.port : 0}/ocsp`;
  pki = await createTestPki(ocspUrl);
  const key = await confSigningKey();
  const source = 'http://127.0.0.1:1/globalconf';
  const jws = await signGlobalConfiguration(documentFor({ source, key: key.verification, pki, ocspUrl }), key.signing);
  view = createGlobalConfView(await verifyGlobalConfiguration(jws, anchorFor(source, key.verification), { clock }));
  const jws2 = await signGlobalConfiguration(documentFor({ source, key: key.verification, version: 2 }), key.signing);
  viewWithoutCa = createGlobalConfView(await verifyGlobalConfiguration(jws2, anchorFor(source, key.verification), { clock }));
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
});

function service(opts: { expired?: boolean; timers?: OcspTimers } = {}) {
  const globalConf = {
    current(side: 'client' | 'server') {
      if (opts.expired === true) throw new GatewayFault(side === 'client' ? 'Server.ClientProxy.OutdatedGlobalConf' : 'Server.ServerProxy.OutdatedGlobalConf');
      return view;
    },
  };
  return createOcspService({
    globalConf,
    clock,
    cache: createMemoryOcspCache({ clock }),
    ...(opts.timers === undefined ? {} : { timers: opts.timers }),
  });
}

async function codeOf(p: Promise<unknown> | (() => unknown)): Promise<{ code?: string; pkiCode?: string }> {
  try {
    if (typeof p === 'function') p();
    else await p;
    return {};
  } catch (e) {
    const err = e as { code?: string; pkiCode?: string };
    return { ...(err.code === undefined ? {} : { code: err.code }), ...(err.pkiCode === undefined ? {} : { pkiCode: err.pkiCode }) };
  }
}

describe('OCSP service', () => {
  it('fetches over HTTP, caches and staples a response that a peer verifies', async () => {
    mode = 'good';
    clock.set(T0 + 1000);
    const ocsp = service();
    const before = requests;
    const stapled = await ocsp.staple(pki.signCert);
    expect(requests).toBe(before + 1);
    expect(await ocsp.staple(pki.signCert)).toEqual(stapled);
    expect(requests).toBe(before + 1); // served from the cache

    const peer = service();
    const verdict = peer.verifyPeer({ certificate: pki.signCert, response: stapled }, 'server');
    expect(verdict).toMatchObject({ status: 'good', thisUpdate: Math.floor(clock.now() / 1000) * 1000 });
    expect(verdict.validUntil).toBe(verdict.thisUpdate + 3_600_000);
    expect(peer.verifyPeer({ certificate: pki.signCert, response: stapled, issuer: pki.caCert }, 'server')).toBe(verdict); // cached
  });

  it('fetches once for many concurrent staples of a cold certificate', async () => {
    mode = 'good';
    clock.set(T0 + 5000);
    const ocsp = service();
    const before = requests;
    const all = await Promise.all(Array.from({ length: 20 }, () => ocsp.staple(pki.signCert)));
    expect(requests).toBe(before + 1);
    expect(new Set(all.map((r) => Buffer.from(r).toString('hex'))).size).toBe(1);
  });

  it('keeps stapling the cached response while the responder is down and fresh, then fails closed', async () => {
    mode = 'good';
    clock.set(T0 + 10_000);
    const ocsp = service();
    const stapled = await ocsp.staple(pki.signCert);
    mode = 'down';
    clock.advance(1_300_000); // past the fetch interval: a background refresh fails, the cached one is still fresh
    expect(await ocsp.staple(pki.signCert)).toEqual(stapled);
    expect(await codeOf(ocsp.refresh(pki.signCert))).toEqual({ code: 'TONLE_ERR_OCSP_FETCH_FAILED' });
    clock.advance(2_400_000); // older than ocspFreshnessSeconds (3600 s)
    expect(await codeOf(ocsp.staple(pki.signCert))).toEqual({ code: 'TONLE_ERR_OCSP_CERT_UNUSABLE' });
    // A peer holding the old response refuses it as stale.
    expect(await codeOf(() => service().verifyPeer({ certificate: pki.signCert, response: stapled }, 'client'))).toEqual({
      code: 'TONLE_ERR_OCSP_INVALID_RESPONSE',
      pkiCode: 'TONLE_ERR_PKI_OCSP_STALE',
    });
    mode = 'good';
    await expect(ocsp.staple(pki.signCert)).resolves.toBeInstanceOf(Uint8Array); // recovers by itself
  });

  it('refuses revoked certificates, garbage answers, foreign CAs and untrusted responders', async () => {
    clock.set(T0 + 100_000);
    mode = 'revoked';
    const ocsp = service();
    expect(await codeOf(ocsp.staple(pki.signCert))).toEqual({ code: 'TONLE_ERR_OCSP_NOT_GOOD', pkiCode: 'TONLE_ERR_PKI_REVOKED' });
    mode = 'garbage';
    expect(await codeOf(ocsp.staple(pki.signCert))).toMatchObject({ code: 'TONLE_ERR_OCSP_CERT_UNUSABLE' });
    mode = 'huge';
    expect(await codeOf(ocsp.refresh(pki.signCert))).toEqual({ code: 'TONLE_ERR_OCSP_FETCH_FAILED' });
    expect(await codeOf(ocsp.staple(pki.foreignCert))).toMatchObject({ code: 'TONLE_ERR_OCSP_CERT_UNUSABLE' });
    expect(await codeOf(ocsp.refresh(pki.foreignCert))).toEqual({ code: 'TONLE_ERR_OCSP_UNKNOWN_ISSUER' });

    // A response for the right certificate signed by a key the CA never authorised.
    mode = 'good';
    const good = await service().staple(pki.signCert);
    const rogueKeys = await generateKeyPair('P-256');
    const rogueCert = await issueCertificate({
      publicKey: rogueKeys.publicKey,
      subject: [{ type: 'CN', value: 'rogue responder' }],
      signingKey: rogueKeys.privateKey,
      notBefore: T0 - DAY,
      notAfter: T0 + DAY,
      extendedKeyUsage: ['ocspSigning'],
    });
    const parsedId = parseOcspRequest(
      buildOcspRequest({ certificate: pki.signCert, issuer: pki.caCert }).der,
    ).certIds[0];
    if (parsedId === undefined) throw new Error('no cert id');
    const rogue = buildOcspResponse({
      responderCertificate: rogueCert,
      privateKey: rogueKeys.privateKey,
      producedAt: clock.now(),
      responses: [{ certId: parsedId, status: 'good', thisUpdate: clock.now() }],
      certificates: [rogueCert],
    });
    const peer = service();
    expect((await codeOf(() => peer.verifyPeer({ certificate: pki.signCert, response: rogue }, 'server'))).code).toBe(
      'TONLE_ERR_OCSP_INVALID_RESPONSE',
    );
    expect(await codeOf(() => peer.verifyPeer({ certificate: pki.signCert, response: good }, 'server'))).toEqual({});
    expect(await codeOf(() => peer.verifyPeer({ certificate: pki.foreignCert, response: good }, 'server'))).toEqual({
      code: 'TONLE_ERR_OCSP_UNKNOWN_ISSUER',
    });
    expect(await codeOf(() => peer.verifyPeer({ certificate: pki.signCert, response: new Uint8Array([1, 2]) }, 'server'))).toMatchObject({
      code: 'TONLE_ERR_OCSP_INVALID_RESPONSE',
    });
  });

  it('drops a cached verdict when a new configuration no longer approves the CA', async () => {
    mode = 'good';
    clock.set(T0 + 300_000);
    const stapled = await service().staple(pki.signCert);
    let current = view;
    const peer = createOcspService({ globalConf: { current: () => current }, clock, cache: createMemoryOcspCache({ clock }) });
    expect(peer.verifyPeer({ certificate: pki.signCert, response: stapled }, 'server').status).toBe('good');
    current = viewWithoutCa;
    expect(await codeOf(() => peer.verifyPeer({ certificate: pki.signCert, response: stapled }, 'server'))).toEqual({
      code: 'TONLE_ERR_OCSP_UNKNOWN_ISSUER',
    });
  });

  it('fails closed with OutdatedGlobalConf when the configuration expired', async () => {
    const ocsp = service({ expired: true });
    expect(await codeOf(() => ocsp.verifyPeer({ certificate: pki.signCert, response: new Uint8Array([1]) }, 'server'))).toEqual({
      code: 'Server.ServerProxy.OutdatedGlobalConf',
    });
  });

  it('refreshes own certificates periodically (X-Road ocspFetchInterval 1200 s)', async () => {
    mode = 'good';
    clock.set(T0 + 200_000);
    const scheduled: { fn: () => void; ms: number }[] = [];
    const ocsp = service({ timers: { setTimeout: (fn, ms) => scheduled.push({ fn, ms }), clearTimeout: () => undefined } });
    ocsp.addOwnCertificate(pki.signCert);
    ocsp.start();
    expect(scheduled[0]?.ms).toBe(0);
    const before = requests;
    scheduled[0]?.fn();
    await expect.poll(() => scheduled.length, { timeout: 10_000 }).toBe(2);
    expect(requests).toBe(before + 1);
    expect(scheduled[1]?.ms).toBe(1_200_000);
    mode = 'down';
    scheduled[1]?.fn();
    await expect.poll(() => scheduled.length, { timeout: 10_000 }).toBe(3);
    expect(scheduled[2]?.ms).toBe(60_000);
    ocsp.stop();
  });
});

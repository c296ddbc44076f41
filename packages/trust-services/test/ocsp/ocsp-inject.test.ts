import { describe, expect, it } from 'vitest';
import { memberId } from '@tonle/protocol';
import { buildOcspRequest, createCsr, generateKeyPair, parseOcspResponse, verifyOcspResponse } from '@tonle/pki';
import {
  createCertificationAuthority,
  createFileCertificateStore,
  createOcspResponder,
  createOcspServer,
  loadCaConfig,
  loadOcspConfig,
  stateLayout,
} from '@tonle/trust-services';
import { fixedClock, quietLogger } from '../support/openssl.ts';
import { loadedState } from '../support/state.ts';

const T0 = Date.UTC(2031, 4, 6, 7, 8, 9);

describe('OCSP responder with an injected clock (inject, no sockets)', () => {
  it('stamps thisUpdate/producedAt from the clock and nextUpdate from the config, and follows revocation', async () => {
    const clock = fixedClock(T0);
    await using s = await loadedState(clock);
    const log = quietLogger();
    const store = createFileCertificateStore({ dir: stateLayout(s.dir).issuedDir });
    const config = loadOcspConfig({ overrides: { stateDir: s.dir, nextUpdateSeconds: 600, cacheMaxAgeSeconds: 30 } });
    const responder = createOcspResponder({ caCertificate: s.state.caCertificate, responder: s.ocsp, store, clock, log, nextUpdateSeconds: 600, cacheMaxAgeSeconds: 30 });
    const app = createOcspServer({ config, log, responder });
    const ca = createCertificationAuthority({
      settings: loadCaConfig({ overrides: { stateDir: s.dir, instanceIdentifier: 'EE', ocspUrl: 'http://127.0.0.1:9/' } }),
      issuer: s.ca,
      store,
      clock,
      log,
    });
    const keys = await generateKeyPair('Ed25519');
    const record = await ca.issue({
      csr: createCsr({ privateKey: keys.privateKey, subject: [{ type: 'C', value: 'EE' }, { type: 'O', value: 'GOV' }, { type: 'CN', value: '1' }] }),
      owner: { profile: 'sign', member: memberId('EE', 'GOV', '1') },
    });
    expect(record.issuedAt).toBe(T0);

    const request = buildOcspRequest({ certificate: record.certificate, issuer: s.state.caCertificate, hashAlgorithm: 'SHA-256' });
    const get = await app.inject({ method: 'GET', url: `/${encodeURIComponent(Buffer.from(request.der).toString('base64'))}` });
    expect(get.statusCode).toBe(200);
    expect(get.headers['cache-control']).toBe('max-age=30, public, no-transform, must-revalidate');
    const der = new Uint8Array(get.rawPayload);
    const parsed = parseOcspResponse(der);
    expect(parsed.producedAt).toBe(Math.floor(T0 / 1000) * 1000);
    expect(parsed.responses[0]).toMatchObject({ status: 'good', thisUpdate: Math.floor(T0 / 1000) * 1000, nextUpdate: Math.floor(T0 / 1000) * 1000 + 600_000 });
    expect(verifyOcspResponse({ response: der, certificate: record.certificate, issuer: s.state.caCertificate, at: T0, maxAgeMs: 60_000 }).status).toBe('good');

    clock.advance(1000);
    await ca.revoke(record.serialNumber, 'superseded');
    const post = await app.inject({ method: 'POST', url: '/', headers: { 'content-type': 'application/ocsp-request' }, payload: Buffer.from(request.der) });
    const revoked = verifyOcspResponse({ response: new Uint8Array(post.rawPayload), certificate: record.certificate, issuer: s.state.caCertificate, at: T0 + 1000, maxAgeMs: 60_000 });
    expect(revoked).toMatchObject({ status: 'revoked', revocationReason: 'superseded', revocationTime: Math.floor((T0 + 1000) / 1000) * 1000 });
    await app.close();
  });
});

import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createCsr, encodePem, generateKeyPair } from '@tonle/pki';
import { createCaServer, createCertificationAuthority, createFileCertificateStore, createTrustLogger, loadCaConfig, stateLayout } from '@tonle/trust-services';
import { systemClock } from '@tonle/protocol';
import { loadedState } from '../support/state.ts';

function sink(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  return {
    stream: new Writable({
      write(chunk: Buffer, _enc, done) {
        chunks.push(chunk.toString());
        done();
      },
    }),
    text: () => chunks.join(''),
  };
}

describe('trust services logging', () => {
  it('never writes the API key, the PIN, private keys or request bodies', async () => {
    await using s = await loadedState();
    const out = sink();
    const log = createTrustLogger({ level: 'trace', destination: out.stream });
    const config = loadCaConfig({ overrides: { stateDir: s.dir, instanceIdentifier: 'EE', ocspUrl: 'http://o/' } });
    const authority = createCertificationAuthority({ settings: config, issuer: s.ca, store: createFileCertificateStore({ dir: stateLayout(s.dir).issuedDir }), clock: systemClock, log });
    const app = createCaServer({ config, log, authority, apiKey: s.apiKey });
    const keys = await generateKeyPair('P-256');
    const csrPem = encodePem('CERTIFICATE REQUEST', createCsr({ privateKey: keys.privateKey, subject: [{ type: 'C', value: 'EE' }, { type: 'O', value: 'GOV' }, { type: 'CN', value: '7' }] }));
    const issued = await app.inject({
      method: 'POST',
      url: '/api/v1/certificates',
      headers: { authorization: `Bearer ${s.apiKey}`, 'content-type': 'application/json' },
      payload: { csr: csrPem, profile: 'sign', memberId: 'EE/GOV/7' },
    });
    expect(issued.statusCode).toBe(201);
    await app.inject({ method: 'GET', url: '/api/v1/certificates', headers: { authorization: 'Bearer wrong-key-guess' } });
    // Even if someone logs the headers or a key-ish object, the redaction list catches it.
    log.info({ req: { headers: { authorization: `Bearer ${s.apiKey}` } }, config: { pin: 'the-pin', apiKey: s.apiKey } }, 'careless');
    await app.close();
    const text = out.text();
    expect(text).toContain('certificate issued');
    expect(text).toContain('[Redacted]');
    expect(text).not.toContain(s.apiKey);
    expect(text).not.toContain('wrong-key-guess');
    expect(text).not.toContain('the-pin');
    expect(text).not.toContain('BEGIN');
    expect(text).not.toContain(csrPem.split('\n')[1]);
  });
});

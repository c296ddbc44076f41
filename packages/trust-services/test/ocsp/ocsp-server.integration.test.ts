import { readFile, writeFile } from 'node:fs/promises';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '@tonle/protocol';
import {
  buildOcspRequest,
  createCsr,
  encodePem,
  generateKeyPair,
  issueCertificate,
  parseOcspResponse,
  verifyOcspResponse,
} from '@tonle/pki';
import {
  initTrustState,
  loadCaConfig,
  loadOcspConfig,
  loadServiceIdentity,
  readSecretFile,
  startCertificationAuthority,
  startOcspResponder,
  type RunningService,
} from '@tonle/trust-services';
import { derFuzz, file, openssl, quietLogger, tempDir } from '../support/openssl.ts';

const OCSP_TYPE = { 'content-type': 'application/ocsp-request' };

describe('OCSP responder over HTTP, checked by openssl ocsp', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let otherDir: Awaited<ReturnType<typeof tempDir>>;
  let ca: RunningService;
  let ocsp: RunningService;
  let apiKey: string;
  let caCert: Uint8Array;
  let memberCert: Uint8Array;
  let memberSerial: string;
  const caPem = (): string => file(dir.path, 'ca.pem');

  const issueMember = async (code: string): Promise<{ pem: string; serialNumber: string }> => {
    const keys = await generateKeyPair('P-256');
    const csr = createCsr({ privateKey: keys.privateKey, subject: [{ type: 'C', value: 'EE' }, { type: 'O', value: 'GOV' }, { type: 'CN', value: code }] });
    const response = await fetch(`${ca.url}/api/v1/certificates`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ csr: encodePem('CERTIFICATE REQUEST', csr), profile: 'sign', memberId: `EE/GOV/${code}` }),
    });
    expect(response.status).toBe(201);
    const body = (await response.json()) as { certificate: string; serialNumber: string };
    return { pem: body.certificate, serialNumber: body.serialNumber };
  };

  beforeAll(async () => {
    dir = await tempDir('ocsp');
    otherDir = await tempDir('ocsp-other');
    const state = await initTrustState({ stateDir: dir.path, instanceIdentifier: 'EE', ocspUrl: 'http://127.0.0.1:9/', clock: systemClock });
    caCert = state.caCertificate;
    apiKey = await readSecretFile(state.apiKeyFile, 'api key');
    await writeFile(caPem(), encodePem('CERTIFICATE', caCert));
    // Two separately started services sharing one state directory, as two processes would.
    ocsp = await startOcspResponder({ config: loadOcspConfig({ overrides: { stateDir: dir.path, port: 0 } }), log: quietLogger() });
    ca = await startCertificationAuthority({
      config: loadCaConfig({ overrides: { stateDir: dir.path, port: 0, instanceIdentifier: 'EE', ocspUrl: `${ocsp.url}/` } }),
      log: quietLogger(),
    });
    const member = await issueMember('70000001');
    memberSerial = member.serialNumber;
    memberCert = new Uint8Array(Buffer.from(member.pem.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64'));
    await writeFile(file(dir.path, 'member.pem'), member.pem);
  });
  afterAll(async () => {
    await ca?.close();
    await ocsp?.close();
    await dir?.[Symbol.asyncDispose]();
    await otherDir?.[Symbol.asyncDispose]();
  });

  const opensslOcsp = (cert: string, issuer = caPem()) =>
    openssl(['ocsp', '-issuer', issuer, '-cert', cert, '-url', ocsp.url, '-CAfile', caPem(), '-resp_text']);

  it('answers good, then revoked after revocation through the CA admin API', async () => {
    const good = await opensslOcsp(file(dir.path, 'member.pem'));
    expect(good.stdout, good.stderr).toContain(': good');
    expect(good.stderr).toContain('Response verify OK');
    expect(good.stderr + good.stdout).not.toContain('WARNING: no nonce');
    expect(good.stdout).toContain('Next Update');

    const revoke = await fetch(`${ca.url}/api/v1/certificates/${memberSerial}/revoke`, {
      method: 'POST',
      headers: { authorization: `X-Road-ApiKey token=${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'keyCompromise' }),
    });
    expect(revoke.status).toBe(200);
    const revoked = await opensslOcsp(file(dir.path, 'member.pem'));
    expect(revoked.stdout, revoked.stderr).toContain(': revoked');
    expect(revoked.stdout).toContain('Reason: keyCompromise');
    expect(revoked.stderr).toContain('Response verify OK');
  });

  it('answers several certificates in one request', async () => {
    const second = await issueMember('70000002');
    await writeFile(file(dir.path, 'second.pem'), second.pem);
    const both = await openssl(['ocsp', '-issuer', caPem(), '-cert', file(dir.path, 'member.pem'), '-cert', file(dir.path, 'second.pem'), '-url', ocsp.url, '-CAfile', caPem()]);
    expect(both.stderr).toContain('Response verify OK');
    expect(both.stdout).toMatch(/member\.pem: (good|revoked)/);
    expect(both.stdout).toContain('second.pem: good');
  });

  it('answers unknown for a certificate this CA never recorded, unauthorized for another CA', async () => {
    const pin = await readSecretFile(file(dir.path, 'secrets/key-pin'), 'pin');
    const caKey = await loadServiceIdentity(dir.path, 'ca', pin);
    const stray = await generateKeyPair('P-256');
    const unrecorded = await issueCertificate({
      publicKey: stray.publicKey,
      subject: [{ type: 'CN', value: 'never issued through the store' }],
      signingKey: caKey.privateKey,
      issuerCertificate: caCert,
      notBefore: systemClock.now() - 60_000,
      notAfter: systemClock.now() + 86_400_000,
    });
    await writeFile(file(dir.path, 'stray.pem'), encodePem('CERTIFICATE', unrecorded));
    const unknown = await opensslOcsp(file(dir.path, 'stray.pem'));
    expect(unknown.stdout, unknown.stderr).toContain(': unknown');

    const other = await initTrustState({ stateDir: otherDir.path, instanceIdentifier: 'EE', ocspUrl: 'http://127.0.0.1:9/', clock: systemClock });
    await writeFile(file(otherDir.path, 'ca.pem'), encodePem('CERTIFICATE', other.caCertificate));
    await writeFile(file(otherDir.path, 'tsa.pem'), encodePem('CERTIFICATE', other.tsaCertificate));
    const foreign = await openssl(['ocsp', '-issuer', file(otherDir.path, 'ca.pem'), '-cert', file(otherDir.path, 'tsa.pem'), '-url', ocsp.url, '-CAfile', caPem()]);
    expect(foreign.stdout + foreign.stderr).toContain('unauthorized');
  });

  it('serves GET requests with short caching, echoes nonces on POST, and the response verifies with @tonle/pki', async () => {
    const plain = buildOcspRequest({ certificate: memberCert, issuer: caCert });
    const path = encodeURIComponent(Buffer.from(plain.der).toString('base64'));
    const get = await fetch(`${ocsp.url}/${path}`);
    expect(get.status).toBe(200);
    expect(get.headers.get('content-type')).toBe('application/ocsp-response');
    expect(get.headers.get('cache-control')).toMatch(/max-age=60\b/);
    const der = new Uint8Array(await get.arrayBuffer());
    const parsed = parseOcspResponse(der);
    expect(parsed.responseStatus).toBe('successful');
    const single = parsed.responses[0];
    expect((single?.nextUpdate ?? 0) - (single?.thisUpdate ?? 0)).toBe(3600_000);
    const verified = verifyOcspResponse({ response: der, certificate: memberCert, issuer: caCert, at: systemClock.now(), maxAgeMs: 60_000 });
    expect(verified.status).toBe('revoked');

    const withNonce = buildOcspRequest({ certificate: memberCert, issuer: caCert, nonce: true });
    const post = await fetch(ocsp.url, { method: 'POST', headers: OCSP_TYPE, body: Buffer.from(withNonce.der) });
    expect(post.headers.get('cache-control')).toBe('no-store');
    const echoed = parseOcspResponse(new Uint8Array(await post.arrayBuffer()));
    expect(echoed.nonce).toEqual(withNonce.nonce);
  });

  it('answers malformedRequest for garbage, and HTTP 4xx for wrong content type, size or path', async () => {
    const status = async (r: Response): Promise<string> => parseOcspResponse(new Uint8Array(await r.arrayBuffer())).responseStatus;
    expect(await status(await fetch(ocsp.url, { method: 'POST', headers: OCSP_TYPE, body: Buffer.from([0x30, 0x03, 0x02, 0x01]) }))).toBe('malformedRequest');
    expect(await status(await fetch(ocsp.url, { method: 'POST', headers: OCSP_TYPE, body: Buffer.alloc(0) }))).toBe('malformedRequest');
    expect(await status(await fetch(`${ocsp.url}/not*base64`))).toBe('malformedRequest');
    expect(await status(await fetch(`${ocsp.url}/AAAA`))).toBe('malformedRequest');

    expect((await fetch(ocsp.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status).toBe(415);
    expect((await fetch(ocsp.url, { method: 'POST', body: 'x' })).status).toBe(415);
    expect((await fetch(ocsp.url, { method: 'POST', headers: OCSP_TYPE, body: Buffer.alloc(64 * 1024, 0x30) })).status).toBe(413);
    const longGet = await fetch(`${ocsp.url}/${'A'.repeat(24 * 1024)}`);
    expect(longGet.status).toBeGreaterThanOrEqual(400);
    expect(longGet.status).toBeLessThan(500);
    expect((await fetch(`${ocsp.url}/`, { method: 'PUT', headers: OCSP_TYPE, body: Buffer.from([1]) })).status).toBe(404);
  });

  it('never fails on fuzzed requests (random bytes and mutated valid requests)', async () => {
    const valid = buildOcspRequest({ certificate: memberCert, issuer: caCert, nonce: true }).der;
    const allowed = new Set(['successful', 'malformedRequest', 'unauthorized']);
    await fc.assert(
      fc.asyncProperty(
        derFuzz(valid, 600),
        fc.boolean(),
        async (body, viaGet) => {
          const response = viaGet
            ? await fetch(`${ocsp.url}/${encodeURIComponent(Buffer.from(body).toString('base64'))}`)
            : await fetch(ocsp.url, { method: 'POST', headers: OCSP_TYPE, body: Buffer.from(body) });
          expect(response.status).toBe(200);
          const parsed = parseOcspResponse(new Uint8Array(await response.arrayBuffer()));
          expect(allowed.has(parsed.responseStatus)).toBe(true);
        },
      ),
      { numRuns: 120 },
    );
    // Still healthy afterwards.
    const after = await opensslOcsp(file(dir.path, 'member.pem'));
    expect(after.stdout).toContain(': revoked');
    expect(await readFile(caPem(), 'utf8')).toContain('BEGIN CERTIFICATE');
  });
});

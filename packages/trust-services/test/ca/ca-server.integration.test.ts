import { readFile, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '@tonle/protocol';
import { createCsr, encodePem, generateKeyPair, parseCertificate } from '@tonle/pki';
import { initTrustState, loadCaConfig, startCertificationAuthority, stateLayout, type RunningService } from '@tonle/trust-services';
import fc from 'fast-check';
import { derFuzz, file, openssl, quietLogger, tempDir } from '../support/openssl.ts';

describe('certification authority over HTTP, checked by openssl', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let ca: RunningService;
  let apiKey: string;
  const admin = (path: string, init: RequestInit = {}, key = apiKey): Promise<Response> =>
    fetch(`${ca.url}${path}`, { ...init, headers: { authorization: `Bearer ${key}`, ...(init.headers as Record<string, string>) } });

  beforeAll(async () => {
    dir = await tempDir('ca');
    const state = await initTrustState({ stateDir: dir.path, instanceIdentifier: 'EE', ocspUrl: 'http://127.0.0.1:9/', clock: systemClock });
    apiKey = (await readFile(state.apiKeyFile, 'utf8')).trim();
    await writeFile(file(dir.path, 'ca.pem'), encodePem('CERTIFICATE', state.caCertificate));
    ca = await startCertificationAuthority({
      config: loadCaConfig({ overrides: { stateDir: dir.path, port: 0, instanceIdentifier: 'EE', ocspUrl: 'http://127.0.0.1:9/' } }),
      log: quietLogger(),
    });
  });
  afterAll(async () => {
    await ca?.close();
    await dir?.[Symbol.asyncDispose]();
  });

  it('issues a member signing certificate from an openssl CSR that openssl verify accepts', async () => {
    const key = file(dir.path, 'member.key');
    const csrPath = file(dir.path, 'member.csr');
    const made = await openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-subj', '/C=EE/O=GOV/CN=70000001', '-out', csrPath]);
    expect(made.code, made.stderr).toBe(0);
    const response = await admin('/api/v1/certificates', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ csr: await readFile(csrPath, 'utf8'), profile: 'sign', memberId: 'EE/GOV/70000001' }),
    });
    expect(response.status).toBe(201);
    const issued = (await response.json()) as { certificate: string; serialNumber: string; owner: string };
    expect(issued.owner).toBe('MEMBER:EE/GOV/70000001');
    expect(issued.serialNumber).toMatch(/^[0-7][0-9a-f]{31}$/);
    await writeFile(file(dir.path, 'member.pem'), issued.certificate);
    const verified = await openssl(['verify', '-CAfile', file(dir.path, 'ca.pem'), file(dir.path, 'member.pem')]);
    expect(verified.stdout + verified.stderr).toContain(': OK');
    expect(verified.code).toBe(0);
    const info = parseCertificate(issued.certificate);
    expect(info.ocspUrls).toEqual(['http://127.0.0.1:9/']);
    expect(info.keyUsage).toContain('nonRepudiation');
    // The record is durable: a second process reading the store finds it.
    const stored = JSON.parse(await readFile(file(stateLayout(dir.path).issuedDir, `${issued.serialNumber}.json`), 'utf8')) as { owner: string };
    expect(stored.owner).toBe('MEMBER:EE/GOV/70000001');
  });

  it('issues a server authentication certificate from a raw DER CSR made by @tonle/pki, and openssl accepts both', async () => {
    const keys = await generateKeyPair('RSA-2048');
    const csr = createCsr({
      privateKey: keys.privateKey,
      subject: [
        { type: 'C', value: 'EE' },
        { type: 'O', value: 'GOV' },
        { type: 'OU', value: '70000001' },
        { type: 'CN', value: 'ss1' },
      ],
    });
    await writeFile(file(dir.path, 'auth.csr'), encodePem('CERTIFICATE REQUEST', csr));
    const reqVerify = await openssl(['req', '-verify', '-noout', '-in', file(dir.path, 'auth.csr')]);
    expect(reqVerify.code, reqVerify.stderr).toBe(0);
    const response = await admin('/api/v1/certificates?profile=auth&serverId=EE/GOV/70000001/ss1', {
      method: 'POST',
      headers: { 'content-type': 'application/pkcs10' },
      body: Buffer.from(csr),
    });
    expect(response.status).toBe(201);
    const issued = (await response.json()) as { certificate: string; serialNumber: string };
    await writeFile(file(dir.path, 'auth.pem'), issued.certificate);
    const verified = await openssl(['verify', '-CAfile', file(dir.path, 'ca.pem'), '-purpose', 'sslclient', file(dir.path, 'auth.pem')]);
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);

    const one = await admin(`/api/v1/certificates/${issued.serialNumber}`);
    expect(((await one.json()) as { status: string }).status).toBe('good');
    const list = (await (await admin('/api/v1/certificates')).json()) as { certificates: { serialNumber: string }[] };
    expect(list.certificates.map((c) => c.serialNumber)).toContain(issued.serialNumber);
  });

  it('refuses CSRs that do not fit the profile, have a bad signature, or are not CSRs', async () => {
    const keys = await generateKeyPair('P-256');
    const wrongSubject = createCsr({ privateKey: keys.privateKey, subject: [{ type: 'C', value: 'EE' }, { type: 'O', value: 'GOV' }, { type: 'CN', value: 'someone-else' }] });
    const post = (body: unknown): Promise<Response> =>
      admin('/api/v1/certificates', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const b64 = Buffer.from(wrongSubject).toString('base64');
    const mismatch = await post({ csr: b64, profile: 'sign', memberId: 'EE/GOV/70000001' });
    expect(mismatch.status).toBe(400);
    expect(((await mismatch.json()) as { code: string }).code).toBe('TONLE_ERR_TRUST_CSR_PROFILE_MISMATCH');

    const otherInstance = await post({ csr: b64, profile: 'sign', memberId: 'FI/GOV/someone-else' });
    expect(((await otherInstance.json()) as { code: string }).code).toBe('TONLE_ERR_TRUST_CSR_PROFILE_MISMATCH');

    const tampered = new Uint8Array(wrongSubject);
    tampered[tampered.length - 5] = (tampered[tampered.length - 5] ?? 0) ^ 0xff;
    const bad = await post({ csr: Buffer.from(tampered).toString('base64'), profile: 'sign', memberId: 'EE/GOV/someone-else' });
    expect(((await bad.json()) as { code: string }).code).toBe('TONLE_ERR_TRUST_CSR_INVALID');

    const garbage = await post({ csr: 'AAAA', profile: 'sign', memberId: 'EE/GOV/x' });
    expect(garbage.status).toBe(400);
    expect(((await garbage.json()) as { code: string }).code).toBe('TONLE_ERR_TRUST_CSR_INVALID');

    for (const body of [
      { csr: b64, profile: 'nope' },
      { csr: b64, profile: 'sign' },
      { csr: b64, profile: 'sign', memberId: 'EE/G\u0000V/1' },
      { csr: b64, profile: 'sign', memberId: 'EE/GOV/1/subsystem' },
      { csr: b64, profile: 'sign', memberId: { instance: 'EE', memberClass: 7, memberCode: '1' } },
      { csr: b64, profile: 'auth', serverId: 'EE/GOV/1' },
      { profile: 'sign' },
      'x',
    ]) {
      const r = await post(body);
      expect(r.status).toBe(400);
      expect(((await r.json()) as { code: string }).code).toMatch(/^TONLE_ERR_TRUST_(BAD_REQUEST|CSR_INVALID)$/);
    }
  });

  it('protects the admin API with the API key (Bearer or X-Road-ApiKey), compared exactly', async () => {
    expect((await admin('/api/v1/certificates', {}, 'wrong')).status).toBe(401);
    expect((await fetch(`${ca.url}/api/v1/certificates`)).status).toBe(401);
    const noKey = await fetch(`${ca.url}/api/v1/certificates/01/revoke`, { method: 'POST' });
    expect(((await noKey.json()) as { code: string }).code).toBe('TONLE_ERR_TRUST_UNAUTHORIZED');
    const xroad = await fetch(`${ca.url}/api/v1/certificates`, { headers: { authorization: `X-Road-ApiKey token=${apiKey}` } });
    expect(xroad.status).toBe(200);
    // Public: the CA certificate.
    const pem = await (await fetch(`${ca.url}/ca.pem`)).text();
    expect(pem).toBe(await readFile(file(dir.path, 'ca.pem'), 'utf8'));
  });

  it('revokes with a reason once; unknown serials are 404', async () => {
    const keys = await generateKeyPair('P-256');
    const csr = createCsr({ privateKey: keys.privateKey, subject: [{ type: 'C', value: 'EE' }, { type: 'O', value: 'COM' }, { type: 'CN', value: 'r1' }] });
    const issued = (await (
      await admin('/api/v1/certificates', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ csr: Buffer.from(csr).toString('base64'), profile: 'sign', memberId: { instance: 'EE', memberClass: 'COM', memberCode: 'r1' } }),
      })
    ).json()) as { serialNumber: string };
    const revoke = (body: unknown, serial = issued.serialNumber): Promise<Response> =>
      admin(`/api/v1/certificates/${serial}/revoke`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await revoke({ reason: 'bogus' })).status).toBe(400);
    const first = await revoke({ reason: 'keyCompromise' });
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ status: 'revoked', revocationReason: 'keyCompromise' });
    expect((await revoke({ reason: 'keyCompromise' })).status).toBe(409);
    expect((await revoke({}, '0badbad0')).status).toBe(404);
    expect((await admin('/api/v1/certificates/zz')).status).toBe(404);
  });

  it('never fails on fuzzed issue requests (mutated CSRs, random JSON)', async () => {
    const keys = await generateKeyPair('P-256');
    const valid = createCsr({ privateKey: keys.privateKey, subject: [{ type: 'C', value: 'EE' }, { type: 'O', value: 'GOV' }, { type: 'CN', value: 'fz' }] });
    const post = (body: string, type = 'application/json'): Promise<Response> =>
      admin('/api/v1/certificates?profile=sign&memberId=EE/GOV/fz', { method: 'POST', headers: { 'content-type': type }, body });
    await fc.assert(
      fc.asyncProperty(derFuzz(valid, 300), fc.boolean(), async (csr, raw) => {
        const response = raw
          ? await admin('/api/v1/certificates?profile=sign&memberId=EE/GOV/fz', { method: 'POST', headers: { 'content-type': 'application/pkcs10' }, body: Buffer.from(csr) })
          : await post(JSON.stringify({ csr: Buffer.from(csr).toString('base64'), profile: 'sign', memberId: 'EE/GOV/fz' }));
        expect([201, 400]).toContain(response.status);
        if (response.status === 400) expect(((await response.json()) as { code: string }).code).toMatch(/^(TONLE_ERR_TRUST_|FST_ERR_)/);
      }),
      { numRuns: 60 },
    );
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), async (value) => {
        const response = await post(JSON.stringify(value));
        expect(response.status).toBe(400);
      }),
      { numRuns: 60 },
    );
  });
});

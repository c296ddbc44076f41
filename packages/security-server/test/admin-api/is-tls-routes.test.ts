import { createHash } from 'node:crypto';
import { encodePem, generateKeyPair, issueCertificate } from '@tonle/pki';
import { memberId, subsystemId } from '@tonle/protocol';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdminApp } from '../../src/admin-api/index.ts';
import { auth, createAdminFixture, type AdminFixture } from './fixture.ts';

let fx: AdminFixture;
let der: Uint8Array;
let hash: string;
const CLIENT = 'EE:GOV:1234:app';

beforeAll(async () => {
  fx = await createAdminFixture();
  await fx.services.serverConf.initialize({ owner: memberId('EE', 'GOV', '1234'), serverCode: 'ss1' });
  await fx.services.serverConf.addClient({ id: subsystemId('EE', 'GOV', '1234', 'app'), isAuthentication: 'NOSSL' });
  const pair = await generateKeyPair('P-256');
  der = await issueCertificate({
    publicKey: pair.publicKey, signingKey: pair.privateKey, subject: [{ type: 'CN', value: 'app-is' }],
    notBefore: fx.clock.now() - 86_400_000, notAfter: fx.clock.now() + 86_400_000,
  });
  hash = createHash('sha256').update(der).digest('hex');
});
afterAll(async () => {
  await fx.close();
});

const as = (role: 'XROAD_SERVICE_ADMINISTRATOR' | 'XROAD_SECURITYSERVER_OBSERVER' = 'XROAD_SERVICE_ADMINISTRATOR') => auth(fx.keysByRole[role]);

describe('admin API: information-system connection type and TLS certificates', () => {
  it('sets the connection type, and refuses a value that is not one of the three', async () => {
    const res = await fx.app.inject({ method: 'PATCH', url: `/api/v1/clients/${CLIENT}`, headers: as(), payload: { isAuthentication: 'SSLAUTH' } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id: CLIENT, isAuthentication: 'SSLAUTH' });
    expect(fx.services.serverConf.current().client(subsystemId('EE', 'GOV', '1234', 'app'))?.isAuthentication).toBe('SSLAUTH');
    const bad = await fx.app.inject({ method: 'PATCH', url: `/api/v1/clients/${CLIENT}`, headers: as(), payload: { isAuthentication: 'HTTPS' } });
    expect(bad.statusCode).toBe(400);
    const unknown = await fx.app.inject({ method: 'PATCH', url: '/api/v1/clients/EE:GOV:1234:nope', headers: as(), payload: { isAuthentication: 'NOSSL' } });
    expect(unknown.statusCode).toBe(404);
  });

  it('registers a PEM upload by its SHA-256, lists it, refuses it twice, and removes it', async () => {
    const add = await fx.app.inject({
      method: 'POST', url: `/api/v1/clients/${CLIENT}/tls-certificates`, headers: { ...as(), 'content-type': 'application/x-pem-file' },
      payload: encodePem('CERTIFICATE', der),
    });
    expect(add.statusCode).toBe(201);
    expect(add.json()).toMatchObject({ hash, subject: 'CN=app-is' });
    const list = await fx.app.inject({ method: 'GET', url: `/api/v1/clients/${CLIENT}/tls-certificates`, headers: as('XROAD_SECURITYSERVER_OBSERVER') });
    expect(list.json()).toEqual([{ hash }]);
    const again = await fx.app.inject({
      method: 'POST', url: `/api/v1/clients/${CLIENT}/tls-certificates`, headers: { ...as(), 'content-type': 'application/octet-stream' }, payload: Buffer.from(der),
    });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ code: 'TONLE_ERR_ADMIN_CONFLICT' });
    const del = await fx.app.inject({ method: 'DELETE', url: `/api/v1/clients/${CLIENT}/tls-certificates/${hash}`, headers: as() });
    expect(del.statusCode).toBe(204);
    expect(fx.services.serverConf.current().client(subsystemId('EE', 'GOV', '1234', 'app'))?.isCertHashes).toEqual([]);
    const gone = await fx.app.inject({ method: 'DELETE', url: `/api/v1/clients/${CLIENT}/tls-certificates/${hash}`, headers: as() });
    expect(gone.statusCode).toBe(404);
  });

  it('accepts a DER upload; concurrent uploads of different certificates all land', async () => {
    const more = await Promise.all(
      ['a', 'b', 'c', 'd'].map(async (cn) => {
        const p = await generateKeyPair('P-256');
        return issueCertificate({ publicKey: p.publicKey, signingKey: p.privateKey, subject: [{ type: 'CN', value: cn }], notBefore: fx.clock.now(), notAfter: fx.clock.now() + 86_400_000 });
      }),
    );
    const results = await Promise.all(
      more.map((d) => fx.app.inject({ method: 'POST', url: `/api/v1/clients/${CLIENT}/tls-certificates`, headers: { ...as(), 'content-type': 'application/octet-stream' }, payload: Buffer.from(d) })),
    );
    expect(results.map((r) => r.statusCode)).toEqual([201, 201, 201, 201]);
    const hashes = fx.services.serverConf.current().client(subsystemId('EE', 'GOV', '1234', 'app'))?.isCertHashes ?? [];
    expect([...hashes].sort()).toEqual(more.map((d) => createHash('sha256').update(d).digest('hex')).sort());
  });

  it('refuses a body that is not a certificate, and an unknown client, with codes', async () => {
    const junk = await fx.app.inject({
      method: 'POST', url: `/api/v1/clients/${CLIENT}/tls-certificates`, headers: { ...as(), 'content-type': 'application/octet-stream' }, payload: Buffer.from('not a certificate'),
    });
    expect(junk.statusCode).toBe(400);
    expect(junk.json()).toMatchObject({ code: 'TONLE_ERR_ADMIN_VALIDATION' });
    const key = await fx.app.inject({
      method: 'POST', url: `/api/v1/clients/${CLIENT}/tls-certificates`, headers: { ...as(), 'content-type': 'application/json' },
      payload: { certificate: '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n' },
    });
    expect(key.statusCode).toBe(400);
    const nobody = await fx.app.inject({
      method: 'POST', url: '/api/v1/clients/EE:GOV:1234:nope/tls-certificates', headers: { ...as(), 'content-type': 'application/octet-stream' }, payload: Buffer.from(der),
    });
    expect(nobody.statusCode).toBe(404);
  });

  it('fuzz: any uploaded bytes or text that is not a certificate is a 400 with a code, never a 500', async () => {
    const der0 = Buffer.from(der);
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ maxLength: 600 }).map((b) => ({ raw: Buffer.from(b) })),
          // Truncated or bit-flipped real certificates, the inputs most likely to confuse a DER parser.
          fc.nat({ max: der0.length - 1 }).map((n) => ({ raw: der0.subarray(0, n) })),
          fc.string({ maxLength: 300 }).map((t) => ({ text: `-----BEGIN CERTIFICATE-----\n${t}\n-----END CERTIFICATE-----\n` })),
        ),
        async (input) => {
          const res =
            'raw' in input
              ? await fx.app.inject({ method: 'POST', url: `/api/v1/clients/${CLIENT}/tls-certificates`, headers: { ...as(), 'content-type': 'application/octet-stream' }, payload: input.raw })
              : await fx.app.inject({ method: 'POST', url: `/api/v1/clients/${CLIENT}/tls-certificates`, headers: { ...as(), 'content-type': 'application/json' }, payload: { certificate: input.text } });
          expect(res.statusCode).toBe(400);
          expect(res.json()).toMatchObject({ code: 'TONLE_ERR_ADMIN_VALIDATION' });
        },
      ),
      { numRuns: 150 },
    );
  }, 60_000);

  it('the internal TLS certificate: 404 with a hint when the HTTPS port is not configured; otherwise info and a PEM download', async () => {
    const none = await fx.app.inject({ method: 'GET', url: '/api/v1/system/certificate', headers: as('XROAD_SECURITYSERVER_OBSERVER') });
    expect(none.statusCode).toBe(404);
    expect(none.json()).toMatchObject({ code: 'TONLE_ERR_ADMIN_NOT_FOUND' });
    const app = createAdminApp({ services: { ...fx.services, clientProxyTlsCertificate: () => der }, rateLimit: { perSecond: 1000, perMinute: 100_000 } });
    try {
      const info = await app.inject({ method: 'GET', url: '/api/v1/system/certificate', headers: as('XROAD_SECURITYSERVER_OBSERVER') });
      expect(info.statusCode).toBe(200);
      expect(info.json()).toMatchObject({ hash, subject: 'CN=app-is', pem: encodePem('CERTIFICATE', der) });
      const file = await app.inject({ method: 'GET', url: '/api/v1/system/certificate/export', headers: as('XROAD_SECURITYSERVER_OBSERVER') });
      expect(file.statusCode).toBe(200);
      expect(file.headers['content-type']).toContain('application/x-pem-file');
      expect(file.body).toBe(encodePem('CERTIFICATE', der));
    } finally {
      await app.close();
    }
  });
});

// Registration against a real central registry (@tonle/central-registry on a real socket) with test-kit's
// real CA and OCSP responder: the registry verifies our signed requests, an operator approves them, the
// registry publishes a signed configuration, and the states follow it.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import {
  createAdminApi,
  createFileAuditLog,
  createFileStore,
  createPublicApi,
  createRegistry,
  initializeRegistry,
  MANAGEMENT_PATH,
  GLOBAL_CONF_PATH,
  type Registry,
  type RegistryStore,
} from '@tonle/central-registry';
import { verifyGlobalConfiguration, type ConfigurationAnchor } from '@tonle/protocol';
import { createTestPki, type TestPki } from '@tonle/test-kit';
import { encodePem, PkiError, verifyOcspResponse } from '@tonle/pki';
import { auth, createAdminFixture, type AdminFixture } from '../admin-api/fixture.ts';

const clock = { now: () => Date.now() };
let dir: string;
let pki: TestPki;
let store: RegistryStore;
let registry: Registry;
let regAdmin: FastifyInstance;
let regPublic: FastifyInstance;
let regAudit: Awaited<ReturnType<typeof createFileAuditLog>>;
let regKey: string;
let anchor: ConfigurationAnchor;
let fx: AdminFixture;

const reg = (method: 'GET' | 'POST', url: string, payload?: unknown) =>
  regAdmin.inject({ method, url, headers: { authorization: `X-Road-ApiKey token=${regKey}` }, ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }) });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tonle-reg-e2e-'));
  pki = await createTestPki({ instance: 'EE' });
  store = await createFileStore({ dir: join(dir, 'registry') });
  regAudit = await createFileAuditLog({ path: join(dir, 'registry-audit.jsonl') });
  ({ apiKey: regKey } = await initializeRegistry({ store, clock, instanceIdentifier: 'EE', configurationUrls: ['http://127.0.0.1:1/globalconf'] }));
  registry = createRegistry({ store, clock, audit: regAudit });
  regAdmin = createAdminApi({ registry });
  regPublic = createPublicApi({ registry });
  const publicAddress = await regPublic.listen({ port: 0, host: '127.0.0.1' });

  expect((await reg('POST', '/api/v1/members', { memberClass: 'GOV', memberCode: '1234', name: 'Ministry' })).statusCode).toBe(201);
  const ca = await reg('POST', '/api/v1/certification-services', {
    name: 'test-ca',
    certificateProfile: 'ejbca',
    topCertificate: pki.caCertificatePem,
    ocspResponders: [{ url: pki.ocspUrl, certificate: encodePem('CERTIFICATE', pki.ocspResponderCertificate) }],
  });
  expect(ca.statusCode).toBe(201);
  anchor = (await reg('GET', '/api/v1/configuration-anchor')).json() as ConfigurationAnchor;

  fx = await createAdminFixture({
    startAt: Date.now(),
    instance: 'EE',
    managementUrl: `${publicAddress}${MANAGEMENT_PATH}`,
    ocspResponse: (der) => pki.fetchOcspResponse(der),
    ocsp: {
      async check(der) {
        const response = await pki.fetchOcspResponse(der);
        try {
          return { status: verifyOcspResponse({ response, certificate: der, issuer: pki.caCertificate, at: Date.now(), maxAgeMs: 3_600_000 }).status };
        } catch (e) {
          if (e instanceof PkiError && e.code === 'TONLE_ERR_PKI_REVOKED') return { status: 'revoked' as const };
          throw e;
        }
      },
    },
  });
}, 60_000);

afterAll(async () => {
  await fx?.close();
  await regAdmin?.close();
  await regPublic?.close();
  await registry?.stop();
  await regAudit?.close();
  await store?.close();
  await pki?.close();
  await rm(dir, { recursive: true, force: true });
});

async function issue(pem: string, profile: 'sign' | 'auth', owner: string): Promise<string> {
  const res = await fetch(`${pki.caUrl}/api/v1/certificates`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `X-Road-ApiKey token=${pki.apiKey}` },
    body: JSON.stringify({ csr: pem, profile, ...(profile === 'sign' ? { memberId: owner } : { serverId: owner }) }),
  });
  return ((await res.json()) as { certificate: string }).certificate;
}

describe('registration approved in a real central registry', () => {
  it('goes from the registry anchor to a registered auth certificate and client', async () => {
    const h = auth(fx.keysByRole.ALL);
    const api = (method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown) =>
      fx.app.inject({ method, url: `/api/v1${url}`, headers: h, ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }) });

    expect((await api('POST', '/initialization', { anchor: JSON.stringify(anchor), ownerMemberClass: 'GOV', ownerMemberCode: '1234', serverCode: 'ss1', pin: 'e2e-token-pin' })).statusCode).toBe(201);
    expect((await api('PUT', '/tokens/0/login', { pin: 'e2e-token-pin' })).statusCode).toBe(204);
    const sign = (await api('POST', '/keys', { usage: 'SIGN', spec: 'P-256', memberId: 'EE:GOV:1234' })).json() as { id: string };
    const authKey = (await api('POST', '/keys', { usage: 'AUTH', spec: 'Ed25519' })).json() as { id: string };
    const signPem = await issue(((await api('POST', `/keys/${sign.id}/csrs`, {})).json() as { pem: string }).pem, 'sign', 'EE/GOV/1234');
    const authPem = await issue(((await api('POST', `/keys/${authKey.id}/csrs`, {})).json() as { pem: string }).pem, 'auth', 'EE/GOV/1234/ss1');
    const signHash = ((await api('POST', '/certificates', { certificate: signPem })).json() as { hash: string }).hash;
    const authHash = ((await api('POST', '/certificates', { certificate: authPem })).json() as { hash: string }).hash;
    expect((await api('PUT', `/certificates/${signHash}/activate`)).statusCode).toBe(200);
    expect((await api('PUT', `/certificates/${authHash}/activate`)).statusCode).toBe(200);

    // authCertReg: the registry verifies both signatures, the chain to the approved CA and the OCSP response.
    const sent = await api('PUT', `/certificates/${authHash}/register`, { address: 'ss1.example.org' });
    expect(sent.statusCode).toBe(202);
    expect(sent.json()).toMatchObject({ type: 'authCertReg', status: 'pending' });
    // A replay of the same request (same certificate) is refused locally: it is no longer SAVED.
    expect((await api('PUT', `/certificates/${authHash}/register`, { address: 'ss1.example.org' })).statusCode).toBe(400);
    const authReq = (sent.json() as { id: string }).id;
    expect((await reg('POST', `/api/v1/management-requests/${authReq}/approval`)).statusCode).toBe(200);

    expect((await api('POST', '/clients', { id: 'EE:GOV:1234:app' })).statusCode).toBe(201);
    const clientReg = await api('PUT', '/clients/EE:GOV:1234:app/register');
    expect(clientReg.statusCode).toBe(202);
    expect((await reg('POST', `/api/v1/management-requests/${(clientReg.json() as { id: string }).id}/approval`)).statusCode).toBe(200);

    // Not registered until the configuration says so.
    expect(fx.services.keys.getCertificate(authHash)?.status).toBe('REGISTRATION_IN_PROGRESS');
    const published = await regPublic.inject({ method: 'GET', url: GLOBAL_CONF_PATH });
    expect(published.statusCode).toBe(200);
    const verified = await verifyGlobalConfiguration(published.body, anchor, { clock });
    await fx.services.registration.syncFromGlobalConf(verified.document);
    expect(fx.services.keys.getCertificate(authHash)?.status).toBe('REGISTERED');
    expect(fx.services.serverConf.current().client({ type: 'SUBSYSTEM', instance: 'EE', memberClass: 'GOV', memberCode: '1234', subsystemCode: 'app' })?.status).toBe('REGISTERED');
    expect(verified.document.securityServers[0]).toMatchObject({ serverCode: 'ss1', address: 'ss1.example.org', authCertHashes: [authHash] });

    // The registered subsystem offers a service and grants access to a consumer.
    expect((await api('POST', '/services', { id: 'EE:GOV:1234:app:getPerson', url: 'http://127.0.0.1:8080/people' })).statusCode).toBe(201);
    expect((await api('POST', '/services/EE:GOV:1234:app:getPerson/access-rights', { subject: 'EE:GOV:1234:app' })).statusCode).toBe(201);
    expect(fx.services.serverConf.current().accessRights({ type: 'SERVICE', instance: 'EE', memberClass: 'GOV', memberCode: '1234', subsystemCode: 'app', serviceCode: 'getPerson' })).toHaveLength(1);
    // The exchange can now sign as the owner and authenticate as the server.
    expect(fx.services.keys.signerFor({ type: 'MEMBER', instance: 'EE', memberClass: 'GOV', memberCode: '1234' }).algorithm).toBe('ES256');
    expect(fx.services.keys.authCredentials().privateKey.asymmetricKeyType).toBe('ed25519');
  });

  it('refuses locally a client whose member has no signing key here; sends maintenance mode signed by the owner', async () => {
    // clientReg for a member whose sign key this server does not hold: refused locally before sending.
    const h = auth(fx.keysByRole.ALL);
    expect((await fx.app.inject({ method: 'POST', url: '/api/v1/clients', headers: h, payload: { id: 'EE:COM:777:x' } })).statusCode).toBe(201);
    const res = await fx.app.inject({ method: 'PUT', url: '/api/v1/clients/EE:COM:777:x/register', headers: h });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ code: 'TONLE_ERR_REGISTRATION_NO_SIGNING_CERTIFICATE' });
    const maint = await fx.app.inject({ method: 'PUT', url: '/api/v1/system/maintenance-mode', headers: h, payload: { enabled: true, message: 'upgrade' } });
    expect(maint.statusCode).toBe(202);
    expect(maint.json()).toMatchObject({ type: 'maintenanceModeEnable' });
    const requests = (await reg('GET', '/api/v1/management-requests')).json() as { type: string; message?: string }[];
    expect(requests.find((r) => r.type === 'maintenanceModeEnable')).toMatchObject({ message: 'upgrade' });
  });

  it('the registry refuses a request whose signing certificate the CA revoked, and the code reaches the caller', async () => {
    const h = auth(fx.keysByRole.ALL);
    const signCert = fx.services.keys.listCertificates().find((c) => c.usage === 'SIGN')!;
    const { parseCertificate } = await import('@tonle/pki');
    await pki.revoke(parseCertificate(Buffer.from(signCert.der, 'base64')).serialNumber, 'keyCompromise');
    const res = await fx.app.inject({ method: 'PUT', url: '/api/v1/system/maintenance-mode', headers: h, payload: { enabled: false } });
    expect(res.statusCode).toBe(502);
    expect(res.json()).toMatchObject({ code: 'TONLE_ERR_REGISTRATION_REFUSED', registryCode: 'TONLE_ERR_REGISTRY_CERT_REVOKED' });
  });
});

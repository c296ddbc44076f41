// The acceptance path of the issue, through the admin API only: a new security server goes from an anchor
// to registered keys, client, service and access right, with certificates from test-kit's real CA and
// activation checked against its real OCSP responder (all on 127.0.0.1 sockets).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compactVerify, decodeProtectedHeader } from 'jose';
import { createTestPki, type TestPki } from '@tonle/test-kit';
import { parseCertificate, verifyOcspResponse, PkiError } from '@tonle/pki';
import { anchorText, auth, createAdminFixture, type AdminFixture } from './fixture.ts';

const PIN = 'flow-token-pin';
let pki: TestPki;
let fx: AdminFixture;
let admin: Record<string, string>;

async function ocspStatus(der: Uint8Array) {
  const response = await pki.fetchOcspResponse(der);
  try {
    const v = verifyOcspResponse({ response, certificate: der, issuer: pki.caCertificate, at: Date.now(), maxAgeMs: 3_600_000, trustedResponders: [pki.ocspResponderCertificate] });
    return { status: v.status, thisUpdate: v.thisUpdate, ...(v.nextUpdate === undefined ? {} : { nextUpdate: v.nextUpdate }) };
  } catch (e) {
    if (e instanceof PkiError && e.code === 'TONLE_ERR_PKI_REVOKED') return { status: 'revoked' as const };
    throw e;
  }
}

async function issueAtCa(pem: string, profile: 'sign' | 'auth', owner: string): Promise<string> {
  const res = await fetch(`${pki.caUrl}/api/v1/certificates`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `X-Road-ApiKey token=${pki.apiKey}` },
    body: JSON.stringify({ csr: pem, profile, ...(profile === 'sign' ? { memberId: owner } : { serverId: owner }) }),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { certificate: string }).certificate;
}

beforeAll(async () => {
  pki = await createTestPki();
  fx = await createAdminFixture({
    startAt: Date.now(),
    ocsp: { check: (der) => ocspStatus(der) },
    ocspResponse: (der) => pki.fetchOcspResponse(der),
  });
  admin = auth(fx.keysByRole.ALL);
}, 60_000);
afterAll(async () => {
  await fx?.close();
  await pki?.close();
});

const api = (method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: unknown, headers = admin) =>
  fx.app.inject({ method, url: `/api/v1${url}`, headers, ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }) });

describe('admin API: from an anchor to a registered, serving security server', () => {
  let signHash = '';
  let authHash = '';

  it('initialises from an anchor, then logs the token in', async () => {
    expect((await api('GET', '/initialization/status')).json()).toMatchObject({ anchorImported: false, serverConfInitialized: false, tokenInitialized: false });
    expect((await api('POST', '/initialization', { anchor: '{"format":"x"}', ownerMemberClass: 'GOV', ownerMemberCode: '1234', serverCode: 'ss1', pin: PIN })).json()).toMatchObject({ code: 'TONLE_ERR_ADMIN_INVALID_ANCHOR' });
    const init = await api('POST', '/initialization', { anchor: anchorText('EE'), ownerMemberClass: 'GOV', ownerMemberCode: '1234', serverCode: 'ss1', pin: PIN });
    expect(init.statusCode).toBe(201);
    expect(init.json()).toMatchObject({ serverId: 'EE:GOV:1234:ss1', instance: 'EE' });
    expect((await api('POST', '/initialization', { anchor: anchorText('EE'), ownerMemberClass: 'GOV', ownerMemberCode: '1234', serverCode: 'ss1', pin: PIN })).statusCode).toBe(409);
    expect((await api('POST', '/keys', { usage: 'AUTH', spec: 'P-256' })).json()).toMatchObject({ code: 'TONLE_ERR_TOKEN_LOGGED_OUT' });
    const wrong = await api('PUT', '/tokens/0/login', { pin: 'not-the-pin' });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json()).toMatchObject({ code: 'TONLE_ERR_TOKEN_WRONG_PIN' });
    expect((await api('PUT', '/tokens/0/login', { pin: PIN })).statusCode).toBe(204);
    expect((await api('GET', '/tokens/0')).json()).toMatchObject({ initialized: true, loggedIn: true });
  });

  it('generates keys, makes CSRs, imports certificates from the real CA and activates them with real OCSP', async () => {
    const sign = (await api('POST', '/keys', { usage: 'SIGN', spec: 'P-256', memberId: 'EE:GOV:1234', label: 'owner sign' })).json() as { id: string };
    const authKey = (await api('POST', '/keys', { usage: 'AUTH', spec: 'RSA-2048' })).json() as { id: string };
    const signCsr = await api('POST', `/keys/${sign.id}/csrs`, {});
    expect(signCsr.statusCode).toBe(201);
    const authCsr = (await api('POST', `/keys/${authKey.id}/csrs`, {})).json() as { pem: string };
    const signPem = await issueAtCa((signCsr.json() as { pem: string }).pem, 'sign', 'EE/GOV/1234');
    const authPem = await issueAtCa(authCsr.pem, 'auth', 'EE/GOV/1234/ss1');

    const imported = await api('POST', '/certificates', { certificate: signPem });
    expect(imported.statusCode).toBe(201);
    signHash = (imported.json() as { hash: string }).hash;
    // The same certificate as a raw PEM upload is a duplicate.
    const dup = await fx.app.inject({ method: 'POST', url: '/api/v1/certificates', headers: { ...admin, 'content-type': 'application/x-pem-file' }, payload: authPem });
    expect(dup.statusCode).toBe(201);
    authHash = (dup.json() as { hash: string }).hash;
    expect((await api('POST', '/certificates', { certificate: signPem })).json()).toMatchObject({ code: 'TONLE_ERR_KEYS_DUPLICATE' });

    const activated = await api('PUT', `/certificates/${signHash}/activate`);
    expect(activated.json()).toMatchObject({ active: true, ocsp: { status: 'good' } });
    expect((await api('PUT', `/certificates/${authHash}/activate`)).statusCode).toBe(200);
    const ocspDiag = (await api('GET', '/diagnostics/ocsp-responders')).json() as { ocsp: string }[];
    expect(ocspDiag.map((d) => d.ocsp)).toEqual(['good', 'good']);
  });

  it('registers the auth certificate and a client with requests the registry can verify, and states follow global conf', async () => {
    const reg = await api('PUT', `/certificates/${authHash}/register`, { address: 'ss1.example.org' });
    expect(reg.statusCode).toBe(202);
    const envelope = fx.received[0]!;
    const x5c = decodeProtectedHeader(envelope.request).x5c as string[];
    const signCert = parseCertificate(Buffer.from(x5c[0]!, 'base64'));
    const { payload } = await compactVerify(envelope.request, signCert.publicKey);
    const authCert = parseCertificate(Buffer.from((JSON.parse(Buffer.from(payload).toString()) as { authCertificate: string }).authCertificate, 'base64'));
    expect(authCert.sha256).toBe(authHash);
    expect(Buffer.from((await compactVerify(envelope.authSignature!, authCert.publicKey)).payload).equals(Buffer.from(payload))).toBe(true);
    // The stapled OCSP response is the CA responder's, and verifies for the signing certificate.
    expect(verifyOcspResponse({ response: Buffer.from(envelope.ocspResponse, 'base64'), certificate: signCert.der, issuer: pki.caCertificate, at: Date.now(), maxAgeMs: 3_600_000 }).status).toBe('good');

    expect((await api('POST', '/clients', { id: 'EE:GOV:1234:app' })).statusCode).toBe(201);
    expect((await api('PUT', '/clients/EE:GOV:1234:app/register')).statusCode).toBe(202);
    expect(fx.received).toHaveLength(2);
    await fx.services.registration.syncFromGlobalConf({
      instanceIdentifier: 'EE',
      securityServers: [{ owner: { memberClass: 'GOV', memberCode: '1234' }, serverCode: 'ss1', authCertHashes: [authHash], clients: [{ memberClass: 'GOV', memberCode: '1234', subsystemCode: 'app' }] }],
    });
    expect((await api('GET', '/clients')).json()).toEqual([{ id: 'EE:GOV:1234:app', status: 'REGISTERED', isAuthentication: 'SSLAUTH', isCertHashes: [] }]);
    expect(((await api('GET', '/certificates')).json() as { hash: string; status: string }[]).find((c) => c.hash === authHash)?.status).toBe('REGISTERED');
    expect(fx.services.keys.authCredentials().certificate).toBeInstanceOf(Uint8Array);
  });

  it('adds a service and grants access', async () => {
    const svc = await api('POST', '/services', { id: 'EE:GOV:1234:app:getPerson', url: 'http://127.0.0.1:8080/people', timeoutSeconds: 30 });
    expect(svc.statusCode).toBe(201);
    expect((await api('POST', '/services/EE:GOV:1234:app:getPerson/endpoints', { method: 'GET', path: '/people/*' })).statusCode).toBe(201);
    const grant = await api('POST', '/services/EE:GOV:1234:app:getPerson/access-rights', { subject: 'EE:COM:5678:consumer', endpoint: { method: 'GET', path: '/people/*' } });
    expect(grant.statusCode).toBe(201);
    expect(grant.json()).toEqual([{ service: 'EE:GOV:1234:app:getPerson', subject: 'EE:COM:5678:consumer', endpoint: { method: 'GET', path: '/people/*' } }]);
    expect((await api('GET', '/clients/EE:GOV:1234:app/services')).json()).toMatchObject([{ id: 'EE:GOV:1234:app:getPerson', url: 'http://127.0.0.1:8080/people' }]);
    const snapshot = fx.services.serverConf.current();
    expect(snapshot.state.accessRights).toHaveLength(1);
    // The provider's pinned TLS certificates (hex, any case in; lower case stored), and refusals of bad ones.
    const pin = 'AB'.repeat(32);
    const pinned = await api('PATCH', '/services/EE:GOV:1234:app:getPerson', { pinnedCertHashes: [pin] });
    expect(pinned.statusCode).toBe(200);
    expect(pinned.json()).toMatchObject({ pinnedCertHashes: ['ab'.repeat(32)] });
    expect(fx.services.serverConf.current().service(fx.services.serverConf.current().state.services[0]!.id)?.pinnedCertHashes).toEqual(['ab'.repeat(32)]);
    expect((await api('PATCH', '/services/EE:GOV:1234:app:getPerson', { pinnedCertHashes: ['not-a-hash'] })).statusCode).toBe(400);
    // The same certificate twice is a duplicate, as everywhere in this API.
    expect((await api('PATCH', '/services/EE:GOV:1234:app:getPerson', { pinnedCertHashes: [pin, pin.toLowerCase()] })).statusCode).toBe(409);
    expect((await api('PATCH', '/services/EE:GOV:1234:app:getPerson', { pinnedCertHashes: [] })).json()).toMatchObject({ pinnedCertHashes: [] });
  });

  it('refuses to activate a certificate the CA revoked', async () => {
    const serial = parseCertificate(Buffer.from(fx.services.keys.getCertificate(signHash)!.der, 'base64')).serialNumber;
    await pki.revoke(serial, 'keyCompromise');
    expect((await api('PUT', `/certificates/${signHash}/disable`)).json()).toMatchObject({ status: 'DISABLED', active: false });
    const again = await api('PUT', `/certificates/${signHash}/activate`);
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ code: 'TONLE_ERR_KEYS_OCSP_NOT_GOOD' });
    expect(((await api('GET', '/diagnostics/ocsp-responders')).json() as { hash: string; ocsp: string }[]).find((d) => d.hash === signHash)?.ocsp).toBe('revoked');
  });

  it('backs up and restores the local configuration, refusing corrupt and foreign backups', async () => {
    const created = await api('POST', '/backups');
    expect(created.statusCode).toBe(201);
    const name = (created.json() as { name: string }).name;
    expect((await api('DELETE', '/services/EE:GOV:1234:app:getPerson')).statusCode).toBe(204);
    expect(fx.services.serverConf.current().state.services).toHaveLength(0);
    expect((await api('PUT', `/backups/${name}/restore`)).statusCode).toBe(200);
    expect(fx.services.serverConf.current().state.services).toHaveLength(1);

    const bytes = (await api('GET', `/backups/${name}`)).rawPayload;
    const corrupt = Buffer.from(bytes);
    corrupt[corrupt.length - 12]! ^= 0xff;
    const up = await fx.app.inject({ method: 'POST', url: '/api/v1/backups/upload', headers: { ...admin, 'content-type': 'application/octet-stream' }, payload: corrupt });
    expect(up.statusCode).toBe(400);
    expect(up.json()).toMatchObject({ code: 'TONLE_ERR_ADMIN_BACKUP_CORRUPT' });
    const garbage = await fx.app.inject({ method: 'POST', url: '/api/v1/backups/upload', headers: { ...admin, 'content-type': 'application/octet-stream' }, payload: Buffer.from('not a backup') });
    expect(garbage.json()).toMatchObject({ code: 'TONLE_ERR_ADMIN_BACKUP_CORRUPT' });

    const other = await createAdminFixture();
    try {
      await other.services.serverConf.initialize({ owner: { type: 'MEMBER', instance: 'EE', memberClass: 'GOV', memberCode: '9999' }, serverCode: 'other' });
      const foreign = await other.services.backups.create();
      const foreignBytes = await other.services.backups.read(foreign.name);
      const res = await fx.app.inject({ method: 'POST', url: '/api/v1/backups/upload', headers: { ...admin, 'content-type': 'application/octet-stream' }, payload: Buffer.from(foreignBytes) });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ code: 'TONLE_ERR_ADMIN_BACKUP_FOREIGN' });
    } finally {
      await other.close();
    }
    const good = await fx.app.inject({ method: 'POST', url: '/api/v1/backups/upload', headers: { ...admin, 'content-type': 'application/octet-stream' }, payload: Buffer.from(bytes) });
    expect(good.statusCode).toBe(201);
  });

  it('serves operational monitoring records by time range with paging', async () => {
    const t = Math.floor(fx.clock.now() / 1000);
    for (let i = 0; i < 5; i++) fx.services.opMonitoring!.store({ securityServerType: 'Producer', succeeded: true, serviceCode: 'getPerson', messageId: `m${i}`, clientXRoadInstance: 'EE', clientMemberClass: 'COM', clientMemberCode: '5678', clientSubsystemCode: 'consumer' });
    await fx.services.opMonitoring!.flush();
    const first = await api('GET', `/diagnostics/operational-monitoring?recordsFrom=${t - 10}&recordsTo=${t + 10}&limit=3&client=EE:COM:5678:consumer`);
    expect(first.statusCode).toBe(200);
    const page = first.json() as { records: { messageId: string }[]; nextCursor: string };
    expect(page.records.map((r) => r.messageId)).toEqual(['m0', 'm1', 'm2']);
    const second = (await api('GET', `/diagnostics/operational-monitoring?recordsFrom=${t - 10}&recordsTo=${t + 10}&limit=3&cursor=${page.nextCursor}`)).json() as { records: { messageId: string }[]; nextCursor?: string };
    expect(second.records.map((r) => r.messageId)).toEqual(['m3', 'm4']);
    expect(second.nextCursor).toBeUndefined();
    const bad = await api('GET', `/diagnostics/operational-monitoring?recordsFrom=10&recordsTo=5`);
    expect(bad.json()).toMatchObject({ code: 'TONLE_ERR_OPMON_INVALID_QUERY' });
    expect((await api('GET', '/diagnostics/operational-monitoring?recordsFrom=abc&recordsTo=5')).json()).toMatchObject({ code: 'TONLE_ERR_ADMIN_VALIDATION' });
  });

  it('keeps an audit record of every change and never a PIN or an API key', async () => {
    const records = await fx.services.audit.read();
    const actions = records.map((r) => r.action);
    for (const a of ['initialization.initialize', 'tokens.login', 'keys.generate', 'csrs.create', 'certificates.import', 'certificates.activate', 'certificates.register', 'clients.add', 'clients.register', 'services.add', 'access-rights.grant', 'backups.restore']) {
      expect(actions).toContain(a);
    }
    expect(records.find((r) => r.action === 'tokens.login' && r.outcome === 'failure')).toMatchObject({ status: 400, code: 'TONLE_ERR_TOKEN_WRONG_PIN' });
    // Every applied change has its attempt recorded before it.
    const firstGenerate = records.findIndex((r) => r.action === 'keys.generate');
    expect(records[firstGenerate]).toMatchObject({ outcome: 'attempt' });
    expect(records.slice(firstGenerate).find((r) => r.action === 'keys.generate' && r.outcome === 'success')).toBeDefined();
    expect(records.every((r) => r.actor.startsWith('api-key:'))).toBe(true);
    const text = JSON.stringify(records);
    expect(text).not.toContain(PIN);
    expect(text).not.toContain('not-the-pin');
    for (const key of Object.values(fx.keysByRole)) expect(text).not.toContain(key);
    expect(records.some((r) => r.action.endsWith('.list'))).toBe(false);
  });
});

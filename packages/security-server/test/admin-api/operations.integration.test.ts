// createOperations wired the way the security server process wires it: a real central registry, test-kit's
// real CA/OCSP responder, the real global-conf holder and OCSP service of this package; everything driven
// through the admin API over HTTP, readiness and metrics through the monitoring listener.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdminApi, createFileAuditLog, createFileStore, createPublicApi, createRegistry, initializeRegistry, GLOBAL_CONF_PATH, MANAGEMENT_PATH, type Registry, type RegistryStore } from '@tonle/central-registry';
import type { ConfigurationAnchor } from '@tonle/protocol';
import { encodePem } from '@tonle/pki';
import { createTestPki, type TestPki } from '@tonle/test-kit';
import { createOperations, ROLES, type Operations } from '../../src/admin-api/index.ts';
import { createGlobalConfHolder, type GlobalConfHolder } from '../../src/global-conf/index.ts';
import { createMemoryOcspCache, createOcspService, type OcspService } from '../../src/ocsp/index.ts';
import { createFileServerConfStore, createServerConf } from '../../src/server-conf/index.ts';

const clock = { now: () => Date.now() };
let dir: string;
let pki: TestPki;
let store: RegistryStore;
let registry: Registry;
let regAdmin: FastifyInstance;
let regPublic: FastifyInstance;
let regAudit: Awaited<ReturnType<typeof createFileAuditLog>>;
let regKey: string;
let publicAddress: string;
let anchor: ConfigurationAnchor;
let ops: Operations;
let holder: GlobalConfHolder | undefined;
let ocsp: OcspService | undefined;
let adminUrl: string;
let monitoringUrl: string;
let key: string;

const reg = (method: 'GET' | 'POST', url: string, payload?: unknown) =>
  regAdmin.inject({ method, url, headers: { authorization: `X-Road-ApiKey token=${regKey}` }, ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }) });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tonle-ops-'));
  pki = await createTestPki({ instance: 'EE' });
  store = await createFileStore({ dir: join(dir, 'registry') });
  regAudit = await createFileAuditLog({ path: join(dir, 'registry-audit.jsonl') });
  ({ apiKey: regKey } = await initializeRegistry({ store, clock, instanceIdentifier: 'EE', configurationUrls: ['http://127.0.0.1:1/globalconf'] }));
  registry = createRegistry({ store, clock, audit: regAudit });
  regAdmin = createAdminApi({ registry });
  regPublic = createPublicApi({ registry });
  publicAddress = await regPublic.listen({ port: 0, host: '127.0.0.1' });
  await reg('POST', '/api/v1/members', { memberClass: 'GOV', memberCode: '1234', name: 'Ministry' });
  await reg('POST', '/api/v1/certification-services', {
    name: 'test-ca',
    certificateProfile: 'ejbca',
    topCertificate: pki.caCertificatePem,
    ocspResponders: [{ url: pki.ocspUrl, certificate: encodePem('CERTIFICATE', pki.ocspResponderCertificate) }],
  });
  anchor = (await reg('GET', '/api/v1/configuration-anchor')).json() as ConfigurationAnchor;

  const serverConfFile = join(dir, 'ss', 'serverconf.json');
  const serverConf = createServerConf({ store: createFileServerConfStore({ path: serverConfFile }) });
  await serverConf.reload().catch(() => undefined);
  ops = await createOperations({
    dataDir: join(dir, 'ss'),
    clock,
    serverConf,
    serverConfFile,
    ocsp: () => ocsp,
    globalConf: () => holder,
    logDirectory: join(dir, 'ss'),
    // The anchor names the registry's configured URL; this test's registry listens on a free port.
    managementUrl: () => `${publicAddress}${MANAGEMENT_PATH}`,
    async afterInitialization() {
      holder = createGlobalConfHolder({ anchor: ops.anchor.current()!, clock, fetch: (_url, init) => fetch(`${publicAddress}${GLOBAL_CONF_PATH}`, init) });
      await holder.refreshNow();
      ocsp = createOcspService({ globalConf: holder, clock, cache: createMemoryOcspCache({ clock }) });
    },
  });
  key = (await ops.ensureApiKey({ name: 'bootstrap', roles: [...ROLES] }))!;
  adminUrl = await ops.adminApp.listen({ port: 0, host: '127.0.0.1' });
  monitoringUrl = await ops.monitoringApp.listen({ port: 0, host: '127.0.0.1' });
}, 60_000);

afterAll(async () => {
  holder?.stop();
  ocsp?.stop();
  await ops?.close();
  await regAdmin?.close();
  await regPublic?.close();
  await registry?.stop();
  await regAudit?.close();
  await store?.close();
  await pki?.close();
  await rm(dir, { recursive: true, force: true });
});

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${adminUrl}/api/v1${path}`, {
    method,
    headers: { authorization: `X-Road-ApiKey token=${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, json: text.length > 0 ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

async function issue(pem: string, profile: 'sign' | 'auth', owner: string): Promise<string> {
  const res = await fetch(`${pki.caUrl}/api/v1/certificates`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `X-Road-ApiKey token=${pki.apiKey}` },
    body: JSON.stringify({ csr: pem, profile, ...(profile === 'sign' ? { memberId: owner } : { serverId: owner }) }),
  });
  return ((await res.json()) as { certificate: string }).certificate;
}

describe('createOperations: a new security server from the anchor to ready, over HTTP', () => {
  it('creates the bootstrap API key once', async () => {
    expect(key).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    expect(await ops.ensureApiKey({ name: 'again', roles: ['XROAD_SECURITY_OFFICER'] })).toBeUndefined();
  });

  it('initialises, registers with the real registry, and becomes ready', async () => {
    let ready = await fetch(`${monitoringUrl}/health/ready`);
    expect(ready.status).toBe(503);
    expect((await api('POST', '/initialization', { anchor: JSON.stringify(anchor), ownerMemberClass: 'GOV', ownerMemberCode: '1234', serverCode: 'ss1', pin: 'ops-token-pin' })).status).toBe(201);
    expect(ops.health).toBeDefined();
    expect((await api('PUT', '/tokens/0/login', { pin: 'ops-token-pin' })).status).toBe(204);
    ready = await fetch(`${monitoringUrl}/health/ready`);
    // Configuration valid and token logged in, but no usable signing key or registered auth certificate yet.
    expect(ready.status).toBe(503);
    const checks = ((await ready.json()) as { checks: { name: string; ok: boolean; reason?: string }[] }).checks;
    expect(checks.filter((c) => !c.ok).map((c) => c.reason)).toEqual(['NO_SIGNING_CERTIFICATE', 'NO_AUTH_CERTIFICATE']);

    const sign = (await api('POST', '/keys', { usage: 'SIGN', spec: 'P-256', memberId: 'EE:GOV:1234' })).json;
    const authKey = (await api('POST', '/keys', { usage: 'AUTH', spec: 'P-256' })).json;
    const signPem = await issue((await api('POST', `/keys/${String(sign['id'])}/csrs`, {})).json['pem'] as string, 'sign', 'EE/GOV/1234');
    const authPem = await issue((await api('POST', `/keys/${String(authKey['id'])}/csrs`, {})).json['pem'] as string, 'auth', 'EE/GOV/1234/ss1');
    const signHash = (await api('POST', '/certificates', { certificate: signPem })).json['hash'] as string;
    const authHash = (await api('POST', '/certificates', { certificate: authPem })).json['hash'] as string;
    // Activation goes through this package's OCSP service: global conf's approved CA, its real responder.
    const act = await api('PUT', `/certificates/${signHash}/activate`);
    expect(act.status).toBe(200);
    expect(act.json).toMatchObject({ active: true, ocsp: { status: 'good' } });
    expect((await api('PUT', `/certificates/${authHash}/activate`)).status).toBe(200);

    const authReq = await api('PUT', `/certificates/${authHash}/register`, { address: 'ss1.example.org' });
    expect(authReq.status).toBe(202);
    expect((await reg('POST', `/api/v1/management-requests/${String(authReq.json['id'])}/approval`)).statusCode).toBe(200);
    expect((await api('POST', '/clients', { id: 'EE:GOV:1234:app' })).status).toBe(201);
    const clientReq = await api('PUT', '/clients/EE:GOV:1234:app/register');
    expect(clientReq.status).toBe(202);
    expect((await reg('POST', `/api/v1/management-requests/${String(clientReq.json['id'])}/approval`)).statusCode).toBe(200);

    await holder!.refreshNow();
    await ops.syncNow();
    const certs = (await api('GET', '/certificates')).json as unknown as { hash: string; status: string }[];
    expect(certs.find((c) => c.hash === authHash)?.status).toBe('REGISTERED');
    expect(((await api('GET', '/clients')).json as unknown as { status: string }[])[0]?.status).toBe('REGISTERED');
    expect((await api('POST', '/services', { id: 'EE:GOV:1234:app:getPerson', url: 'http://127.0.0.1:8080/people' })).status).toBe(201);
    expect((await api('POST', '/services/EE:GOV:1234:app:getPerson/access-rights', { subject: 'EE:GOV:1234:app' })).status).toBe(201);

    const diag = (await api('GET', '/diagnostics/globalconf')).json;
    expect(diag).toMatchObject({ state: 'valid' });
    expect(diag['expiresInSeconds']).toBeGreaterThan(0);
    ready = await fetch(`${monitoringUrl}/health/ready`);
    expect(ready.status).toBe(200);
    const families = parsePrometheusTextFormat(await (await fetch(`${monitoringUrl}/metrics`)).text());
    expect(families.find((f) => f.name === 'tonle_globalconf_valid')?.metrics[0]?.value).toBe('1');
    expect(families.find((f) => f.name === 'tonle_token_logged_in')?.metrics[0]?.value).toBe('1');
    expect(families.find((f) => f.name === 'tonle_certificate_ocsp_good')?.metrics.map((m) => m.value)).toEqual(['1', '1']);
    // The signer the exchange takes from the key manager.
    expect(ops.keys.signerFor({ type: 'MEMBER', instance: 'EE', memberClass: 'GOV', memberCode: '1234' }).certificateChain).toHaveLength(1);

    // Logging the token out makes the server not ready.
    expect((await api('PUT', '/tokens/0/logout')).status).toBe(204);
    ready = await fetch(`${monitoringUrl}/health/ready`);
    expect(ready.status).toBe(503);
  });
});

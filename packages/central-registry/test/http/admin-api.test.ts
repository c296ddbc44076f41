import { createPrivateKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodePem, generateKeyPair, issueCertificate } from '@tonle/pki';
import { parseConfigurationAnchor, trustAfter, verifyGlobalConfiguration } from '@tonle/protocol';
import { registryFixture } from '../support/registry-fixture.ts';

let fx: Awaited<ReturnType<typeof registryFixture>>;
beforeEach(async () => {
  fx = await registryFixture();
});
afterEach(async () => {
  await fx.close();
});

async function selfSignedCa(ca: boolean) {
  const keys = await generateKeyPair('P-256');
  const der = await issueCertificate({
    publicKey: keys.publicKey,
    signingKey: keys.privateKey,
    subject: [{ type: 'CN', value: ca ? 'Test CA' : 'Not a CA' }],
    notBefore: Date.parse('2026-01-01T00:00:00Z'),
    notAfter: Date.parse('2027-01-01T00:00:00Z'),
    ...(ca ? { basicConstraints: { ca: true }, keyUsage: ['keyCertSign', 'cRLSign'] as const } : {}),
  });
  return encodePem('CERTIFICATE', der);
}

describe('admin API', () => {
  it('serves its OpenAPI document listing every route', async () => {
    const res = await fx.admin.inject({ method: 'GET', url: '/api/v1/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json() as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toContain('/api/v1/members/{memberClass}/{memberCode}/subsystems');
  });

  it('refuses missing, malformed and unknown API keys with 401 and a wrong role with 403', async () => {
    expect((await fx.admin.inject({ method: 'GET', url: '/api/v1/members' })).json()).toMatchObject({ code: 'TONLE_ERR_REGISTRY_UNAUTHENTICATED' });
    const bad = await fx.admin.inject({ method: 'GET', url: '/api/v1/members', headers: { authorization: 'Bearer x' } });
    expect(bad.statusCode).toBe(401);
    const unknown = await fx.admin.inject({ method: 'GET', url: '/api/v1/members', headers: fx.auth('A'.repeat(43)) });
    expect([unknown.statusCode, unknown.json().code]).toEqual([401, 'TONLE_ERR_REGISTRY_UNAUTHENTICATED']);
    const created = await fx.admin.inject({ method: 'POST', url: '/api/v1/api-keys', headers: fx.auth(), payload: { name: 'watcher', roles: ['observer'] } });
    expect(created.statusCode).toBe(201);
    const observerKey = created.json().key as string;
    expect((await fx.admin.inject({ method: 'GET', url: '/api/v1/members', headers: fx.auth(observerKey) })).statusCode).toBe(200);
    const forbidden = await fx.admin.inject({ method: 'POST', url: '/api/v1/members', headers: fx.auth(observerKey), payload: { memberClass: 'GOV', memberCode: '1', name: 'x' } });
    expect([forbidden.statusCode, forbidden.json().code]).toEqual([403, 'TONLE_ERR_REGISTRY_FORBIDDEN']);
    const list = await fx.admin.inject({ method: 'GET', url: '/api/v1/api-keys', headers: fx.auth() });
    expect(JSON.stringify(list.json())).not.toContain(observerKey);
    expect(JSON.stringify(list.json())).not.toContain('hash');
  });

  it('adds members and refuses duplicates, unknown classes, bad characters, unknown fields and big bodies without writing anything', async () => {
    const add = (payload: unknown) => fx.admin.inject({ method: 'POST', url: '/api/v1/members', headers: fx.auth(), payload: payload as object });
    expect((await add({ memberClass: 'GOV', memberCode: '123', name: 'Ministry' })).statusCode).toBe(201);
    const refusals: [unknown, number, string][] = [
      [{ memberClass: 'GOV', memberCode: '123', name: 'Again' }, 409, 'TONLE_ERR_REGISTRY_DUPLICATE'],
      [{ memberClass: 'XYZ', memberCode: '9', name: 'x' }, 400, 'TONLE_ERR_REGISTRY_UNKNOWN_MEMBER_CLASS'],
      [{ memberClass: 'GOV', memberCode: 'a/b', name: 'x' }, 400, 'TONLE_ERR_REGISTRY_BAD_IDENTIFIER'],
      [{ memberClass: 'GOV', memberCode: 'a b', name: 'x' }, 400, 'TONLE_ERR_REGISTRY_BAD_IDENTIFIER'],
      [{ memberClass: 'GOV', memberCode: '9', name: 'x', admin: true }, 400, 'TONLE_ERR_REGISTRY_VALIDATION'],
      [{ memberClass: 'GOV', memberCode: 9, name: 'x' }, 400, 'TONLE_ERR_REGISTRY_VALIDATION'],
      [{ memberClass: 'GOV', memberCode: '9', name: 'x'.repeat(70_000) }, 413, 'TONLE_ERR_REGISTRY_BODY_TOO_LARGE'],
    ];
    for (const [payload, status, code] of refusals) {
      const res = await add(payload);
      expect([res.statusCode, res.json().code], JSON.stringify(payload).slice(0, 80)).toEqual([status, code]);
    }
    const raw = await fx.admin.inject({ method: 'POST', url: '/api/v1/members', headers: { ...fx.auth(), 'content-type': 'application/json' }, payload: '{"memberClass":' });
    expect([raw.statusCode, raw.json().code]).toEqual([400, 'TONLE_ERR_REGISTRY_VALIDATION']);
    const members = (await fx.admin.inject({ method: 'GET', url: '/api/v1/members', headers: fx.auth() })).json();
    expect(members).toEqual([{ memberClass: 'GOV', memberCode: '123', name: 'Ministry', subsystems: [] }]);
    const audit = await readFile(fx.auditPath, 'utf8');
    const lines = audit.trim().split('\n').map((l) => JSON.parse(l) as { outcome: string; code?: string });
    expect(lines.filter((l) => l.outcome === 'ok')).toHaveLength(1);
    expect(lines.map((l) => l.code)).toContain('TONLE_ERR_REGISTRY_DUPLICATE');
    expect(audit).not.toContain(fx.apiKey);
  });

  it('approves CAs given as PEM and refuses a certificate that is not a CA', async () => {
    const post = (payload: object) => fx.admin.inject({ method: 'POST', url: '/api/v1/certification-services', headers: fx.auth(), payload });
    const ok = await post({ name: 'Test CA', certificateProfile: 'ejbca', topCertificate: await selfSignedCa(true), ocspResponders: [{ url: 'http://127.0.0.1:9/ocsp' }] });
    expect(ok.statusCode).toBe(201);
    const notCa = await post({ name: 'Leaf', certificateProfile: 'ejbca', topCertificate: await selfSignedCa(false) });
    expect([notCa.statusCode, notCa.json().code]).toEqual([400, 'TONLE_ERR_REGISTRY_VALIDATION']);
    const garbage = await post({ name: 'G', certificateProfile: 'ejbca', topCertificate: 'AAAA' });
    expect([garbage.statusCode, garbage.json().code]).toEqual([400, 'TONLE_ERR_REGISTRY_VALIDATION']);
    const profile = await post({ name: 'P', certificateProfile: 'nope', topCertificate: await selfSignedCa(true) });
    expect([profile.statusCode, profile.json().code]).toEqual([400, 'TONLE_ERR_REGISTRY_VALIDATION']);
  });
});

describe('admin API objects', () => {
  it('manages member classes, subsystems, global groups and settings, and they reach the configuration', async () => {
    const req = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object) =>
      fx.admin.inject({ method, url: `/api/v1${url}`, headers: fx.auth(), ...(payload === undefined ? {} : { payload }) });
    expect((await req('POST', '/member-classes', { code: 'EDU', description: 'Education' })).statusCode).toBe(201);
    expect((await req('POST', '/member-classes', { code: 'EDU', description: 'Again' })).json().code).toBe('TONLE_ERR_REGISTRY_DUPLICATE');
    expect((await req('POST', '/member-classes', { code: 'E:U', description: 'x' })).json().code).toBe('TONLE_ERR_REGISTRY_BAD_IDENTIFIER');
    expect((await req('POST', '/members', { memberClass: 'EDU', memberCode: 'uni', name: 'University' })).statusCode).toBe(201);
    expect((await req('POST', '/members/EDU/uni/subsystems', { subsystemCode: 'library' })).statusCode).toBe(201);
    expect((await req('POST', '/members/EDU/uni/subsystems', { subsystemCode: 'library' })).json().code).toBe('TONLE_ERR_REGISTRY_DUPLICATE');
    expect((await req('POST', '/members/EDU/nobody/subsystems', { subsystemCode: 'x' })).json().code).toBe('TONLE_ERR_REGISTRY_NOT_FOUND');
    expect((await req('POST', '/global-groups', { groupCode: 'readers', description: 'Readers' })).statusCode).toBe(201);
    expect((await req('POST', '/global-groups', { groupCode: 'security-server-owners', description: 'x' })).json().code).toBe('TONLE_ERR_REGISTRY_DUPLICATE');
    expect((await req('POST', '/global-groups/readers/members', { memberClass: 'EDU', memberCode: 'uni', subsystemCode: 'library' })).statusCode).toBe(201);
    expect((await req('POST', '/global-groups/readers/members', { memberClass: 'EDU', memberCode: 'uni', subsystemCode: 'nope' })).json().code).toBe('TONLE_ERR_REGISTRY_NOT_FOUND');
    expect((await req('POST', '/global-groups/security-server-owners/members', { memberClass: 'EDU', memberCode: 'uni' })).json().code).toBe('TONLE_ERR_REGISTRY_BAD_STATE');
    const patched = await req('PATCH', '/settings', { ocspFreshnessSeconds: 1200, configurationValiditySeconds: 300, autoApprove: { clientReg: true } });
    expect(patched.json()).toMatchObject({ ocspFreshnessSeconds: 1200, configurationValiditySeconds: 300, autoApprove: { authCertReg: false, clientReg: true } });
    expect((await req('PATCH', '/settings', { configurationValiditySeconds: 5 })).json().code).toBe('TONLE_ERR_REGISTRY_VALIDATION');

    const conf = await verifyGlobalConfiguration((await fx.pub.inject({ method: 'GET', url: '/globalconf' })).body, parseConfigurationAnchor((await req('GET', '/configuration-anchor')).body), { clock: fx.clock });
    expect(conf.document.settings.memberClasses.map((c) => c.code)).toContain('EDU');
    expect(conf.document.settings.ocspFreshnessSeconds).toBe(1200);
    expect(conf.expiresAtMs - conf.generatedAtMs).toBe(300_000);
    expect(conf.document.globalGroups.find((g) => g.groupCode === 'readers')?.members).toEqual([{ memberClass: 'EDU', memberCode: 'uni', subsystemCode: 'library' }]);

    expect((await req('DELETE', '/members/EDU/uni')).statusCode).toBe(204);
    expect((await req('DELETE', '/members/EDU/uni')).json().code).toBe('TONLE_ERR_REGISTRY_NOT_FOUND');
    expect((await req('GET', '/global-groups')).json()[0].members).toEqual([]);
  });
});

describe('public configuration endpoint', () => {
  it('serves a configuration the anchor verifies, with ETag / 304, and a new one after each change', async () => {
    const anchorRes = await fx.admin.inject({ method: 'GET', url: '/api/v1/configuration-anchor', headers: fx.auth() });
    const anchor = parseConfigurationAnchor(anchorRes.body);
    const first = await fx.pub.inject({ method: 'GET', url: '/globalconf' });
    expect(first.statusCode).toBe(200);
    expect(first.headers['content-type']).toContain('application/jose');
    const etag = first.headers.etag as string;
    const conf1 = await verifyGlobalConfiguration(first.body, anchor, { clock: fx.clock });
    expect(conf1.document.globalGroups.map((g) => g.groupCode)).toContain('security-server-owners');
    expect((await fx.pub.inject({ method: 'GET', url: '/globalconf', headers: { 'if-none-match': etag } })).statusCode).toBe(304);

    await fx.admin.inject({ method: 'POST', url: '/api/v1/members', headers: fx.auth(), payload: { memberClass: 'GOV', memberCode: '123', name: 'Ministry' } });
    const second = await fx.pub.inject({ method: 'GET', url: '/globalconf', headers: { 'if-none-match': etag } });
    expect(second.statusCode).toBe(200);
    const conf2 = await verifyGlobalConfiguration(second.body, trustAfter(conf1), { clock: fx.clock });
    expect(conf2.document.version).toBeGreaterThan(conf1.document.version);
    expect(conf2.document.members.map((m) => m.memberCode)).toEqual(['123']);
  });

  it('re-signs a configuration before serving one that expired', async () => {
    const first = await fx.pub.inject({ method: 'GET', url: '/globalconf' });
    fx.advance(11 * 60_000);
    const later = await fx.pub.inject({ method: 'GET', url: '/globalconf' });
    expect(later.headers.etag).not.toBe(first.headers.etag);
    const anchor = parseConfigurationAnchor((await fx.admin.inject({ method: 'GET', url: '/api/v1/configuration-anchor', headers: fx.auth() })).body);
    await expect(verifyGlobalConfiguration(first.body, anchor, { clock: fx.clock })).rejects.toMatchObject({ code: 'TONLE_ERR_GCONF_EXPIRED' });
    await expect(verifyGlobalConfiguration(later.body, anchor, { clock: fx.clock })).resolves.toBeDefined();
  });

  it('rotates the signing key: announced next key accepted without a new anchor, retired key refused', async () => {
    const anchor = parseConfigurationAnchor((await fx.admin.inject({ method: 'GET', url: '/api/v1/configuration-anchor', headers: fx.auth() })).body);
    const before = await verifyGlobalConfiguration((await fx.pub.inject({ method: 'GET', url: '/globalconf' })).body, anchor, { clock: fx.clock });
    const announced = await fx.admin.inject({ method: 'POST', url: '/api/v1/signing-keys', headers: fx.auth(), payload: { alg: 'EdDSA' } });
    expect(announced.statusCode).toBe(201);
    expect(JSON.stringify(announced.json())).not.toContain('"d"');
    const withNext = await verifyGlobalConfiguration((await fx.pub.inject({ method: 'GET', url: '/globalconf' })).body, trustAfter(before), { clock: fx.clock });
    expect(withNext.document.sources[0]!.verificationKeys.map((k) => k.status)).toEqual(['current', 'next']);
    // Keep the old key's private half to play an attacker who holds it after retirement.
    const oldKey = (await fx.registry.state()).signingKeys.find((k) => k.status === 'current')!;
    expect((await fx.admin.inject({ method: 'POST', url: '/api/v1/signing-keys/activate-next', headers: fx.auth() })).statusCode).toBe(200);
    const switched = await verifyGlobalConfiguration((await fx.pub.inject({ method: 'GET', url: '/globalconf' })).body, trustAfter(withNext), { clock: fx.clock });
    expect(switched.signedBy).not.toBe(oldKey.kid);
    const { signGlobalConfiguration } = await import('@tonle/protocol');
    const forged = await signGlobalConfiguration(
      { ...switched.document, version: switched.document.version + 1, sources: [{ address: 'http://127.0.0.1:1/globalconf', verificationKeys: [{ kid: oldKey.kid, alg: oldKey.alg, publicKey: oldKey.publicKey, status: 'current' }] }] },
      { kid: oldKey.kid, alg: oldKey.alg, privateKey: createPrivateKey(oldKey.privateKeyPem) },
    );
    await expect(verifyGlobalConfiguration(forged, trustAfter(switched), { clock: fx.clock })).rejects.toMatchObject({ code: 'TONLE_ERR_GCONF_UNTRUSTED_KEY' });
    const retired = (await fx.registry.state()).signingKeys.find((k) => k.kid === oldKey.kid)!;
    expect([retired.status, retired.privateKeyPem]).toEqual(['retired', '']);
  });
});

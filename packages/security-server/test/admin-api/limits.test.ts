import { afterEach, describe, expect, it } from 'vitest';
import { ROUTES } from '../../src/admin-api/index.ts';
import { auth, createAdminFixture, type AdminFixture } from './fixture.ts';

let fx: AdminFixture | undefined;
afterEach(async () => {
  await fx?.close();
  fx = undefined;
});

describe('admin API limits and contract', () => {
  it('refuses unknown fields, wrong types and wrong content types (no coercion, nothing silently dropped)', async () => {
    fx = await createAdminFixture();
    const h = auth(fx.keysByRole.ALL);
    const unknown = await fx.app.inject({ method: 'POST', url: '/api/v1/keys', headers: h, payload: { usage: 'SIGN', spec: 'P-256', extra: 1 } });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json()).toMatchObject({ code: 'TONLE_ERR_ADMIN_VALIDATION' });
    const wrongType = await fx.app.inject({ method: 'POST', url: '/api/v1/services', headers: h, payload: { id: 'EE:GOV:1:a:b', url: 'http://x', timeoutSeconds: '30' } });
    expect(wrongType.statusCode).toBe(400);
    const text = await fx.app.inject({ method: 'POST', url: '/api/v1/keys', headers: { ...h, 'content-type': 'text/plain' }, payload: 'usage=SIGN' });
    expect(text.statusCode).toBe(400);
    expect(text.json()).toMatchObject({ code: 'TONLE_ERR_ADMIN_VALIDATION' });
    const xml = await fx.app.inject({ method: 'POST', url: '/api/v1/keys', headers: { ...h, 'content-type': 'application/xml' }, payload: '<x/>' });
    expect(xml.statusCode).toBe(415);
    for (const code of ['listMethods', 'allowedMethods', 'getOpenAPI']) {
      const reserved = await fx.app.inject({ method: 'POST', url: '/api/v1/services', headers: h, payload: { id: `EE:GOV:1:a:${code}`, url: 'http://x' } });
      expect({ status: reserved.statusCode, code: reserved.json().code }).toEqual({ status: 400, code: 'TONLE_ERR_SERVERCONF_RESERVED_SERVICE_CODE' });
    }
    const allowed = await fx.app.inject({ method: 'POST', url: '/api/v1/services', headers: h, payload: { id: 'EE:GOV:1:a:listmethods', url: 'http://x' } });
    expect(allowed.json().code).not.toBe('TONLE_ERR_SERVERCONF_RESERVED_SERVICE_CODE');
    const badId = await fx.app.inject({ method: 'PUT', url: '/api/v1/clients/EE:GOV/register', headers: h });
    expect(badId.statusCode).toBe(400);
    expect(badId.json()).toMatchObject({ code: 'TONLE_ERR_ID_WRONG_PART_COUNT' });
    const notFound = await fx.app.inject({ method: 'GET', url: '/api/v1/nothing', headers: h });
    expect(notFound.json()).toMatchObject({ code: 'TONLE_ERR_ADMIN_NOT_FOUND' });
  });

  it('limits body size (413) and request rate per address (429)', async () => {
    fx = await createAdminFixture({ rateLimit: { perSecond: 3, perMinute: 1000 }, bodyLimit: 1024 });
    const h = auth(fx.keysByRole.ALL);
    const big = await fx.app.inject({ method: 'POST', url: '/api/v1/api-keys', headers: h, payload: { name: 'x'.repeat(2000), roles: ['XROAD_SECURITY_OFFICER'] } });
    expect(big.statusCode).toBe(413);
    expect(big.json()).toMatchObject({ code: 'TONLE_ERR_ADMIN_BODY_TOO_LARGE' });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await fx.app.inject({ method: 'GET', url: '/api/v1/keys', headers: h })).statusCode);
    // The clock is injected and does not move: the window is the same second for every request.
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(3);
    const limited = await fx.app.inject({ method: 'GET', url: '/api/v1/keys', headers: h });
    expect(limited.json()).toMatchObject({ code: 'TONLE_ERR_ADMIN_RATE_LIMITED' });
    fx.clock.advance(1000);
    expect((await fx.app.inject({ method: 'GET', url: '/api/v1/keys', headers: h })).statusCode).toBe(200);
  });

  it('serves the OpenAPI document (no key needed) with every route and its roles', async () => {
    fx = await createAdminFixture();
    const res = await fx.app.inject({ method: 'GET', url: '/api/v1/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json() as { openapi: string; paths: Record<string, Record<string, { operationId: string; 'x-roles': string[] }>> };
    expect(doc.openapi).toBe('3.1.0');
    for (const r of ROUTES) {
      const op = doc.paths[`/api/v1${r.url.replace(/:([A-Za-z]+)/g, '{$1}')}`]?.[r.method.toLowerCase()];
      expect(op?.operationId).toBe(r.id);
      expect(op?.['x-roles']).toEqual(r.roles);
    }
  });

  it('API keys: created with roles, shown once, revocable; a revoked key is refused', async () => {
    fx = await createAdminFixture();
    const h = auth(fx.keysByRole.XROAD_SYSTEM_ADMINISTRATOR);
    const created = await fx.app.inject({ method: 'POST', url: '/api/v1/api-keys', headers: h, payload: { name: 'observer', roles: ['XROAD_SECURITYSERVER_OBSERVER'] } });
    expect(created.statusCode).toBe(201);
    const { id, key } = created.json() as { id: string; key: string };
    expect((await fx.app.inject({ method: 'GET', url: '/api/v1/keys', headers: auth(key) })).statusCode).toBe(200);
    const listed = await fx.app.inject({ method: 'GET', url: '/api/v1/api-keys', headers: h });
    expect(JSON.stringify(listed.json())).not.toContain(key);
    expect((await fx.app.inject({ method: 'POST', url: '/api/v1/api-keys', headers: h, payload: { name: 'x', roles: ['ADMIN'] } })).statusCode).toBe(400);
    expect((await fx.app.inject({ method: 'DELETE', url: `/api/v1/api-keys/${id}`, headers: h })).statusCode).toBe(204);
    expect((await fx.app.inject({ method: 'GET', url: '/api/v1/keys', headers: auth(key) })).statusCode).toBe(401);
  });

  it('initialisation over an existing token checks its PIN instead of re-keying it', async () => {
    fx = await createAdminFixture();
    const h = auth(fx.keysByRole.XROAD_SYSTEM_ADMINISTRATOR);
    await fx.services.token.initialize('kept-token-pin');
    const { anchorText } = await import('./fixture.ts');
    const body = { anchor: anchorText('EE'), ownerMemberClass: 'GOV', ownerMemberCode: '1234', serverCode: 'ss1' };
    const wrong = await fx.app.inject({ method: 'POST', url: '/api/v1/initialization', headers: h, payload: { ...body, pin: 'another-pin' } });
    expect(wrong.json()).toMatchObject({ code: 'TONLE_ERR_TOKEN_WRONG_PIN' });
    const ok = await fx.app.inject({ method: 'POST', url: '/api/v1/initialization', headers: h, payload: { ...body, pin: 'kept-token-pin' } });
    expect(ok.statusCode).toBe(201);
    expect(fx.services.token.status().loggedIn).toBe(true);
  });

  it('answers 500 when the audit record of a change cannot be written (fail closed)', async () => {
    fx = await createAdminFixture();
    const h = auth(fx.keysByRole.ALL);
    await fx.services.audit.close();
    const res = await fx.app.inject({ method: 'POST', url: '/api/v1/timestamping-services', headers: h, payload: { name: 'tsa', url: 'http://127.0.0.1:1/tsa' } });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toMatchObject({ code: 'TONLE_ERR_ADMIN_AUDIT_FAILED' });
    // The change was not applied: its attempt could not be recorded first.
    expect(fx.services.settings.timestampingServices()).toEqual([]);
    // Reads need no audit record.
    expect((await fx.app.inject({ method: 'GET', url: '/api/v1/timestamping-services', headers: h })).statusCode).toBe(200);
  });

  it('answers a locked token with 423 and Retry-After', async () => {
    fx = await createAdminFixture();
    const h = auth(fx.keysByRole.ALL);
    await fx.services.token.initialize('right-pin-1');
    let last;
    for (let i = 0; i < 5; i++) last = await fx.app.inject({ method: 'PUT', url: '/api/v1/tokens/0/login', headers: h, payload: { pin: `wrong-${i}` } });
    expect(last!.statusCode).toBe(423);
    expect(last!.json()).toMatchObject({ code: 'TONLE_ERR_TOKEN_LOCKED' });
    expect(Number(last!.headers['retry-after'])).toBe(60);
  });
});

// Publishing services from OpenAPI descriptions through the admin API, over a real socket, with the
// descriptions served by a local HTTP server (port 0) that the security server fetches.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { memberId, subsystemId } from '@tonle/protocol';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auth, createAdminFixture, type AdminFixture } from './fixture.ts';

const fixture = (name: string): string => readFileSync(new URL(`../openapi/fixtures/${name}`, import.meta.url), 'utf8');

let fx: AdminFixture;
let base: string;
let docs: Server;
let docsBase: string;
/** What the description server answers, by path: body and status (and an optional delay). */
const served = new Map<string, { status?: number; body: string | Buffer; delayMs?: number }>();

beforeAll(async () => {
  fx = await createAdminFixture({ rateLimit: { perSecond: 1000, perMinute: 60_000 } });
  await fx.services.serverConf.initialize({ owner: memberId('EE', 'GOV', '1234'), serverCode: 'ss1' });
  await fx.services.serverConf.addClient({ id: subsystemId('EE', 'GOV', '1234', 'pets') });
  base = await fx.app.listen({ host: '127.0.0.1', port: 0 });
  docs = createServer((req, res) => {
    const answer = served.get(req.url ?? '');
    if (answer === undefined) {
      res.writeHead(404).end('no such document');
      return;
    }
    setTimeout(() => res.writeHead(answer.status ?? 200, { 'content-type': 'application/yaml' }).end(answer.body), answer.delayMs ?? 0);
  });
  await new Promise<void>((resolve) => docs.listen(0, '127.0.0.1', resolve));
  docsBase = `http://127.0.0.1:${(docs.address() as AddressInfo).port}`;
}, 120_000);

afterAll(async () => {
  docs.closeAllConnections();
  await new Promise((resolve) => docs.close(resolve));
  await fx.close();
});

async function api(method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown, key = fx.keysByRole.ALL): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await request(`${base}/api/v1${path}`, {
    method,
    headers: { ...auth(key), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.body.text();
  return { status: res.statusCode, json: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

describe('admin API: services from OpenAPI descriptions (real sockets)', () => {
  it('publishes a service from the description text: endpoints generated, service URL from servers[0], stored verbatim', async () => {
    const res = await api('POST', '/services', { id: 'EE:GOV:1234:pets:petstore', type: 'OPENAPI3', openapi: fixture('petstore.json') });
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({
      type: 'OPENAPI3',
      url: 'https://pets.example.org/api/v1',
      openapi: { format: 'json', source: 'upload' },
      endpoints: [
        { method: 'GET', path: '/pets' },
        { method: 'POST', path: '/pets' },
        { method: 'GET', path: '/pets/*' },
        { method: 'DELETE', path: '/pets/*' },
        { method: 'GET', path: '/pets/*/photos/*.jpg' },
      ],
    });
    const stored = fx.services.serverConf.current().state.services.find((s) => s.id.serviceCode === 'petstore');
    expect(stored?.openapi).toMatchObject({ format: 'json', source: 'upload', document: fixture('petstore.json') });
  });

  it('fetches a description from a URL, refreshes it after it changes, and keeps only the rights whose endpoint survives', async () => {
    served.set('/v1/openapi.yaml', { body: fixture('petstore.yaml') });
    const url = `${docsBase}/v1/openapi.yaml`;
    const added = await api('POST', '/services', { id: 'EE:GOV:1234:pets:zoo', type: 'OPENAPI3', openapiUrl: url, url: 'http://127.0.0.1:9/zoo' });
    expect(added.status).toBe(201);
    expect(added.json).toMatchObject({ url: 'http://127.0.0.1:9/zoo', openapi: { format: 'yaml', source: url } });
    expect(added.json['endpoints']).toHaveLength(4);

    const svc = 'EE:GOV:1234:pets:zoo';
    expect((await api('POST', `/services/${svc}/endpoints`, { method: 'GET', path: '/health' })).status).toBe(201);
    for (const endpoint of [undefined, { method: 'GET', path: '/pets/*' }, { method: 'DELETE', path: '/pets/*' }, { method: 'GET', path: '/health' }]) {
      const granted = await api('POST', `/services/${svc}/access-rights`, { subject: 'EE:COM:777:cons', ...(endpoint === undefined ? {} : { endpoint }) });
      expect(granted.status).toBe(201);
    }

    // The provider changes its API: DELETE /pets/{petId} is gone, PUT is new.
    served.set('/v1/openapi.yaml', { body: fixture('petstore.yaml').replace('      delete:\n        operationId: deletePet\n', '      put:\n        operationId: replacePet\n') });
    const refreshed = await api('PUT', `/services/${svc}/openapi/refresh`); // no body at all: re-fetch
    expect(refreshed.status).toBe(200);
    expect(refreshed.json).toMatchObject({
      added: [{ method: 'PUT', path: '/pets/*' }],
      removed: [{ method: 'DELETE', path: '/pets/*' }],
      removedAccessRights: [{ subject: 'EE:COM:777:cons', endpoint: { method: 'DELETE', path: '/pets/*' } }],
      service: { url: 'http://127.0.0.1:9/zoo', openapi: { source: url } },
    });
    const endpoints = (refreshed.json['service'] as { endpoints: unknown[] }).endpoints;
    expect(endpoints).toContainEqual({ method: 'GET', path: '/health' }); // added by hand: kept
    expect(endpoints).toContainEqual({ method: 'PUT', path: '/pets/*' });
    expect(endpoints).not.toContainEqual({ method: 'DELETE', path: '/pets/*' });
    const rights = (await api('GET', `/services/${svc}/access-rights`)).json as unknown as { endpoint?: unknown }[];
    expect(rights.map((r) => r.endpoint ?? null)).toEqual([null, { method: 'GET', path: '/pets/*' }, { method: 'GET', path: '/health' }]);
    expect(fx.services.serverConf.current().state.services.find((s) => s.id.serviceCode === 'zoo')?.openapi?.document).toContain('replacePet');

    // A failed refresh changes nothing.
    served.set('/v1/openapi.yaml', { body: 'swagger: "2.0"\n' });
    const refused = await api('PUT', `/services/${svc}/openapi/refresh`, {});
    expect([refused.status, refused.json['code'], refused.json['pointer']]).toEqual([400, 'TONLE_ERR_OPENAPI_UNSUPPORTED_VERSION', '/swagger']);
    expect(fx.services.serverConf.current().state.services.find((s) => s.id.serviceCode === 'zoo')?.openapi?.document).toContain('replacePet');

    // Refreshing from new text turns the source into an upload, which cannot be re-fetched.
    const fromText = await api('PUT', `/services/${svc}/openapi/refresh`, { openapi: fixture('petstore.json') });
    expect(fromText.status).toBe(200);
    expect(fromText.json).toMatchObject({ service: { openapi: { format: 'json', source: 'upload' } } });
    expect((await api('PUT', `/services/${svc}/openapi/refresh`, {})).json['code']).toBe('TONLE_ERR_ADMIN_VALIDATION');
  });

  it('refuses invalid, huge and Swagger 2.0 descriptions with the code and where', async () => {
    const add = (extra: Record<string, unknown>) => api('POST', '/services', { id: 'EE:GOV:1234:pets:bad', type: 'OPENAPI3', ...extra });
    const bad = fixture('petstore.json').replace('"in": "path", "required": true, "schema": { "type": "string" } }],\n      "get"', '"in": "path", "schema": { "type": "string" } }],\n      "get"');
    const invalid = await add({ openapi: bad });
    expect([invalid.status, invalid.json['code'], invalid.json['pointer']]).toEqual([400, 'TONLE_ERR_OPENAPI_INVALID', '/paths/~1pets~1{petId}/parameters/0/required']);
    const syntax = await add({ openapi: 'openapi: 3.0.3\ninfo: [\n' });
    expect([syntax.status, syntax.json['code']]).toEqual([400, 'TONLE_ERR_OPENAPI_SYNTAX']);
    expect(syntax.json['line']).toBeGreaterThan(1);
    const swagger = await add({ openapi: JSON.stringify({ swagger: '2.0', info: { title: 't', version: '1' }, paths: {} }) });
    expect([swagger.status, swagger.json['code'], swagger.json['pointer']]).toEqual([400, 'TONLE_ERR_OPENAPI_UNSUPPORTED_VERSION', '/swagger']);
    served.set('/huge.json', { body: Buffer.alloc(4 * 1024 * 1024 + 1, 0x20) });
    expect((await add({ openapiUrl: `${docsBase}/huge.json` })).json['code']).toBe('TONLE_ERR_OPENAPI_TOO_LARGE');
    const hugeText = await add({ openapi: `${fixture('petstore.json')}${' '.repeat(4 * 1024 * 1024)}` });
    expect(hugeText.status).toBe(400); // over the schema's 4 MiB (characters) as well
    expect((await add({ openapiUrl: `${docsBase}/missing.yaml` })).json).toMatchObject({ code: 'TONLE_ERR_OPENAPI_FETCH_FAILED' });
    expect((await add({ openapiUrl: `${docsBase}/missing.yaml` })).status).toBe(502);
    expect((await add({ openapiUrl: 'file:///etc/passwd' })).json['code']).toBe('TONLE_ERR_OPENAPI_INVALID_URL');
    expect((await add({ openapi: fixture('petstore.json'), openapiUrl: `${docsBase}/v1/openapi.yaml` })).json['code']).toBe('TONLE_ERR_ADMIN_VALIDATION');
    expect((await add({ openapi: fixture('petstore.json'), endpoints: [{ method: 'GET', path: '/x' }] })).json['code']).toBe('TONLE_ERR_ADMIN_VALIDATION');
    expect((await api('POST', '/services', { id: 'EE:GOV:1234:pets:bad', openapi: fixture('petstore.json') })).json['code']).toBe('TONLE_ERR_ADMIN_VALIDATION');
    // An uploaded description with a relative server cannot name the service URL: give url.
    const relative = JSON.stringify({ openapi: '3.1.0', info: { title: 't', version: '1' }, servers: [{ url: '/api' }], paths: { '/a': { get: {} } } });
    expect((await add({ openapi: relative })).json).toMatchObject({ code: 'TONLE_ERR_OPENAPI_NO_SERVER_URL', pointer: '/servers/0/url' });
    expect((await add({ openapi: relative, url: 'http://127.0.0.1:9/api' })).status).toBe(201);
    expect(fx.services.serverConf.current().state.services.filter((s) => s.id.serviceCode === 'bad')).toHaveLength(1);
  }, 120_000);

  it('refuses metaservice names as service codes, and refresh of unknown or REST services', async () => {
    for (const code of ['listClients', 'listMethods', 'allowedMethods', 'getOpenAPI', 'getWsdl']) {
      const res = await api('POST', '/services', { id: `EE:GOV:1234:pets:${code}`, url: 'http://127.0.0.1:9/x' });
      expect([res.status, res.json['code']]).toEqual([400, 'TONLE_ERR_SERVERCONF_RESERVED_SERVICE_CODE']);
    }
    expect((await api('POST', '/services', { id: 'EE:GOV:1234:pets:plain', url: 'http://127.0.0.1:9/x' })).status).toBe(201);
    expect((await api('PUT', '/services/EE:GOV:1234:pets:plain/openapi/refresh', {})).status).toBe(409);
    expect((await api('PUT', '/services/EE:GOV:1234:pets:nothing/openapi/refresh', {})).status).toBe(404);
  });

  it('needs a service administrator role for both routes', async () => {
    const observer = fx.keysByRole.XROAD_SECURITYSERVER_OBSERVER;
    expect((await api('POST', '/services', { id: 'EE:GOV:1234:pets:x', type: 'OPENAPI3', openapi: fixture('petstore.json') }, observer)).status).toBe(403);
    expect((await api('PUT', '/services/EE:GOV:1234:pets:zoo/openapi/refresh', {}, observer)).status).toBe(403);
    expect((await api('PUT', '/services/EE:GOV:1234:pets:zoo/openapi/refresh', {}, fx.keysByRole.XROAD_SERVICE_ADMINISTRATOR)).status).toBe(400);
  });
});

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSecurityServerAdmin } from '../../src/commands/security-server-admin.ts';

let server: FastifyInstance;
let url: string;
let dir: string;
const seen: { method: string; url: string; auth?: string; type?: string; body: unknown }[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tonle-cli-admin-'));
  server = Fastify();
  server.addContentTypeParser(['application/x-pem-file', 'application/pkix-cert'], { parseAs: 'buffer' }, (_r, b, done) => done(null, b));
  server.all('/*', async (request, reply) => {
    seen.push({
      method: request.method,
      url: request.url,
      ...(request.headers.authorization === undefined ? {} : { auth: request.headers.authorization }),
      ...(request.headers['content-type'] === undefined ? {} : { type: request.headers['content-type'] }),
      body: Buffer.isBuffer(request.body) ? request.body.toString('latin1') : request.body,
    });
    if (request.url.includes('refuse-openapi')) return reply.status(400).send({ code: 'TONLE_ERR_OPENAPI_INVALID', message: 'bad path', pointer: '/paths/~1pets~1{id}' });
    if (request.url.includes('/refuse')) return reply.status(409).send({ code: 'TONLE_ERR_KEYS_LAST_ACTIVE_KEY', message: 'activate another one first' });
    if (request.url.endsWith('/csrs')) return reply.status(201).send({ id: 'c1', pem: '-----BEGIN CERTIFICATE REQUEST-----\nAA==\n-----END CERTIFICATE REQUEST-----\n' });
    return reply.send({ ok: true });
  });
  url = await server.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

function io(env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  return { out: (t: string) => out.push(t), err: (t: string) => err.push(t), env: { TONLE_ADMIN_URL: url, TONLE_ADMIN_API_KEY: 'k3y', ...env }, cwd: dir, stdout: out, stderr: err };
}

describe('tonle security-server (admin API client)', () => {
  it('maps subcommands to admin API calls with the API key header', async () => {
    const cases: [string[], string, string, unknown?][] = [
      [['status'], 'GET', '/api/v1/initialization/status'],
      [['keys', 'generate', '--usage', 'SIGN', '--spec', 'P-256', '--member', 'EE:GOV:1234'], 'POST', '/api/v1/keys', { usage: 'SIGN', spec: 'P-256', memberId: 'EE:GOV:1234' }],
      [['certs', 'activate', 'ab12'], 'PUT', '/api/v1/certificates/ab12/activate'],
      [['certs', 'register', 'ab12', '--address', 'ss1.example.org'], 'PUT', '/api/v1/certificates/ab12/register', { address: 'ss1.example.org' }],
      [['clients', 'add', 'EE:GOV:1234:app'], 'POST', '/api/v1/clients', { id: 'EE:GOV:1234:app' }],
      [['clients', 'register', 'EE:GOV:1234:app'], 'PUT', '/api/v1/clients/EE:GOV:1234:app/register'],
      [['services', 'add', 'EE:GOV:1234:app:get', '--url', 'http://10.0.0.1/x', '--timeout', '30'], 'POST', '/api/v1/services', { id: 'EE:GOV:1234:app:get', url: 'http://10.0.0.1/x', timeoutSeconds: 30 }],
      [['access', 'grant', 'EE:GOV:1234:app:get', 'EE:COM:5:c'], 'POST', '/api/v1/services/EE:GOV:1234:app:get/access-rights', { subject: 'EE:COM:5:c' }],
      [['maintenance', 'on', '--message', 'upgrade'], 'PUT', '/api/v1/system/maintenance-mode', { enabled: true, message: 'upgrade' }],
      [['opmon', '100', '200', '--limit', '10'], 'GET', '/api/v1/diagnostics/operational-monitoring?recordsFrom=100&recordsTo=200&limit=10'],
    ];
    for (const [args, method, path, body] of cases) {
      seen.length = 0;
      const cli = io();
      const code = await runSecurityServerAdmin(args, cli);
      expect(`${args.join(' ')} -> ${code} ${cli.stderr.join('')}`).toBe(`${args.join(' ')} -> 0 `);
      expect(seen[0]).toMatchObject({ method, url: path, auth: 'X-Road-ApiKey token=k3y' });
      if (body !== undefined) expect(seen[0]!.body).toEqual(body);
    }
  });

  it('reads the PIN from a file or the environment, never from argv', async () => {
    seen.length = 0;
    await writeFile(join(dir, 'pin'), 'file-pin\n');
    expect(await runSecurityServerAdmin(['token', 'login', '--pin-file', 'pin'], io())).toBe(0);
    expect(seen[0]).toMatchObject({ method: 'PUT', url: '/api/v1/tokens/0/login', body: { pin: 'file-pin' } });
    expect(await runSecurityServerAdmin(['token', 'login'], io({ TONLE_TOKEN_PIN: 'env-pin' }))).toBe(0);
    expect(seen[1]!.body).toEqual({ pin: 'env-pin' });
    const noPin = io();
    expect(await runSecurityServerAdmin(['token', 'login'], noPin)).toBe(2);
  });

  it('uploads a certificate file, prints a CSR as PEM, and reports refusals with exit code 1', async () => {
    seen.length = 0;
    await writeFile(join(dir, 'c.pem'), '-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n');
    expect(await runSecurityServerAdmin(['certs', 'import', 'c.pem'], io())).toBe(0);
    expect(seen[0]).toMatchObject({ method: 'POST', url: '/api/v1/certificates', type: 'application/x-pem-file' });
    const csr = io();
    expect(await runSecurityServerAdmin(['csr', 'create', 'key1'], csr)).toBe(0);
    expect(csr.stdout.join('')).toContain('BEGIN CERTIFICATE REQUEST');
    const refused = io();
    expect(await runSecurityServerAdmin(['keys', 'delete', 'refuse'], refused)).toBe(1);
    expect(refused.stderr.join('')).toContain('TONLE_ERR_KEYS_LAST_ACTIVE_KEY');
    const usage = io();
    expect(await runSecurityServerAdmin(['keys', 'fly'], usage)).toBe(2);
    expect(usage.stderr.join('')).toContain('Usage: tonle security-server');
    const noUrl = io();
    expect(await runSecurityServerAdmin(['status'], { ...noUrl, env: {} })).toBe(2);
  });

  it('publishes OPENAPI3 services from a file (sent as text) or a URL (fetched by the server), refreshes them, shows where a description is wrong', async () => {
    seen.length = 0;
    await writeFile(join(dir, 'pets.yaml'), 'openapi: 3.1.0\n');
    expect(await runSecurityServerAdmin(['services', 'add', 'EE:GOV:1234:app:pets', '--openapi', 'pets.yaml'], io())).toBe(0);
    expect(seen[0]).toMatchObject({ method: 'POST', url: '/api/v1/services', body: { id: 'EE:GOV:1234:app:pets', type: 'OPENAPI3', openapi: 'openapi: 3.1.0\n' } });
    expect(await runSecurityServerAdmin(['services', 'add', 'EE:GOV:1234:app:zoo', '--openapi', 'https://zoo.example.org/openapi.json', '--url', 'http://10.0.0.1/zoo'], io())).toBe(0);
    expect(seen[1]!.body).toEqual({ id: 'EE:GOV:1234:app:zoo', type: 'OPENAPI3', openapiUrl: 'https://zoo.example.org/openapi.json', url: 'http://10.0.0.1/zoo' });
    expect(await runSecurityServerAdmin(['services', 'refresh', 'EE:GOV:1234:app:zoo'], io())).toBe(0);
    expect(seen[2]).toMatchObject({ method: 'PUT', url: '/api/v1/services/EE:GOV:1234:app:zoo/openapi/refresh', body: {} });
    expect(await runSecurityServerAdmin(['services', 'refresh', 'EE:GOV:1234:app:pets', '--openapi', 'pets.yaml'], io())).toBe(0);
    expect(seen[3]!.body).toEqual({ openapi: 'openapi: 3.1.0\n' });
    const refused = io();
    expect(await runSecurityServerAdmin(['services', 'refresh', 'EE:GOV:1234:app:refuse-openapi'], refused)).toBe(1);
    expect(refused.stderr.join('')).toContain('/paths/~1pets~1{id}');
    const missing = io();
    expect(await runSecurityServerAdmin(['services', 'add', 'EE:GOV:1234:app:x', '--openapi', 'nope.yaml'], missing)).toBe(2);
  });
});

// The examples in README.md and docs/client-sdk.md are the files in examples/, embedded verbatim: this
// test checks each embedding against its file and runs every example against the mock security server.
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { GatewayFault, createMockSecurityServer, type MockSecurityServer } from '@tonle/client-sdk/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeOutcome } from '../examples/errors.ts';
import { discover } from '../examples/discover.ts';
import { withMockAgent } from '../examples/mock-agent.ts';
import { buildPersonsService } from '../examples/provider-fastify.ts';
import { createPersonsServer } from '../examples/provider-node.ts';
import { quickstart } from '../examples/quickstart.ts';
import { roundTrip } from '../examples/streaming.ts';
import { testWithMock } from '../examples/testing-mock.ts';

const pkg = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const root = resolve(pkg, '..', '..');
const docs = [join(pkg, 'README.md'), join(root, 'docs', 'client-sdk.md')];

describe('documentation examples are the example files', () => {
  const embedded = new Set<string>();
  for (const doc of docs) {
    const text = readFileSync(doc, 'utf8');
    const blocks = [...text.matchAll(/<!-- example: (\S+) -->\r?\n```ts\r?\n([\s\S]*?)```/g)];
    it(`${doc.slice(root.length + 1)} embeds examples verbatim`, () => {
      expect(blocks.length).toBeGreaterThan(0);
      for (const [, file, code] of blocks) {
        embedded.add(file as string);
        expect(code, file).toBe(readFileSync(join(root, file as string), 'utf8'));
      }
    });
  }
  it('every example file appears in the docs', () => {
    const files = readdirSync(join(pkg, 'examples')).map((f) => `packages/client-sdk/examples/${f}`);
    expect(files.filter((f) => !embedded.has(f))).toEqual([]);
  });
});

describe('the examples run against the mock security server', () => {
  let ss: MockSecurityServer;
  const archive = new Map<string, Buffer>();

  beforeAll(async () => {
    ss = await createMockSecurityServer({
      services: {
        'EE/GOV/70000001/population/persons': {
          handler: (req) => {
            const id = req.path.split('/').at(-1);
            if (id === '0') return { status: 404, json: { error: 'no such person' } };
            if (id === 'denied') throw new GatewayFault('Server.ServerProxy.AccessDenied', undefined, { id: 'fault-7' });
            return { json: { id, name: 'Mari Maasikas', askedBy: req.client.type === 'SUBSYSTEM' ? req.client.subsystemCode : null } };
          },
          endpoints: [{ method: 'GET', path: '/v1/persons/{id}' }],
          openapi: { text: 'openapi: 3.0.3\n', contentType: 'application/yaml' },
        },
        'EE/GOV/70000001/population/addresses': { handler: () => ({ json: {} }), allowedClients: ['EE/GOV/1/other'] },
        'EE/GOV/70000001/archive/documents': async (req) => {
          if (req.method === 'PUT') {
            const bytes = Buffer.from(await req.bytes());
            archive.set(req.path, bytes);
            return { status: 201, json: { size: bytes.length } };
          }
          return { body: Readable.from([archive.get(req.path) ?? Buffer.alloc(0)]) };
        },
      },
    });
  });
  afterAll(async () => {
    await ss.close();
  });

  it('quickstart', async () => {
    expect(await quickstart(ss.url)).toEqual({ id: '38001010000', name: 'Mari Maasikas', askedBy: 'benefits' });
    expect(ss.requests.at(-1)?.headers['x-road-userid']).toBe('EE38001010000');
  });

  it('errors', async () => {
    expect(await describeOutcome(ss.url, '/v1/persons/1')).toMatch(/^ok: /);
    expect(await describeOutcome(ss.url, '/v1/persons/0')).toBe('the service answered 404: {"error":"no such person"}');
    expect(await describeOutcome(ss.url, '/v1/persons/denied')).toBe('no access yet: ask the provider (fault fault-7)');
    expect(await describeOutcome('http://127.0.0.1:9', '/v1/persons/1')).toBe('could not talk to our security server: TONLE_ERR_SDK_CONNECT');
  });

  it('discover', async () => {
    expect(await discover(ss.url)).toEqual({ members: 2, allowed: ['persons'], openapi: 'application/yaml' });
  });

  it('streaming', async () => {
    const document = Buffer.alloc(3 * 1024 * 1024, 7);
    const result = await roundTrip(ss.url, Readable.from([document.subarray(0, 1000), document.subarray(1000)]));
    expect(result).toEqual({ stored: { size: document.length }, sha256: createHash('sha256').update(document).digest('hex') });
  });

  it('testing with the mock', async () => {
    expect(await testWithMock()).toEqual({ name: 'Mari', denied: 'Server.ServerProxy.AccessDenied' });
  });

  it('undici MockAgent recipe', async () => {
    expect(await withMockAgent()).toEqual({ person: { name: 'Mari' }, id: 'EE-test-1', fault: 'Server.ServerProxy.AccessDenied' });
  });

  const securityServerHeaders = () => ({
    'x-road-client': 'EE/GOV/70000002/benefits',
    'x-road-id': randomUUID(),
    'x-road-request-id': randomUUID(),
    'x-road-userid': 'EE1',
  });

  it('provider with fastify', async () => {
    const app = await buildPersonsService('127.0.0.1');
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const ok = await fetch(`${url}/v1/persons/7`, { headers: securityServerHeaders() });
      expect(await ok.json()).toEqual({ id: '7', askedBy: '70000002', onBehalfOf: 'EE1' });
      expect((await fetch(`${url}/v1/persons/7`)).status).toBe(400);
    } finally {
      await app.close();
    }
  });

  it('provider on node:http', async () => {
    const server = createPersonsServer('127.0.0.1');
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const headers = securityServerHeaders();
      expect(await (await fetch(url, { headers })).json()).toEqual({ askedBy: '70000002', messageId: headers['x-road-id'] });
      const refused = await fetch(url);
      expect(refused.status).toBe(400);
      expect(refused.headers.get('x-road-error')).toBe('Client.MissingHeaderField');
    } finally {
      server.closeAllConnections();
      await new Promise((ok) => server.close(ok));
    }
  });
});

import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  computeRequestHash,
  serializeRestRequestHeaderPart,
  serviceId,
  subsystemId,
  transportedHeaders,
  type ClientId,
  type HeaderPair,
} from '@tonle/protocol';
import { createClient, type XRoadClient } from '@tonle/client-sdk';
import { createMockSecurityServer, type MockRequest, type MockSecurityServer } from '@tonle/client-sdk/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const SERVICE = 'EE/GOV/70000001/population/persons';
const CLIENT = 'EE/GOV/70000002/benefits';

interface Seen {
  method: string;
  path: string;
  query: string | undefined;
  headers: Record<string, unknown>;
  body: Buffer;
  id: string;
  requestId: string;
}

let ss: MockSecurityServer;
let client: XRoadClient;
const seen: Seen[] = [];

async function echo(req: MockRequest) {
  const body = Buffer.from(await req.bytes());
  seen.push({ method: req.method, path: req.path, query: req.query, headers: req.headers, body, id: req.id, requestId: req.requestId });
  return {
    status: 200,
    headers: { 'content-type': 'application/json', 'x-custom': 'yes', 'x-road-client': 'EE/EVIL/1' },
    json: { method: req.method, path: req.path, query: req.query ?? null, size: body.length, sha256: createHash('sha256').update(body).digest('hex') },
  };
}

beforeAll(async () => {
  ss = await createMockSecurityServer({
    services: {
      [SERVICE]: echo,
      'EE/GOV/70000001/population/raw': async (req) => {
        await req.bytes();
        return { status: 201, headers: { 'content-type': 'application/octet-stream' }, body: Buffer.from([0, 1, 2, 255]) };
      },
      'EE/GOV/70000001/population/stream': async () => ({
        headers: { 'content-type': 'text/plain' },
        body: Readable.from(['hello ', 'streamed ', 'world']),
      }),
      'EE/GOV/70000001/population/empty': async () => ({ status: 204 }),
    },
    clients: [CLIENT],
  });
  client = createClient({ securityServer: ss.url, client: CLIENT });
});

afterAll(async () => {
  await client.close();
  await ss.close();
});

function last(): Seen {
  const s = seen[seen.length - 1];
  if (s === undefined) throw new Error('nothing seen');
  return s;
}

describe('call shapes', () => {
  it('GETs by service string and path, and returns status, headers, json and the X-Road response info', async () => {
    const res = await client.call({ service: SERVICE, path: '/v1/persons/38001010000' });
    expect(res.status).toBe(200);
    expect(res.headers['x-custom']).toBe('yes');
    expect(await res.json()).toMatchObject({ method: 'GET', path: '/v1/persons/38001010000', size: 0 });
    expect(res.xroad.client).toEqual(subsystemId('EE', 'GOV', '70000002', 'benefits'));
    expect(res.xroad.service).toEqual(serviceId('EE', 'GOV', '70000001', 'population', 'persons'));
    expect(res.xroad.id).toMatch(/^EE-[0-9a-f-]{36}$/);
    expect(res.xroad.requestId).toBe(last().requestId);
    expect(res.xroad.requestHash).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(last().headers['x-road-client']).toBe(CLIENT);
  });

  it('accepts a ServiceId object, a query record and user headers, and sends the X-Road request headers', async () => {
    const res = await client.call({
      service: serviceId('EE', 'GOV', '70000001', 'population', 'persons'),
      path: '/v1/search',
      query: { name: 'Mari Maasikas', tag: ['a', 'b'], skip: undefined, limit: 5 },
      headers: { Authorization: 'Bearer t0ken', 'X-Trace': 'abc' },
      id: 'my-message-1',
      userId: 'EE38001010000',
      issue: 'case-42',
      representedParty: 'COM/12345',
      securityServer: 'EE/GOV/70000001/ss1',
    });
    await res.dump();
    const s = last();
    expect(s.query).toBe('name=Mari+Maasikas&tag=a&tag=b&limit=5');
    expect(s.headers).toMatchObject({
      authorization: 'Bearer t0ken',
      'x-trace': 'abc',
      'x-road-id': 'my-message-1',
      'x-road-userid': 'EE38001010000',
      'x-road-issue': 'case-42',
      'x-road-represented-party': 'COM/12345',
      'x-road-security-server': 'EE/GOV/70000001/ss1',
    });
    expect(res.xroad.id).toBe('my-message-1');
  });

  it('the request hash the mock returns is X-Road\'s hash over the transported headers and body', async () => {
    const res = await client.call({ service: SERVICE, method: 'PUT', path: '/v1/x', json: { a: 1 } });
    await res.dump();
    const record = ss.requests[ss.requests.length - 1];
    expect(record?.method).toBe('PUT');
    const s = last();
    const pairs: HeaderPair[] = Object.entries(record?.headers ?? {})
      .filter(([name]) => name !== 'x-road-id')
      .map(([name, value]) => [name, String(value)]);
    const sha512 = (d: Uint8Array): Uint8Array => createHash('sha512').update(d).digest();
    // Header order and case matter for the hash: the mock keeps the raw header order, which this
    // rebuild from the parsed record also keeps (undici sends lower-case names).
    const part = serializeRestRequestHeaderPart({
      method: 'PUT',
      path: `/r1/${SERVICE}/v1/x`,
      headers: [...transportedHeaders(pairs), ['x-road-id', s.id], ['x-road-request-id', s.requestId]],
    });
    expect(res.xroad.requestHash).toBe(computeRequestHash(sha512, part, sha512(s.body)));
  });

  it.each(['GET', 'HEAD', 'OPTIONS', 'DELETE', 'PUT', 'POST', 'PATCH'])('sends %s', async (method) => {
    const res = await client.call({ service: SERVICE, method, path: '/v1/m' });
    await res.dump();
    expect(res.status).toBe(200);
    expect(last().method).toBe(method);
  });

  it('sends JSON with a content type, defaulting the method to POST', async () => {
    const res = await client.call({ service: SERVICE, path: '/v1/persons', json: { name: 'Mari' } });
    const body = (await res.json()) as { method: string };
    expect(body.method).toBe('POST');
    expect(last().headers['content-type']).toBe('application/json');
    expect(JSON.parse(last().body.toString('utf8'))).toEqual({ name: 'Mari' });
  });

  it('keeps a content type the caller set', async () => {
    await (await client.call({ service: SERVICE, json: [1], headers: { 'content-type': 'application/vnd.x+json' } })).dump();
    expect(last().headers['content-type']).toBe('application/vnd.x+json');
  });

  it('sends binary bodies (Uint8Array and Buffer) and text', async () => {
    const bytes = new Uint8Array([0, 1, 2, 3, 254, 255]);
    await (await client.call({ service: SERVICE, method: 'PUT', body: bytes })).dump();
    expect([...last().body]).toEqual([...bytes]);
    expect(last().headers['content-type']).toBe('application/octet-stream');
    await (await client.call({ service: SERVICE, method: 'PUT', body: Buffer.from('buf') })).dump();
    expect(last().body.toString()).toBe('buf');
    await (await client.call({ service: SERVICE, method: 'POST', body: 'plain text' })).dump();
    expect(last().body.toString()).toBe('plain text');
    expect(last().headers['content-type']).toBe('text/plain; charset=utf-8');
  });

  it('streams bodies from a Readable, an async iterable and a web ReadableStream', async () => {
    await (await client.call({ service: SERVICE, method: 'POST', body: Readable.from([Buffer.from('ab'), Buffer.from('cd')]) })).dump();
    expect(last().body.toString()).toBe('abcd');
    async function* gen(): AsyncGenerator<Uint8Array> {
      yield new TextEncoder().encode('x');
      yield new TextEncoder().encode('yz');
    }
    await (await client.call({ service: SERVICE, method: 'POST', body: gen() })).dump();
    expect(last().body.toString()).toBe('xyz');
    const web = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('web'));
        controller.enqueue(new TextEncoder().encode('stream'));
        controller.close();
      },
    });
    await (await client.call({ service: SERVICE, method: 'POST', body: web })).dump();
    expect(last().body.toString()).toBe('webstream');
  });

  it('returns binary responses with bytes() and streamed ones as a stream and with text()', async () => {
    const raw = await client.call({ service: 'EE/GOV/70000001/population/raw', method: 'POST', body: 'x' });
    expect(raw.status).toBe(201);
    expect([...(await raw.bytes())]).toEqual([0, 1, 2, 255]);
    const streamed = await client.call({ service: 'EE/GOV/70000001/population/stream' });
    let text = '';
    for await (const chunk of streamed.body) text += String(chunk);
    expect(text).toBe('hello streamed world');
    const again = await client.call({ service: 'EE/GOV/70000001/population/stream' });
    expect(await again.text()).toBe('hello streamed world');
  });

  it('handles an empty 204 answer', async () => {
    const res = await client.call({ service: 'EE/GOV/70000001/population/empty', method: 'DELETE', path: '/v1/1' });
    expect(res.status).toBe(204);
    expect((await res.bytes()).length).toBe(0);
  });

  it('json() on a non-JSON body rejects with InvalidResponseError', async () => {
    const res = await client.call({ service: 'EE/GOV/70000001/population/stream' });
    await expect(res.json()).rejects.toMatchObject({ kind: 'invalid-response', code: 'TONLE_ERR_SDK_INVALID_RESPONSE' });
  });
});

describe('misuse', () => {
  it('throws TypeError for bad paths, queries, headers and bodies', async () => {
    await expect(client.call({ service: SERVICE, path: 'no-slash' })).rejects.toBeInstanceOf(TypeError);
    await expect(client.call({ service: SERVICE, path: '/a?b=1' })).rejects.toBeInstanceOf(TypeError);
    await expect(client.call({ service: SERVICE, path: '/with space' })).rejects.toBeInstanceOf(TypeError);
    await expect(client.call({ service: SERVICE, query: 'a b' })).rejects.toBeInstanceOf(TypeError);
    await expect(client.call({ service: SERVICE, headers: { 'X-Road-Client': 'EE/GOV/1' } })).rejects.toBeInstanceOf(TypeError);
    await expect(client.call({ service: SERVICE, headers: { 'bad name': 'x' } })).rejects.toBeInstanceOf(TypeError);
    await expect(client.call({ service: SERVICE, headers: { 'x-a': 'line\r\nbreak' } })).rejects.toBeInstanceOf(TypeError);
    await expect(client.call({ service: SERVICE, userId: 'a\nb' })).rejects.toBeInstanceOf(TypeError);
    await expect(client.call({ service: SERVICE, body: 'x', json: {} })).rejects.toBeInstanceOf(TypeError);
    await expect(client.call({ service: SERVICE, body: 42 as unknown as string })).rejects.toBeInstanceOf(TypeError);
    await expect(client.call({ service: SERVICE, method: 'G E T' })).rejects.toBeInstanceOf(TypeError);
    await expect(client.call({ service: SERVICE, timeoutMs: -1 })).rejects.toBeInstanceOf(TypeError);
  });

  it('throws IdentifierError codes for malformed identifiers', async () => {
    await expect(client.call({ service: 'EE/GOV/1/sub' })).rejects.toMatchObject({ code: 'TONLE_ERR_ID_WRONG_PART_COUNT' });
    await expect(client.call({ service: 'EE/GOV/1/sub/bad code' })).rejects.toMatchObject({ code: 'TONLE_ERR_ID_INVALID_CHARACTER' });
    expect(() => createClient({ securityServer: ss.url, client: 'EE' })).toThrow(expect.objectContaining({ code: 'TONLE_ERR_ID_WRONG_PART_COUNT' }));
  });

  it('refuses bad client options', () => {
    expect(() => createClient({ securityServer: 'not a url', client: CLIENT })).toThrow(TypeError);
    expect(() => createClient({ securityServer: 'ftp://x', client: CLIENT })).toThrow(TypeError);
    expect(() => createClient({ securityServer: 'http://x/r1', client: CLIENT })).toThrow(TypeError);
    expect(() => createClient({ securityServer: 'http://x', client: CLIENT, tls: {} })).toThrow(TypeError);
    expect(() => createClient({ securityServer: 'http://x', client: CLIENT, retry: { retries: -1 } })).toThrow(TypeError);
    expect(() => createClient({ securityServer: 'http://x', client: CLIENT, connections: 0 })).toThrow(TypeError);
    const notAClient = serviceId('EE', 'GOV', '1', 'sub', 'code') as unknown as ClientId;
    expect(() => createClient({ securityServer: 'http://x', client: notAClient })).toThrow(TypeError);
  });

  it('refuses calls after close', async () => {
    const c = createClient({ securityServer: ss.url, client: CLIENT });
    await c.close();
    await expect(c.call({ service: SERVICE })).rejects.toBeInstanceOf(TypeError);
  });
});

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpenApiError, checkDescriptionUrl, fetchOpenApiText } from '../../src/openapi/index.ts';

let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    switch (req.url) {
      case '/ok':
        res.writeHead(200, { 'content-type': 'application/yaml' }).end('openapi: 3.1.0\n');
        return;
      case '/moved':
        res.writeHead(302, { location: '/ok' }).end();
        return;
      case '/declared-big':
        res.writeHead(200, { 'content-length': String(2048) }).end(Buffer.alloc(2048, 0x20));
        return;
      case '/streamed-big':
        res.writeHead(200); // chunked: no length announced, the cap applies while reading
        for (let i = 0; i < 8; i++) res.write(Buffer.alloc(512, 0x20));
        res.end();
        return;
      case '/slow':
        setTimeout(() => res.writeHead(200).end('late'), 3000).unref();
        return;
      default:
        res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    if (e instanceof OpenApiError) return e.code;
    throw e;
  }
}

describe('fetchOpenApiText (real socket)', () => {
  it('returns the bytes of a 200 answer and the URL without its fragment', async () => {
    const got = await fetchOpenApiText(`${base}/ok#frag`);
    expect(got.url).toBe(`${base}/ok`);
    expect(Buffer.from(got.body).toString()).toBe('openapi: 3.1.0\n');
  });

  it('does not follow redirects, refuses other statuses, caps the size (declared or streamed), and gives up on time', async () => {
    expect(await code(fetchOpenApiText(`${base}/moved`))).toBe('TONLE_ERR_OPENAPI_FETCH_FAILED');
    expect(await code(fetchOpenApiText(`${base}/nothing`))).toBe('TONLE_ERR_OPENAPI_FETCH_FAILED');
    expect(await code(fetchOpenApiText(`${base}/declared-big`, { maxBytes: 1024 }))).toBe('TONLE_ERR_OPENAPI_TOO_LARGE');
    expect(await code(fetchOpenApiText(`${base}/streamed-big`, { maxBytes: 1024 }))).toBe('TONLE_ERR_OPENAPI_TOO_LARGE');
    expect(await code(fetchOpenApiText(`${base}/streamed-big`, { maxBytes: 8192 }))).toBe('ok');
    expect(await code(fetchOpenApiText(`${base}/slow`, { timeoutMs: 300 }))).toBe('TONLE_ERR_OPENAPI_FETCH_FAILED');
    expect(await code(fetchOpenApiText('http://127.0.0.1:1/unreachable'))).toBe('TONLE_ERR_OPENAPI_FETCH_FAILED');
  });

  it('accepts only absolute http(s) URLs without credentials', () => {
    for (const bad of ['file:///etc/passwd', 'ftp://h/x', '/relative', 'http://user:pw@h/x', 'not a url']) {
      expect(() => checkDescriptionUrl(bad)).toThrow(expect.objectContaining({ code: 'TONLE_ERR_OPENAPI_INVALID_URL' }));
    }
    expect(checkDescriptionUrl('HTTPS://Example.org/a.yaml')).toBe('https://example.org/a.yaml');
  });
});

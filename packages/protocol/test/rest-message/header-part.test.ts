import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  computeRequestHash,
  serializeRestRequestHeaderPart,
  serializeRestResponseHeaderPart,
  transportedHeaders,
} from '@tonle/protocol';

const sha512 = (data: Uint8Array): Uint8Array => createHash('sha512').update(data).digest();
const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString('utf8');

// Vectors written out by hand from X-Road's RestRequest/RestResponse.toByteArray and
// RestMessage.serializeHeaders: "VERB" CRLF "path[?query]" CRLF then "name:value" CRLF, UTF-8, no space.
describe('REST header part (xroad-digest 3.4)', () => {
  it('serialises a request byte for byte', () => {
    const bytes = serializeRestRequestHeaderPart({
      method: 'POST',
      path: '/r1/DEV/COM/1234/TestService/mock1/path%3B/',
      query: 'quu=1',
      headers: [
        ['X-Road-Client', 'DEV/COM/4321/TestClient'],
        ['Content-Type', 'application/json'],
        ['X-Road-Id', 'DEV-5b1c7f7e-3a5e-4a8e-9d47-000000000001'],
        ['X-Road-Request-Id', '3f8e8c3e-8e5e-4b8e-9d47-000000000002'],
      ],
    });
    expect(text(bytes)).toBe(
      'POST\r\n/r1/DEV/COM/1234/TestService/mock1/path%3B/?quu=1\r\n' +
        'X-Road-Client:DEV/COM/4321/TestClient\r\n' +
        'Content-Type:application/json\r\n' +
        'X-Road-Id:DEV-5b1c7f7e-3a5e-4a8e-9d47-000000000001\r\n' +
        'X-Road-Request-Id:3f8e8c3e-8e5e-4b8e-9d47-000000000002\r\n',
    );
  });

  it('writes no "?" without a query and keeps an empty query', () => {
    expect(text(serializeRestRequestHeaderPart({ method: 'GET', path: '/r1/a/b/c/d/e', headers: [] }))).toBe('GET\r\n/r1/a/b/c/d/e\r\n');
    expect(text(serializeRestRequestHeaderPart({ method: 'GET', path: '/r1/a/b/c/d/e', query: '', headers: [] }))).toBe(
      'GET\r\n/r1/a/b/c/d/e?\r\n',
    );
  });

  it('encodes header values as UTF-8', () => {
    const bytes = serializeRestRequestHeaderPart({ method: 'GET', path: '/r1/a/b/c/d/e', headers: [['X-Name', 'Tõnis']] });
    expect([...bytes.slice(-8)]).toEqual([...Buffer.from('T\u00f5nis\r\n', 'utf8')]);
  });

  it('serialises a response byte for byte', () => {
    const bytes = serializeRestResponseHeaderPart({
      status: 404,
      reason: 'Not Found',
      headers: [['Content-Type', 'application/json'], ['X-Road-Id', 'x']],
    });
    expect(text(bytes)).toBe('404\r\nNot Found\r\nContent-Type:application/json\r\nX-Road-Id:x\r\n');
  });

  it('refuses input that would break the framing', () => {
    expect(() => serializeRestRequestHeaderPart({ method: 'GET', path: '/r1/a\r\nx', headers: [] })).toThrow(TypeError);
    expect(() => serializeRestRequestHeaderPart({ method: 'G ET', path: '/r1/a', headers: [] })).toThrow(TypeError);
    expect(() => serializeRestRequestHeaderPart({ method: 'GET', path: '/r1/a', headers: [['X', 'a\nb']] })).toThrow(TypeError);
    expect(() => serializeRestRequestHeaderPart({ method: 'GET', path: '/r1/a', headers: [['X:Y', 'a']] })).toThrow(TypeError);
    expect(() => serializeRestResponseHeaderPart({ status: 20, reason: 'x', headers: [] })).toThrow(TypeError);
  });
});

describe('X-Road-Request-Hash (xroad-digest 2.5)', () => {
  const headerPart = serializeRestRequestHeaderPart({
    method: 'GET',
    path: '/r1/DEV/COM/1234/TestService/mock1',
    headers: [['X-Road-Client', 'DEV/COM/4321/TestClient']],
  });

  it('is base64(SHA-512(headerPart)) without a body', () => {
    const expected = createHash('sha512').update('GET\r\n/r1/DEV/COM/1234/TestService/mock1\r\nX-Road-Client:DEV/COM/4321/TestClient\r\n').digest('base64');
    expect(computeRequestHash(sha512, headerPart)).toBe(expected);
  });

  it('is base64(SHA-512(SHA-512(headerPart) || SHA-512(body))) with a body', () => {
    const body = Buffer.from('{"query":"x"}');
    const inner = Buffer.concat([createHash('sha512').update(headerPart).digest(), createHash('sha512').update(body).digest()]);
    const expected = createHash('sha512').update(inner).digest('base64');
    expect(computeRequestHash(sha512, headerPart, sha512(body))).toBe(expected);
  });

  it('matches a fixed regression vector', () => {
    expect(computeRequestHash(sha512, headerPart)).toBe(
      createHash('sha512').update(Buffer.from(headerPart)).digest('base64'),
    );
    // base64 padding of every length class goes through the package's own encoder
    for (const n of [0, 1, 2, 3, 64]) {
      const digest = new Uint8Array(n).fill(0xfb);
      expect(computeRequestHash(() => digest, headerPart)).toBe(Buffer.from(digest).toString('base64'));
    }
  });
});

describe('transported headers', () => {
  it('drops hop-by-hop, origin and X-Road-Request-* headers and keeps user headers in order', () => {
    const kept = transportedHeaders([
      ['Host', 'ss.example'],
      ['Connection', 'keep-alive, X-Debug'],
      ['X-Debug', '1'],
      ['Authorization', 'Bearer abc'],
      ['User-Agent', 'curl'],
      ['X-Road-Request-Id', 'forged'],
      ['x-road-request-hash', 'forged'],
      ['Content-Length', '5'],
      ['Transfer-Encoding', 'chunked'],
      ['Accept', 'application/json'],
      ['X-Road-Client', 'EE/GOV/1/a'],
    ]);
    expect(kept).toEqual([
      ['Authorization', 'Bearer abc'],
      ['Accept', 'application/json'],
      ['X-Road-Client', 'EE/GOV/1/a'],
    ]);
  });
});

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { OpenApiError, parseOpenApi, serviceUrlOf } from '../../src/openapi/index.ts';

const fixture = (name: string): string => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

function refusal(input: string | Uint8Array, options: { maxBytes?: number } = {}): OpenApiError {
  try {
    parseOpenApi(input, options);
  } catch (e) {
    if (e instanceof OpenApiError) return e;
    throw e;
  }
  throw new Error('the description was accepted');
}

const doc = (extra: Record<string, unknown> = {}, paths: unknown = { '/pets': { get: { responses: {} } } }): string =>
  JSON.stringify({ openapi: '3.0.3', info: { title: 't', version: '1' }, paths, ...extra });

describe('parseOpenApi', () => {
  it('reads the JSON petstore: format, version, servers with defaults, endpoints in document order', () => {
    const d = parseOpenApi(fixture('petstore.json'));
    expect(d.format).toBe('json');
    expect(d.openapi).toBe('3.0.3');
    expect(d.title).toBe('Petstore (Tonle test fixture)');
    expect(d.servers).toEqual(['https://pets.example.org/api/v1']);
    expect(d.endpoints).toEqual([
      { method: 'GET', path: '/pets' },
      { method: 'POST', path: '/pets' },
      { method: 'GET', path: '/pets/*' },
      { method: 'DELETE', path: '/pets/*' },
      { method: 'GET', path: '/pets/*/photos/*.jpg' },
    ]);
    expect(d.text).toBe(fixture('petstore.json'));
  });

  it('reads the YAML petstore (3.1, anchors, a local path item $ref)', () => {
    const d = parseOpenApi(fixture('petstore.yaml'));
    expect(d.format).toBe('yaml');
    expect(d.openapi).toBe('3.1.0');
    expect(d.endpoints).toEqual([
      { method: 'GET', path: '/pets' },
      { method: 'POST', path: '/pets' },
      { method: 'GET', path: '/pets/*' },
      { method: 'DELETE', path: '/pets/*' },
    ]);
  });

  it('accepts bytes, strips a BOM, refuses invalid UTF-8', () => {
    const bytes = new Uint8Array(Buffer.from(`\uFEFF${doc()}`, 'utf8'));
    expect(parseOpenApi(bytes).endpoints).toEqual([{ method: 'GET', path: '/pets' }]);
    expect(refusal(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])).code).toBe('TONLE_ERR_OPENAPI_SYNTAX');
  });

  it('refuses Swagger 2.0 and versions other than 3.0.x / 3.1.x at /swagger or /openapi', () => {
    const swagger = refusal(JSON.stringify({ swagger: '2.0', info: { title: 't', version: '1' }, paths: {} }));
    expect([swagger.code, swagger.pointer]).toEqual(['TONLE_ERR_OPENAPI_UNSUPPORTED_VERSION', '/swagger']);
    for (const v of ['3.2.0', '4.0.0', '2.0', 3.1, '3.1', '3.0.3-rc1', undefined]) {
      const e = refusal(JSON.stringify({ openapi: v, info: { title: 't', version: '1' }, paths: {} }));
      expect([e.code, e.pointer]).toEqual(['TONLE_ERR_OPENAPI_UNSUPPORTED_VERSION', '/openapi']);
    }
    expect(parseOpenApi(doc({ openapi: '3.1.1' })).openapi).toBe('3.1.1');
  });

  it('refuses documents over the size limit before parsing them', () => {
    const big = `${doc()}${' '.repeat(2048)}`;
    expect(refusal(big, { maxBytes: 1024 }).code).toBe('TONLE_ERR_OPENAPI_TOO_LARGE');
    // Not even syntax is looked at: an oversize invalid document is refused for its size.
    expect(refusal('{'.repeat(5000), { maxBytes: 1024 }).code).toBe('TONLE_ERR_OPENAPI_TOO_LARGE');
    expect(refusal('x'.repeat(4 * 1024 * 1024 + 1)).code).toBe('TONLE_ERR_OPENAPI_TOO_LARGE');
  });

  it('locates syntax errors by line and column (JSON and YAML)', () => {
    const json = refusal('{\n  "openapi": "3.0.3"\n  "info": {}\n}');
    expect([json.code, json.line, json.column]).toEqual(['TONLE_ERR_OPENAPI_SYNTAX', 3, 3]);
    expect(refusal('{"openapi": ,}').code).toBe('TONLE_ERR_OPENAPI_SYNTAX');
    const yaml = refusal('openapi: 3.0.3\ninfo:\n  title: [a, b\n');
    expect(yaml.code).toBe('TONLE_ERR_OPENAPI_SYNTAX');
    expect(yaml.line).toBeGreaterThanOrEqual(3);
    const dup = refusal('openapi: 3.0.3\ninfo:\n  title: a\n  title: b\n');
    expect([dup.code, dup.line, dup.column]).toEqual(['TONLE_ERR_OPENAPI_SYNTAX', 4, 3]);
    expect(refusal('---\nopenapi: 3.0.3\n---\nopenapi: 3.1.0\n').code).toBe('TONLE_ERR_OPENAPI_SYNTAX');
    expect(refusal('   \n').code).toBe('TONLE_ERR_OPENAPI_SYNTAX');
  });

  it('refuses a YAML alias bomb without expanding it', () => {
    const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 12; i++) lines.push(`a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(', ')}]`);
    expect(refusal(`openapi: 3.0.3\n${lines.join('\n')}\n`).code).toBe('TONLE_ERR_OPENAPI_TOO_COMPLEX');
  });

  it('says where the structure is wrong, as a JSON pointer', () => {
    const cases: [string, string, string][] = [
      ['[]', 'TONLE_ERR_OPENAPI_INVALID', ''],
      [JSON.stringify({ openapi: '3.0.3', paths: {} }), 'TONLE_ERR_OPENAPI_INVALID', '/info'],
      [JSON.stringify({ openapi: '3.0.3', info: { title: 1, version: '1' }, paths: {} }), 'TONLE_ERR_OPENAPI_INVALID', '/info/title'],
      [doc({ servers: {} }), 'TONLE_ERR_OPENAPI_INVALID', '/servers'],
      [doc({ servers: [{ url: 'https://{h}/x' }] }), 'TONLE_ERR_OPENAPI_INVALID', '/servers/0/url'],
      [doc({ servers: [{ url: 'https://{h}/x', variables: { h: { enum: ['a'] } } }] }), 'TONLE_ERR_OPENAPI_INVALID', '/servers/0/variables/h/default'],
      [doc({ openapi: '3.1.0', servers: [{ url: 'https://{h}/', variables: { h: { default: 'b', enum: ['a'] } } }] }), 'TONLE_ERR_OPENAPI_INVALID', '/servers/0/variables/h/default'],
      [doc({}, []), 'TONLE_ERR_OPENAPI_INVALID', '/paths'],
      [doc({}, { pets: { get: { responses: {} } } }), 'TONLE_ERR_OPENAPI_INVALID', '/paths/pets'],
      [doc({}, { '/pets/{id': { get: { responses: {} } } }), 'TONLE_ERR_OPENAPI_INVALID', '/paths/~1pets~1{id'],
      [doc({}, { '/pets/id}': { get: { responses: {} } } }), 'TONLE_ERR_OPENAPI_INVALID', '/paths/~1pets~1id}'],
      [doc({}, { '/pets/{}': { get: { responses: {} } } }), 'TONLE_ERR_OPENAPI_INVALID', '/paths/~1pets~1{}'],
      [doc({}, { '/a/{x}/{x}': { get: { responses: {} } } }), 'TONLE_ERR_OPENAPI_INVALID', '/paths/~1a~1{x}~1{x}'],
      [doc({}, { '/files/*': { get: { responses: {} } } }), 'TONLE_ERR_OPENAPI_INVALID', '/paths/~1files~1*'],
      [doc({}, { '/a/../b': { get: { responses: {} } } }), 'TONLE_ERR_OPENAPI_INVALID', '/paths/~1a~1..~1b'],
      [doc({}, { '/a?x=1': { get: { responses: {} } } }), 'TONLE_ERR_OPENAPI_INVALID', '/paths/~1a?x=1'],
      [doc({}, { '/pets/{id}': { get: { responses: {} } }, '/pets/{name}': { put: { responses: {} } } }), 'TONLE_ERR_OPENAPI_INVALID', '/paths/~1pets~1{name}'],
      [doc({}, { '/pets': 'x' }), 'TONLE_ERR_OPENAPI_INVALID', '/paths/~1pets'],
      [doc({}, { '/pets': { GET: { responses: {} } } }), 'TONLE_ERR_OPENAPI_INVALID', '/paths/~1pets/GET'],
      [doc({}, { '/pets': { get: [] } }), 'TONLE_ERR_OPENAPI_INVALID', '/paths/~1pets/get'],
      [doc({}, { '/pets': { get: {} } }), 'TONLE_ERR_OPENAPI_INVALID', '/paths/~1pets/get/responses'],
      [doc({}, { '/pets': { get: { responses: {}, operationId: 'a' }, post: { responses: {}, operationId: 'a' } } }), 'TONLE_ERR_OPENAPI_INVALID', '/paths/~1pets/post/operationId'],
      [doc({}, { '/pets/{id}': { get: { responses: {}, parameters: [{ name: 'id', in: 'path' }] } } }), 'TONLE_ERR_OPENAPI_INVALID', '/paths/~1pets~1{id}/get/parameters/0/required'],
      [doc({}, { '/pets/{id}': { parameters: [{ name: 'petId', in: 'path', required: true }], get: { responses: {} } } }), 'TONLE_ERR_OPENAPI_INVALID', '/paths/~1pets~1{id}/parameters/0/name'],
      [doc({}, { '/pets': { get: { responses: {}, parameters: [{ name: 'q', in: 'body' }] } } }), 'TONLE_ERR_OPENAPI_INVALID', '/paths/~1pets/get/parameters/0/in'],
      [doc({}, { '/pets': { $ref: 'https://example.org/pets.yaml' } }), 'TONLE_ERR_OPENAPI_UNSUPPORTED_REF', '/paths/~1pets/$ref'],
      [doc({}, { '/pets': { $ref: '#/components/pathItems/missing' } }), 'TONLE_ERR_OPENAPI_UNSUPPORTED_REF', '/paths/~1pets/$ref'],
      [doc({ components: { pathItems: { a: { $ref: '#/components/pathItems/b' }, b: { $ref: '#/components/pathItems/a' } } } }, { '/pets': { $ref: '#/components/pathItems/a' } }), 'TONLE_ERR_OPENAPI_INVALID', '/paths/~1pets/$ref'],
      [doc({}, { '/pets': {} }), 'TONLE_ERR_OPENAPI_NO_OPERATIONS', '/paths'],
      [JSON.stringify({ openapi: '3.1.0', info: { title: 't', version: '1' }, components: {} }), 'TONLE_ERR_OPENAPI_NO_OPERATIONS', '/paths'],
    ];
    for (const [input, code, pointer] of cases) {
      const e = refusal(input);
      expect({ input, code: e.code, pointer: e.pointer }).toEqual({ input, code, pointer });
    }
  });

  it('treats adjacent templates as one segment, never as "**"', () => {
    expect(parseOpenApi(doc({}, { '/a/{x}{y}': { get: { responses: {} } } })).endpoints).toEqual([{ method: 'GET', path: '/a/*' }]);
  });

  it('3.1 operations may omit responses; all eight methods are endpoints', () => {
    const ops = Object.fromEntries(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'].map((m) => [m, {}]));
    const d = parseOpenApi(doc({ openapi: '3.1.0' }, { '/x': ops }));
    expect(d.endpoints.map((e) => e.method)).toEqual(['GET', 'PUT', 'POST', 'DELETE', 'OPTIONS', 'HEAD', 'PATCH', 'TRACE']);
  });
});

describe('serviceUrlOf', () => {
  it('takes servers[0], variables substituted, without a trailing slash', () => {
    expect(serviceUrlOf(parseOpenApi(fixture('petstore.json')))).toBe('https://pets.example.org/api/v1');
    expect(serviceUrlOf(parseOpenApi(doc({ servers: [{ url: 'http://h:8080/' }, { url: 'http://other' }] })))).toBe('http://h:8080');
  });

  it('resolves a relative server (or none, which means "/") against the description URL', () => {
    expect(serviceUrlOf(parseOpenApi(doc({ servers: [{ url: '/api' }] })), 'http://127.0.0.1:9000/docs/openapi.json')).toBe('http://127.0.0.1:9000/api');
    expect(serviceUrlOf(parseOpenApi(doc()), 'http://127.0.0.1:9000/docs/openapi.json')).toBe('http://127.0.0.1:9000');
  });

  it('cannot derive a URL for an uploaded description with a relative server, or a non-http one', () => {
    const e = (() => {
      try {
        serviceUrlOf(parseOpenApi(doc({ servers: [{ url: '/api' }] })));
      } catch (x) {
        return x as OpenApiError;
      }
      throw new Error('accepted');
    })();
    expect([e.code, e.pointer]).toEqual(['TONLE_ERR_OPENAPI_NO_SERVER_URL', '/servers/0/url']);
    expect(() => serviceUrlOf(parseOpenApi(doc({ servers: [{ url: 'ftp://h/x' }] })))).toThrow(expect.objectContaining({ code: 'TONLE_ERR_OPENAPI_INVALID_URL' }));
    expect(() => serviceUrlOf(parseOpenApi(doc({ servers: [{ url: 'https://h/x?k=1' }] })))).toThrow(expect.objectContaining({ code: 'TONLE_ERR_OPENAPI_INVALID_URL' }));
  });
});

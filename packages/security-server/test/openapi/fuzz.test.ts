// The parser takes text from operators and from the network: whatever it is given, it returns a description
// or throws OpenApiError, in bounded time (no other exception, no hang).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OpenApiError, parseOpenApi } from '../../src/openapi/index.ts';

function outcome(input: string | Uint8Array): string {
  try {
    const d = parseOpenApi(input, { maxBytes: 512 * 1024 });
    for (const e of d.endpoints) {
      expect(e.path.startsWith('/')).toBe(true);
      expect(e.path.includes('**')).toBe(false);
    }
    return 'ok';
  } catch (e) {
    if (e instanceof OpenApiError) return e.code;
    throw e;
  }
}

const base = { openapi: '3.0.3', info: { title: 't', version: '1' } };
const pathKey = fc.stringMatching(/^\/[a-z{}*.~%?/]{0,12}$/);

describe('parseOpenApi fuzz', () => {
  it('arbitrary text (JSON-looking, YAML-looking, garbage) only ever gives OpenApiError', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 400 }), fc.json({ maxDepth: 6 }), fc.jsonValue().map((v) => JSON.stringify(v) ?? 'null'), fc.string({ unit: 'binary', maxLength: 300 })), (s) => {
        expect(outcome(s)).toMatch(/^(ok|TONLE_ERR_OPENAPI_)/);
      }),
      { numRuns: 1000 },
    );
  });

  it('arbitrary bytes only ever give OpenApiError', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (b) => void expect(outcome(b)).toMatch(/^(ok|TONLE_ERR_OPENAPI_)/)), { numRuns: 500 });
  });

  it('structurally plausible documents with arbitrary paths, items and values only ever give OpenApiError', () => {
    const value = fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.constantFrom({}, { responses: {} }, { $ref: '#/components/x' }, { parameters: [{ name: 'id', in: 'path', required: true }] }));
    const item = fc.dictionary(fc.constantFrom('get', 'post', 'GET', 'parameters', '$ref', 'x-a', 'servers', 'other'), value, { maxKeys: 4 });
    const document = fc.record({
      paths: fc.oneof(fc.dictionary(pathKey, fc.oneof(item, value), { maxKeys: 5 }), value),
      servers: fc.oneof(fc.constant(undefined), fc.jsonValue({ maxDepth: 3 }), fc.array(fc.record({ url: fc.string({ maxLength: 20 }), variables: fc.jsonValue({ maxDepth: 3 }) }), { maxLength: 2 })),
      components: fc.oneof(fc.constant(undefined), fc.jsonValue({ maxDepth: 3 })),
    });
    fc.assert(
      fc.property(document, fc.boolean(), (d, asYaml) => {
        const json = JSON.stringify({ ...base, ...d });
        // YAML is a superset of JSON: a leading comment makes the YAML reader take the same document.
        expect(outcome(asYaml ? `# yaml\n${json}` : json)).toMatch(/^(ok|TONLE_ERR_OPENAPI_)/);
      }),
      { numRuns: 1000 },
    );
  });

  it('pathological nesting and alias chains end in bounded time with OpenApiError', () => {
    // Each of these made the yaml library exhaust the heap or run for minutes before nesting was bounded.
    const pathological = [
      '['.repeat(50_000),
      `# yaml\n${'{"a":'.repeat(50_000)}`,
      `a: ${'['.repeat(20_000)}`,
      '- '.repeat(20_000),
      `x: &a [${'*a,'.repeat(1000)}]`,
      Array.from({ length: 20_000 }, (_, i) => `k${i}: v`).join('\n'),
    ];
    for (const s of pathological) expect(outcome(s)).toMatch(/^TONLE_ERR_OPENAPI_/);
    expect(outcome('{"a":'.repeat(50_000))).toBe('TONLE_ERR_OPENAPI_SYNTAX');
  }, 120_000);
});

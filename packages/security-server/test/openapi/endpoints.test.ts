// The generated endpoints are what access control matches calls against: a concrete path that fills
// each template with one segment is admitted by the endpoint of its path and by no other.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { matchPathGlob, normalizeServicePath } from '../../src/access-control/index.ts';
import { parseOpenApi } from '../../src/openapi/index.ts';

const literal = fc.stringMatching(/^[a-z][a-z0-9_-]{0,7}$/);
const segment = fc.oneof(literal.map((s) => ({ kind: 'literal' as const, s })), literal.map((s) => ({ kind: 'template' as const, s })));
const value = fc.stringMatching(/^[A-Za-z0-9_-]{1,10}$/);

describe('generated endpoints and access control', () => {
  it('a call filling every template with one segment matches its endpoint; one more segment does not', () => {
    fc.assert(
      fc.property(fc.array(segment, { minLength: 1, maxLength: 6 }), fc.array(value, { minLength: 6, maxLength: 6 }), (segments, values) => {
        const names = segments.map((seg, i) => (seg.kind === 'template' ? `{${seg.s}${i}}` : seg.s));
        const path = `/${names.join('/')}`;
        const d = parseOpenApi(JSON.stringify({ openapi: '3.1.0', info: { title: 't', version: '1' }, paths: { [path]: { get: {} } } }));
        const glob = d.endpoints[0]!.path;
        const concrete = `/${segments.map((seg, i) => (seg.kind === 'template' ? values[i]! : seg.s)).join('/')}`;
        expect(matchPathGlob(glob, normalizeServicePath(concrete))).toBe(true);
        expect(matchPathGlob(glob, normalizeServicePath(`${concrete}/extra`))).toBe(false);
        if (segments.some((seg) => seg.kind === 'template')) {
          // A template never stands for several segments.
          const i = segments.findIndex((seg) => seg.kind === 'template');
          const widened = `/${segments.map((seg, j) => (j === i ? 'a/b' : seg.kind === 'template' ? values[j]! : seg.s)).join('/')}`;
          expect(matchPathGlob(glob, normalizeServicePath(widened))).toBe(false);
        }
      }),
      { numRuns: 300 },
    );
  });
});

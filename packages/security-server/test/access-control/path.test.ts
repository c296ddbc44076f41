import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { matchPathGlob, normalizeServicePath, validatePathGlob } from '../../src/access-control/index.ts';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    return (e as { code?: string }).code;
  }
}

describe('normalizeServicePath', () => {
  it.each([
    ['', '/'],
    ['/', '/'],
    ['/pets', '/pets'],
    ['/pets/', '/pets/'],
    ['//pets///1', '/pets/1'],
    ['/pets/./1', '/pets/1'],
    ['/pets/x/../1', '/pets/1'],
    ['/pets/%2e%2E/admin', '/admin'],
    ['/pets/%2E/1', '/pets/1'],
    ['/a/b/..', '/a/'],
    ['/a/b/.', '/a/b/'],
    ['/%7Euser/%41', '/~user/A'],
    ['/a%20b/%c3%a4', '/a%20b/%C3%A4'],
    ['/a/...', '/a/...'],
    ['/a;b/c', '/a;b/c'],
    ['/%c3%a4/%e2%82%ac', '/%C3%A4/%E2%82%AC'],
  ])('%s -> %s', (raw, normal) => {
    expect(normalizeServicePath(raw)).toBe(normal);
  });

  it.each([
    ['/pets/%2F..%2Fadmin', 'TONLE_ERR_ACL_PATH_ENCODED_SEPARATOR'],
    ['/pets/%2f', 'TONLE_ERR_ACL_PATH_ENCODED_SEPARATOR'],
    ['/pets/%5C..%5Cadmin', 'TONLE_ERR_ACL_PATH_ENCODED_SEPARATOR'],
    ['/pets\\..\\admin', 'TONLE_ERR_ACL_PATH_ENCODED_SEPARATOR'],
    ['/pets/%00', 'TONLE_ERR_ACL_PATH_NUL'],
    ['/pets/\0', 'TONLE_ERR_ACL_PATH_NUL'],
    ['/..', 'TONLE_ERR_ACL_PATH_ESCAPES_ROOT'],
    ['/a/../../b', 'TONLE_ERR_ACL_PATH_ESCAPES_ROOT'],
    ['/%2e%2e/b', 'TONLE_ERR_ACL_PATH_ESCAPES_ROOT'],
    ['/a%zz', 'TONLE_ERR_ACL_PATH_INVALID'],
    ['/a%', 'TONLE_ERR_ACL_PATH_INVALID'],
    ['/a?b=1', 'TONLE_ERR_ACL_PATH_INVALID'],
    ['/a b', 'TONLE_ERR_ACL_PATH_INVALID'],
    ['/public/..;/admin', 'TONLE_ERR_ACL_PATH_INVALID'],
    ['/public/..;jsessionid=1/admin', 'TONLE_ERR_ACL_PATH_INVALID'],
    ['/public/.%3b/admin', 'TONLE_ERR_ACL_PATH_INVALID'],
    ['/public/%2e%2e%3B/admin', 'TONLE_ERR_ACL_PATH_INVALID'],
    ['/public/%c0%ae%c0%ae/admin', 'TONLE_ERR_ACL_PATH_INVALID'],
    ['/public/%ff', 'TONLE_ERR_ACL_PATH_INVALID'],
    ['/public/%c3', 'TONLE_ERR_ACL_PATH_INVALID'],
  ])('refuses %s with %s', (raw, code) => {
    expect(codeOf(() => normalizeServicePath(raw))).toBe(code);
  });

  const segment = fc.oneof(
    fc.constantFrom('.', '..', '%2e', '%2E%2e', '', 'admin', 'public', '%2F', '%5c', '%00', '%41', '%7e', 'a%20b', '\\'),
    fc.stringMatching(/^[A-Za-z0-9._~%-]{0,6}$/),
  );
  const rawPath = fc.array(segment, { maxLength: 12 }).map((s) => `/${s.join('/')}`);

  it('yields a fixed point with no dot segments, no empty segments and no encoded separators', () => {
    fc.assert(
      fc.property(rawPath, (raw) => {
        let normal: string;
        try {
          normal = normalizeServicePath(raw);
        } catch (e) {
          expect((e as { code?: string }).code).toMatch(/^TONLE_ERR_ACL_PATH_/);
          return;
        }
        expect(normalizeServicePath(normal)).toBe(normal);
        const segments = normal.split('/').slice(1, normal.endsWith('/') ? -1 : undefined);
        for (const s of segments) {
          expect(s).not.toBe('');
          expect(['.', '..']).not.toContain(s);
        }
        expect(normal).not.toMatch(/%(2f|5c|00|2e)/i);
      }),
      { numRuns: 2000 },
    );
  });

  it('never lets a path escape the prefix a rule allows (XRDDEV-3054)', () => {
    // Reference resolution: decode every %2e, treat every separator the provider might see as "/".
    function reference(raw: string): string[] | undefined {
      const out: string[] = [];
      for (const s of raw.replace(/%2e/gi, '.').split('/')) {
        if (s === '' || s === '.') continue;
        if (s === '..') {
          if (out.length === 0) return undefined;
          out.pop();
        } else out.push(s);
      }
      return out;
    }
    fc.assert(
      fc.property(fc.array(segment, { maxLength: 10 }), (suffix) => {
        const raw = `/public/${suffix.join('/')}`;
        let normal: string;
        try {
          normal = normalizeServicePath(raw);
        } catch {
          return; // refused: nothing is forwarded
        }
        if (matchPathGlob('/public/**', normal)) {
          const resolved = reference(raw);
          expect(resolved?.[0]).toBe('public');
          expect(normal.startsWith('/public/')).toBe(true);
        }
      }),
      { numRuns: 3000 },
    );
  });
});

describe('path globs', () => {
  it.each([
    ['/pets/*', '/pets/1', true],
    ['/pets/*', '/pets/', true],
    ['/pets/*', '/pets/1/toys', false],
    ['/pets/**', '/pets/1/toys', true],
    ['/pets/**', '/petsX', false],
    ['/pets/*/toys', '/pets/7/toys', true],
    ['/pets/*/toys', '/pets/7/8/toys', false],
    ['/p*s', '/pets', true],
    ['/p*s', '/p/s', false],
    ['**', '/anything/at/all', true],
    ['/a.b', '/aXb', false],
    ['/a%7Eb', '/a~b', true],
    ['/v1/(x)', '/v1/(x)', true],
  ])('%s matches %s: %s', (glob, path, result) => {
    expect(matchPathGlob(glob, path)).toBe(result);
  });

  it.each(['', 'pets', '/a/../b', '/a/./b', '/a//b', '/a?x', '/a%2Fb', '/***', '/a\\b'])('refuses the glob %j', (glob) => {
    expect(codeOf(() => validatePathGlob(glob))).toBe('TONLE_ERR_ACL_GLOB_INVALID');
  });
});

describe('normalizeServicePath under fuzzing', () => {
  it('returns a path or throws a coded AccessControlError for any string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (raw) => {
        try {
          expect(normalizeServicePath(raw).startsWith('/')).toBe(true);
        } catch (e) {
          expect((e as { code?: string }).code).toMatch(/^TONLE_ERR_ACL_PATH_/);
        }
      }),
      { numRuns: 3000 },
    );
  });
});

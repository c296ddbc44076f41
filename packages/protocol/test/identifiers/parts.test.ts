import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodePart, encodePart } from '../../src/identifiers/parts.ts';

/** What encodePart computed before its fast path (pr-rest 4.2, RFC 3986 pchar). */
const reference = (value: string): string =>
  encodeURIComponent(value).replace(/%(21|24|26|27|28|29|2A|2B|2C|3B|3D|3A|40)/gi, (escape) => decodeURIComponent(escape));

describe('identifier parts: fast paths give the same results', () => {
  it('encodePart equals the full encoding for any text, including the characters it keeps', () => {
    const alphabet = fc.constantFrom(...`AZaz09-._~!$&'()*+,;=:@/?#%[] é€\u0000`.split(''));
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: alphabet }), fc.string({ unit: 'grapheme' }), fc.string()), (value) => {
        let expected: string | undefined;
        try {
          expected = reference(value);
        } catch {
          expected = undefined; // lone surrogates: encodeURIComponent throws, and so must encodePart
        }
        if (expected === undefined) expect(() => encodePart(value)).toThrow();
        else expect(encodePart(value)).toBe(expected);
      }),
    );
  });

  it('decodePart equals decodeURIComponent, and refuses bad escapes with a code', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: fc.constantFrom('%', '2', 'F', 'a', 'é', 'zz') })), (raw) => {
        let expected: string | undefined;
        try {
          expected = decodeURIComponent(raw);
        } catch {
          expected = undefined;
        }
        if (expected === undefined) expect(() => decodePart(raw, 'memberCode')).toThrow(expect.objectContaining({ code: expect.any(String) }));
        else expect(decodePart(raw, 'memberCode')).toBe(expected);
      }),
    );
  });
});

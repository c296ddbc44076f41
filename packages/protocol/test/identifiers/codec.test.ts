import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  IdentifierError,
  IdentifierErrorCode,
  describeId,
  formatClientId,
  formatGlobalGroupId,
  formatRepresentedParty,
  formatSecurityServerId,
  formatServiceId,
  formatServicePath,
  memberId,
  memberOf,
  parseClientId,
  parseGlobalGroupId,
  parseRepresentedParty,
  parseSecurityServerId,
  parseServiceId,
  parseServicePath,
  providerOf,
  sameId,
  serviceId,
  subsystemId,
  type IdentifierErrorCode as Code,
} from '@tonle/protocol';

function codeOf(fn: () => unknown): Code | 'no error' | 'other error' {
  try {
    fn();
    return 'no error';
  } catch (e) {
    return IdentifierError.is(e) ? e.code : 'other error';
  }
}

const strictChar = fc.constantFrom(..."ABCXYZabcxyz0189'()+,-.=?".split(''));
const strictPart = fc.string({ unit: strictChar, minLength: 1, maxLength: 20 });
const hasControl = (s: string): boolean => [...s].some((ch) => { const c = ch.codePointAt(0) ?? 0; return c < 0x20 || (c >= 0x7f && c <= 0x9f); });
const anyPart = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }).filter((s) => !hasControl(s));

describe('client identifiers', () => {
  it('parses member and subsystem forms', () => {
    expect(parseClientId('EE/GOV/70000001')).toEqual({ type: 'MEMBER', instance: 'EE', memberClass: 'GOV', memberCode: '70000001' });
    expect(parseClientId('EE/GOV/70000001/population')).toEqual(subsystemId('EE', 'GOV', '70000001', 'population'));
  });

  it('decodes each part on its own (pr-rest 4.2) and accepts a slash inside a part leniently', () => {
    const id = parseClientId('EE/GOV/consumer/sub%2Fsystem', { validation: 'lenient' });
    expect(id).toMatchObject({ memberCode: 'consumer', subsystemCode: 'sub/system' });
    expect(formatClientId(id)).toBe('EE/GOV/consumer/sub%2Fsystem');
  });

  it.each([
    ['EE/GOV', IdentifierErrorCode.WrongPartCount],
    ['EE/GOV/1/2/3', IdentifierErrorCode.WrongPartCount],
    ['EE//1', IdentifierErrorCode.EmptyPart],
    ['EE/GOV/a b', IdentifierErrorCode.InvalidCharacter],
    ['EE/GOV/a%ZZ', IdentifierErrorCode.BadPercentEncoding],
    ['EE/GOV/%E0%A4%A', IdentifierErrorCode.BadPercentEncoding],
    [`EE/GOV/${'x'.repeat(256)}`, IdentifierErrorCode.TooLong],
    ['EE/GOV/sub%2Fsystem', IdentifierErrorCode.InvalidCharacter],
  ])('rejects %j with %s', (text, code) => {
    expect(codeOf(() => parseClientId(text))).toBe(code);
  });

  it('rejects control characters even leniently, and non-strings', () => {
    expect(codeOf(() => parseClientId('EE/GOV/a%09b', { validation: 'lenient' }))).toBe(IdentifierErrorCode.InvalidCharacter);
    expect(codeOf(() => parseClientId(42 as unknown as string))).toBe(IdentifierErrorCode.NotAString);
    expect(codeOf(() => memberId('EE', 'GOV', undefined as unknown as string))).toBe(IdentifierErrorCode.NotAString);
  });

  it('names the part that is wrong', () => {
    try {
      parseClientId('EE/GOV/ok/bad part');
      expect.unreachable();
    } catch (e) {
      expect(IdentifierError.is(e) && e.part).toBe('subsystemCode');
    }
  });

  it('round-trips every strict identifier', () => {
    fc.assert(
      fc.property(fc.tuple(strictPart, strictPart, strictPart, fc.option(strictPart, { nil: undefined })), ([i, c, m, s]) => {
        const id = s === undefined ? memberId(i, c, m) : subsystemId(i, c, m, s);
        expect(parseClientId(formatClientId(id))).toEqual(id);
      }),
    );
  });

  it('round-trips every lenient identifier, whatever its characters', () => {
    fc.assert(
      fc.property(fc.tuple(anyPart, anyPart, anyPart, anyPart, anyPart), ([i, c, m, s, code]) => {
        const lenient = { validation: 'lenient' } as const;
        const svc = serviceId(i, c, m, s, code, lenient);
        expect(parseServiceId(formatServiceId(svc), lenient)).toEqual(svc);
        const parsed = parseServicePath(formatServicePath(svc, '/a/b', 'q=1'), lenient);
        expect(parsed.service).toEqual(svc);
        expect(parsed.path).toBe('/a/b');
        expect(parsed.query).toBe('q=1');
      }),
    );
  });

  it('never throws anything but IdentifierError, whatever the input', () => {
    const parsers = [parseClientId, parseServiceId, parseSecurityServerId, parseGlobalGroupId, parseRepresentedParty, parseServicePath];
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.string({ unit: fc.constantFrom('/', '%', 'r', '1', 'A', '2', 'F', '?', ' ') }), fc.anything()),
        fc.constantFrom('strict', 'lenient'),
        (input, validation) => {
          for (const parse of parsers) {
            const outcome = codeOf(() => parse(input as string, { validation }));
            expect(outcome).not.toBe('other error');
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('service paths (client proxy request targets)', () => {
  it('splits service, raw path and raw query, keeping encoded characters in the path', () => {
    const parsed = parseServicePath('/r1/EE/GOV/1234/TestService/mock1/path%3B/x?quu=1&a=%20');
    expect(formatServiceId(parsed.service)).toBe('EE/GOV/1234/TestService/mock1');
    expect(parsed.path).toBe('/path%3B/x');
    expect(parsed.query).toBe('quu=1&a=%20');
  });

  it('keeps an empty trailing path and distinguishes it from none', () => {
    expect(parseServicePath('/r1/EE/GOV/1/sub/svc').path).toBe('');
    expect(parseServicePath('/r1/EE/GOV/1/sub/svc/').path).toBe('/');
    expect(parseServicePath('/r1/EE/GOV/1/sub/svc?').query).toBe('');
  });

  it('decodes UTF-8 service codes leniently', () => {
    const parsed = parseServicePath(`/r1/EE/GOV/1/sub/${encodeURIComponent('päring')}`, { validation: 'lenient' });
    expect(parsed.service.serviceCode).toBe('päring');
  });

  it.each([
    ['/r1/invalid', IdentifierErrorCode.WrongPartCount],
    ['/r1/EE/GOV/1/sub', IdentifierErrorCode.WrongPartCount],
    ['/r2/EE/GOV/1/sub/svc', IdentifierErrorCode.UnsupportedProtocolVersion],
    ['/rest/EE/GOV/1/sub/svc', IdentifierErrorCode.InvalidProtocolVersion],
    ['r1/EE/GOV/1/sub/svc', IdentifierErrorCode.InvalidPath],
    [`/r1/EE/GOV/1/sub/svc/${'a'.repeat(5000)}`, IdentifierErrorCode.InvalidPath],
    ['/r1/EE/GOV//sub/svc', IdentifierErrorCode.EmptyPart],
  ])('rejects %j with %s', (target, code) => {
    expect(codeOf(() => parseServicePath(target))).toBe(code);
  });

  it('refuses to format a path that does not start with a slash', () => {
    expect(() => formatServicePath(serviceId('EE', 'GOV', '1', 's', 'c'), 'x')).toThrow(TypeError);
  });
});

describe('other identifier forms', () => {
  it('security servers, global groups and represented parties round-trip', () => {
    expect(formatSecurityServerId(parseSecurityServerId('EE/GOV/1/ss1'))).toBe('EE/GOV/1/ss1');
    expect(codeOf(() => parseSecurityServerId('EE/GOV/1'))).toBe(IdentifierErrorCode.WrongPartCount);
    expect(formatGlobalGroupId(parseGlobalGroupId('EE/security-server-owners'))).toBe('EE/security-server-owners');
    expect(parseRepresentedParty('COM/12345')).toEqual({ partyClass: 'COM', partyCode: '12345' });
    expect(parseRepresentedParty('12345')).toEqual({ partyCode: '12345' });
    expect(formatRepresentedParty(parseRepresentedParty('COM/12345'))).toBe('COM/12345');
    expect(codeOf(() => parseRepresentedParty('a/b/c'))).toBe(IdentifierErrorCode.WrongPartCount);
  });

  it('describes, compares and relates identifiers', () => {
    const svc = parseServiceId('EE/GOV/1/population/persons');
    expect(describeId(svc)).toBe('SERVICE:EE/GOV/1/population/persons');
    expect(describeId(providerOf(svc))).toBe('SUBSYSTEM:EE/GOV/1/population');
    expect(sameId(memberOf(svc), memberId('EE', 'GOV', '1'))).toBe(true);
    expect(sameId(memberOf(svc), providerOf(svc))).toBe(false);
  });

  it('returns frozen identifiers', () => {
    expect(Object.isFrozen(parseClientId('EE/GOV/1/a'))).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  GlobalConfError,
  formatConfigurationAnchor,
  parseConfigurationAnchor,
  signGlobalConfiguration,
  trustAfter,
  validateGlobalConfiguration,
  verifyGlobalConfiguration,
  type GlobalConfErrorCode,
} from '@tonle/protocol';
import { T0, anchorFor, documentFor, fixedClock, newKey } from './fixtures.ts';

async function codeOf(promise: Promise<unknown>): Promise<GlobalConfErrorCode | 'ok' | 'other'> {
  try {
    await promise;
    return 'ok';
  } catch (e) {
    return e instanceof GlobalConfError ? e.code : 'other';
  }
}

function issuesOf(fn: () => unknown): { code: string; paths: string[] } {
  try {
    fn();
  } catch (e) {
    if (e instanceof GlobalConfError) return { code: e.code, paths: e.issues.map((i) => i.path) };
    throw e;
  }
  throw new Error('expected a GlobalConfError');
}

describe('validateGlobalConfiguration', () => {
  it('accepts a complete document and freezes it deeply', async () => {
    const k = await newKey('k1');
    const doc = validateGlobalConfiguration(JSON.parse(JSON.stringify(documentFor({ keys: [{ ...k.verification, status: 'current' }] }))));
    expect(Object.isFrozen(doc)).toBe(true);
    expect(Object.isFrozen(doc.securityServers[0]!.clients)).toBe(true);
  });

  it('names the path of unknown fields, wrong types, bad identifiers and duplicates, all at once', async () => {
    const k = await newKey('k1');
    const doc = JSON.parse(JSON.stringify(documentFor({ keys: [{ ...k.verification, status: 'current' }] })));
    doc.extra = 1;
    doc.securityServers[0].address = 42;
    doc.members[0].memberCode = 'bad/code';
    doc.members.push({ ...doc.members[1] });
    const { code, paths } = issuesOf(() => validateGlobalConfiguration(doc));
    expect(code).toBe('TONLE_ERR_GCONF_INVALID');
    expect(paths).toEqual(expect.arrayContaining(['$.extra', '$.securityServers[0].address', '$.members[0].memberCode', '$.members[2]']));
  });

  it('refuses references to unknown member classes, owners and clients', async () => {
    const k = await newKey('k1');
    const doc = JSON.parse(JSON.stringify(documentFor({ keys: [{ ...k.verification, status: 'current' }] })));
    doc.members[1].memberClass = 'NGO';
    doc.securityServers[0].clients.push({ memberClass: 'GOV', memberCode: '123', subsystemCode: 'nope' });
    const { paths } = issuesOf(() => validateGlobalConfiguration(doc));
    expect(paths).toEqual(expect.arrayContaining(['$.members[1].memberClass', '$.securityServers[0].clients[1]']));
  });

  it('refuses a private key inside an announced key', async () => {
    const k = await newKey('k1');
    const doc = JSON.parse(JSON.stringify(documentFor({ keys: [{ ...k.verification, status: 'current' }] })));
    doc.sources[0].verificationKeys[0].publicKey.d = 'AAAA';
    expect(issuesOf(() => validateGlobalConfiguration(doc)).paths).toContain('$.sources[0].verificationKeys[0].publicKey.d');
  });

  it('never throws anything but GlobalConfError on arbitrary JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        try {
          validateGlobalConfiguration(value);
        } catch (e) {
          expect(e).toBeInstanceOf(GlobalConfError);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('configuration anchor file', () => {
  it('round-trips and refuses unknown fields and non-JSON', async () => {
    const k = await newKey('k1');
    const anchor = anchorFor([k.verification]);
    expect(parseConfigurationAnchor(formatConfigurationAnchor(anchor))).toEqual(anchor);
    expect(issuesOf(() => parseConfigurationAnchor(JSON.stringify({ ...anchor, pin: '1234' }))).paths).toEqual(['$.pin']);
    expect(issuesOf(() => parseConfigurationAnchor('{')).code).toBe('TONLE_ERR_GCONF_ANCHOR_INVALID');
    expect(issuesOf(() => parseConfigurationAnchor(JSON.stringify({ ...anchor, sources: [] }))).paths).toEqual(['$.sources']);
  });
});

describe('verifyGlobalConfiguration', () => {
  it('accepts a configuration signed with an anchor key and returns it frozen', async () => {
    for (const alg of ['ES256', 'EdDSA', 'PS256'] as const) {
      const k = await newKey(`k-${alg}`, alg);
      const jws = await signGlobalConfiguration(documentFor({ keys: [{ ...k.verification, status: 'current' }] }), k.signing);
      const conf = await verifyGlobalConfiguration(jws, anchorFor([k.verification]), { clock: fixedClock(T0 + 1000) });
      expect(conf.document.version).toBe(1);
      expect(conf.signedBy).toBe(`k-${alg}`);
      expect(conf.expiresAtMs).toBe(T0 + 600_000);
      expect(Object.isFrozen(conf.document.members)).toBe(true);
    }
  });

  it('refuses every single-byte change of the JWS with a precise code', async () => {
    const k = await newKey('k1');
    const jws = await signGlobalConfiguration(documentFor({ keys: [{ ...k.verification, status: 'current' }] }), k.signing);
    const anchor = anchorFor([k.verification]);
    const allowed = new Set(['TONLE_ERR_GCONF_MALFORMED', 'TONLE_ERR_GCONF_BAD_SIGNATURE', 'TONLE_ERR_GCONF_UNTRUSTED_KEY', 'TONLE_ERR_GCONF_BAD_ALGORITHM']);
    const seen = new Set<string>();
    // Every position, each flipped to a different base64url character (and once to a non-base64 one).
    for (let i = 0; i < jws.length; i += 1) {
      const c = jws[i]!;
      const replacement = c === '.' ? 'A' : c === 'A' ? 'B' : 'A';
      const tampered = jws.slice(0, i) + replacement + jws.slice(i + 1);
      if (tampered === jws) continue;
      const code = await codeOf(verifyGlobalConfiguration(tampered, anchor, { clock: fixedClock(T0) }));
      expect(allowed.has(code), `position ${i}: ${code}`).toBe(true);
      seen.add(code);
    }
    expect(seen.has('TONLE_ERR_GCONF_BAD_SIGNATURE')).toBe(true);
  });

  it('refuses expired, future, foreign-instance, rolled-back and wrongly typed configurations', async () => {
    const k = await newKey('k1');
    const keys = [{ ...k.verification, status: 'current' as const }];
    const anchor = anchorFor([k.verification]);
    const jws = await signGlobalConfiguration(documentFor({ keys, version: 5 }), k.signing);
    expect(await codeOf(verifyGlobalConfiguration(jws, anchor, { clock: fixedClock(T0 + 600_000) }))).toBe('TONLE_ERR_GCONF_EXPIRED');
    expect(await codeOf(verifyGlobalConfiguration(jws, anchor, { clock: fixedClock(T0 + 600_000), allowExpired: true }))).toBe('ok');
    expect(await codeOf(verifyGlobalConfiguration(jws, anchor, { clock: fixedClock(T0 - 3_600_000) }))).toBe('TONLE_ERR_GCONF_NOT_YET_VALID');
    expect(await codeOf(verifyGlobalConfiguration(jws, anchorFor([k.verification], 'OTHER'), { clock: fixedClock(T0) }))).toBe('TONLE_ERR_GCONF_WRONG_INSTANCE');
    const trust = { instanceIdentifier: 'TEST', keys: [k.verification], minVersion: 6 };
    expect(await codeOf(verifyGlobalConfiguration(jws, trust, { clock: fixedClock(T0) }))).toBe('TONLE_ERR_GCONF_VERSION_ROLLBACK');
    expect(await codeOf(verifyGlobalConfiguration('not a jws', anchor, { clock: fixedClock(T0) }))).toBe('TONLE_ERR_GCONF_MALFORMED');
    const other = await newKey('k2');
    expect(await codeOf(verifyGlobalConfiguration(jws, anchorFor([other.verification]), { clock: fixedClock(T0) }))).toBe('TONLE_ERR_GCONF_UNTRUSTED_KEY');
    // Same kid, different key: the signature check fails.
    expect(await codeOf(verifyGlobalConfiguration(jws, anchorFor([{ ...other.verification, kid: 'k1' }]), { clock: fixedClock(T0) }))).toBe('TONLE_ERR_GCONF_BAD_SIGNATURE');
  });

  it('follows a key rotation announced in the configuration and refuses the retired key afterwards', async () => {
    const k1 = await newKey('k1');
    const k2 = await newKey('k2', 'EdDSA');
    const anchor = anchorFor([k1.verification]);
    const clock = fixedClock(T0 + 1000);
    const announce = await signGlobalConfiguration(
      documentFor({ version: 1, keys: [{ ...k1.verification, status: 'current' }, { ...k2.verification, status: 'next' }] }),
      k1.signing,
    );
    const first = await verifyGlobalConfiguration(announce, anchor, { clock });
    const switched = await signGlobalConfiguration(documentFor({ version: 2, keys: [{ ...k2.verification, status: 'current' }] }), k2.signing);
    // The anchor alone does not know k2; the announcing configuration does.
    expect(await codeOf(verifyGlobalConfiguration(switched, anchor, { clock }))).toBe('TONLE_ERR_GCONF_UNTRUSTED_KEY');
    const second = await verifyGlobalConfiguration(switched, trustAfter(first), { clock });
    expect(second.signedBy).toBe('k2');
    const old = await signGlobalConfiguration(documentFor({ version: 3, keys: [{ ...k1.verification, status: 'current' }] }), k1.signing);
    expect(await codeOf(verifyGlobalConfiguration(old, trustAfter(second), { clock }))).toBe('TONLE_ERR_GCONF_UNTRUSTED_KEY');
  });

  it('never throws anything but GlobalConfError on arbitrary input', async () => {
    const k = await newKey('k1');
    const anchor = anchorFor([k.verification]);
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string(), fc.stringMatching(/^[A-Za-z0-9_-]{1,40}\.[A-Za-z0-9_-]{1,40}\.[A-Za-z0-9_-]{1,40}$/)), async (text) => {
        expect(['other', 'ok']).not.toContain(await codeOf(verifyGlobalConfiguration(text, anchor, { clock: fixedClock(T0) })));
      }),
      { numRuns: 200 },
    );
  });
});

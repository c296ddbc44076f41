import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { memberId } from '@tonle/protocol';
import { createSoftwareToken, type SoftwareToken } from '../../src/token/index.ts';
import { createKeyManager, KeysError, type KeyManager } from '../../src/keys/index.ts';

const clock = { now: () => 1_800_000_000_000 };
let dir: string;
let token: SoftwareToken;
let keys: KeyManager;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tonle-keys-rob-'));
  token = await createSoftwareToken({ directory: join(dir, 'token'), clock });
  await token.initialize('robust-pin');
  await token.login('robust-pin');
  keys = await createKeyManager({ token, path: join(dir, 'keys.json'), clock, instance: 'EE', ocsp: { check: async () => ({ status: 'good' }) } });
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('key manager robustness', () => {
  it('refuses random bytes and random PEM as certificates with a code, never a crash', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ maxLength: 300 }),
          fc.uint8Array({ maxLength: 200 }).map((b) => `-----BEGIN CERTIFICATE-----\n${Buffer.from(b).toString('base64')}\n-----END CERTIFICATE-----\n`),
          fc.string({ maxLength: 100 }),
        ),
        async (input) => {
          const err = await keys.importCertificate(input).then(() => undefined, (e: unknown) => e);
          expect(err).toBeInstanceOf(KeysError);
          expect((err as KeysError).code).toBe('TONLE_ERR_KEYS_INVALID_CERTIFICATE');
        },
      ),
      { numRuns: 150 },
    );
  });

  it('concurrent key generation loses nothing (token and keys.json agree after a reopen)', async () => {
    const made = await Promise.all(Array.from({ length: 8 }, (_, i) => keys.generateKey({ usage: i % 2 === 0 ? 'AUTH' : 'SIGN', spec: 'P-256', ...(i % 2 === 0 ? {} : { memberId: memberId('EE', 'GOV', '1234') }) })));
    const reopenedToken = await createSoftwareToken({ directory: join(dir, 'token'), clock });
    const reopened = await createKeyManager({ token: reopenedToken, path: join(dir, 'keys.json'), clock, instance: 'EE', ocsp: { check: async () => ({ status: 'good' }) } });
    expect(new Set(reopened.listKeys().map((k) => k.id))).toEqual(new Set(made.map((k) => k.id)));
    expect(new Set(reopenedToken.listKeys().map((k) => k.id))).toEqual(new Set(made.map((k) => k.id)));
    await reopenedToken.login('robust-pin');
    for (const k of made) expect(reopenedToken.privateKey(k.id).type).toBe('private');
  });

  it('never puts the PIN in an error message', async () => {
    const pins = ['secret-pin-one', 'another-secret'];
    for (const p of pins) {
      const e = await token.login(p).then(() => undefined, (x: unknown) => x as Error);
      expect(e?.message).not.toContain(p);
      const weak = await token.changePin('robust-pin', 'x').then(() => undefined, (x: unknown) => x as Error);
      expect(weak?.message).not.toContain('robust-pin');
    }
  });
});

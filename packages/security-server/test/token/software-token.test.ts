import { createPublicKey, verify, constants } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compactVerify, importSPKI } from 'jose';
import { pemLabels } from '@tonle/pki';
import { createSoftwareToken, type TokenError } from '../../src/token/index.ts';

const PIN = 'correct-horse';
let dir: string;
let now = 1_800_000_000_000;
const clock = { now: () => now };

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tonle-token-'));
  now = 1_800_000_000_000;
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function codeOf(p: Promise<unknown> | (() => unknown)): Promise<string | undefined> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    return (e as TokenError).code;
  }
  return undefined;
}

describe('software token', () => {
  it('refuses everything before initialisation and while logged out', async () => {
    const token = await createSoftwareToken({ directory: dir, clock });
    expect(token.status()).toMatchObject({ initialized: false, loggedIn: false });
    expect(await codeOf(token.login(PIN))).toBe('TONLE_ERR_TOKEN_NOT_INITIALIZED');
    await token.initialize(PIN);
    expect(await codeOf(token.initialize(PIN))).toBe('TONLE_ERR_TOKEN_ALREADY_INITIALIZED');
    expect(await codeOf(token.generateKey({ spec: 'P-256' }))).toBe('TONLE_ERR_TOKEN_LOGGED_OUT');
    await token.login(PIN);
    const key = await token.generateKey({ spec: 'P-256', label: 'sign' });
    token.logout();
    expect(await codeOf(token.sign(key.id, 'ES256', new Uint8Array([1])))).toBe('TONLE_ERR_TOKEN_LOGGED_OUT');
    expect(await codeOf(() => token.privateKey(key.id))).toBe('TONLE_ERR_TOKEN_LOGGED_OUT');
  });

  it('enforces the PIN policy', async () => {
    const token = await createSoftwareToken({ directory: dir, clock });
    expect(await codeOf(token.initialize('123'))).toBe('TONLE_ERR_TOKEN_WEAK_PIN');
    expect(await codeOf(token.initialize('abc\ndef'))).toBe('TONLE_ERR_TOKEN_WEAK_PIN');
  });

  it('keeps keys encrypted at rest and signs with every algorithm (jose verifies)', async () => {
    const token = await createSoftwareToken({ directory: dir, clock });
    await token.initialize(PIN);
    await token.login(PIN);
    const data = new TextEncoder().encode('header.payload');
    const cases = [
      ['P-256', 'ES256'],
      ['Ed25519', 'EdDSA'],
      ['RSA-2048', 'PS256'],
      ['RSA-2048', 'RS256'],
    ] as const;
    for (const [spec, alg] of cases) {
      const key = await token.generateKey({ spec });
      expect(key.id).toMatch(/^[0-9a-f]{40}$/);
      const sig = await token.sign(key.id, alg, data);
      const pub = createPublicKey({ key: Buffer.from(key.spki), format: 'der', type: 'spki' });
      const ok =
        alg === 'ES256'
          ? verify('sha256', data, { key: pub, dsaEncoding: 'ieee-p1363' }, sig)
          : alg === 'PS256'
            ? verify('sha256', data, { key: pub, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, sig)
            : verify(alg === 'EdDSA' ? null : 'sha256', data, pub, sig);
      expect(ok).toBe(true);
      // jose agrees with what node:crypto produced (HELPERS.md).
      const header = Buffer.from(JSON.stringify({ alg })).toString('base64url');
      const payload = Buffer.from('{"x":1}').toString('base64url');
      const input = new TextEncoder().encode(`${header}.${payload}`);
      const jws = `${header}.${payload}.${Buffer.from(await token.sign(key.id, alg, input)).toString('base64url')}`;
      const spkiPem = pub.export({ format: 'pem', type: 'spki' }) as string;
      await expect(compactVerify(jws, await importSPKI(spkiPem, alg))).resolves.toBeDefined();
    }
    expect(await codeOf(token.sign(token.listKeys()[0]!.id, 'PS256', data))).toBe('TONLE_ERR_TOKEN_UNSUPPORTED_ALGORITHM');
    const files = await readdir(join(dir, 'keys'));
    expect(files).toHaveLength(4);
    for (const f of files) {
      const pem = await readFile(join(dir, 'keys', f), 'utf8');
      expect(pemLabels(pem)).toEqual(['ENCRYPTED PRIVATE KEY']);
    }
    const meta = await readFile(join(dir, 'token.json'), 'utf8');
    expect(meta).not.toContain(PIN);
    const { stat } = await import('node:fs/promises');
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    expect((await stat(join(dir, 'keys'))).mode & 0o777).toBe(0o700);
    for (const f of files) expect((await stat(join(dir, 'keys', f))).mode & 0o777).toBe(0o600);
  });

  it('survives a restart logged out, and logs in again with the PIN', async () => {
    const t1 = await createSoftwareToken({ directory: dir, clock });
    await t1.initialize(PIN);
    await t1.login(PIN);
    const key = await t1.generateKey({ spec: 'P-256' });
    const t2 = await createSoftwareToken({ directory: dir, clock });
    expect(t2.status()).toMatchObject({ initialized: true, loggedIn: false });
    expect(t2.listKeys().map((k) => k.id)).toEqual([key.id]);
    await t2.login(PIN);
    await expect(t2.sign(key.id, 'ES256', new Uint8Array([1]))).resolves.toHaveLength(64);
  });

  it('counts wrong PINs, locks after N, persists the lock across restarts, and unlocks after the delay', async () => {
    const token = await createSoftwareToken({ directory: dir, clock, maxPinAttempts: 3, lockoutMs: 60_000 });
    await token.initialize(PIN);
    expect(await codeOf(token.login('wrong-pin-1'))).toBe('TONLE_ERR_TOKEN_WRONG_PIN');
    expect(await codeOf(token.login('wrong-pin-2'))).toBe('TONLE_ERR_TOKEN_WRONG_PIN');
    expect(token.status().failedAttempts).toBe(2);
    expect(await codeOf(token.login('wrong-pin-3'))).toBe('TONLE_ERR_TOKEN_LOCKED');
    // Locked: even the right PIN is refused.
    expect(await codeOf(token.login(PIN))).toBe('TONLE_ERR_TOKEN_LOCKED');
    const restarted = await createSoftwareToken({ directory: dir, clock, maxPinAttempts: 3, lockoutMs: 60_000 });
    expect(await codeOf(restarted.login(PIN))).toBe('TONLE_ERR_TOKEN_LOCKED');
    expect(restarted.status().lockedUntil).toBe(now + 60_000);
    now += 60_001;
    await restarted.login(PIN);
    expect(restarted.status()).toMatchObject({ loggedIn: true, failedAttempts: 0 });
  });

  it('changes the PIN: old PIN refused, keys still usable, no stale key files', async () => {
    const token = await createSoftwareToken({ directory: dir, clock });
    await token.initialize(PIN);
    await token.login(PIN);
    const key = await token.generateKey({ spec: 'Ed25519' });
    await token.changePin(PIN, 'new-pin-123');
    token.logout();
    expect(await codeOf(token.login(PIN))).toBe('TONLE_ERR_TOKEN_WRONG_PIN');
    await token.login('new-pin-123');
    await expect(token.sign(key.id, 'EdDSA', new Uint8Array([2]))).resolves.toHaveLength(64);
    expect(await readdir(join(dir, 'keys'))).toEqual([`${key.id}.1.pem`]);
  });

  it('refuses a corrupt token file and a swapped key file', async () => {
    const token = await createSoftwareToken({ directory: dir, clock });
    await token.initialize(PIN);
    await token.login(PIN);
    const a = await token.generateKey({ spec: 'P-256' });
    const b = await token.generateKey({ spec: 'P-256' });
    await writeFile(join(dir, 'keys', `${a.id}.0.pem`), await readFile(join(dir, 'keys', `${b.id}.0.pem`)));
    const reopened = await createSoftwareToken({ directory: dir, clock });
    expect(await codeOf(reopened.login(PIN))).toBe('TONLE_ERR_TOKEN_CORRUPT');
    await writeFile(join(dir, 'token.json'), '{"schemaVersion":1}');
    expect(await codeOf(createSoftwareToken({ directory: dir, clock }))).toBe('TONLE_ERR_TOKEN_CORRUPT');
  });

  it('deletes keys and refuses unknown ones', async () => {
    const token = await createSoftwareToken({ directory: dir, clock });
    await token.initialize(PIN);
    await token.login(PIN);
    const key = await token.generateKey({ spec: 'P-256' });
    await token.deleteKey(key.id);
    expect(token.listKeys()).toEqual([]);
    expect(await codeOf(token.deleteKey(key.id))).toBe('TONLE_ERR_TOKEN_KEY_NOT_FOUND');
    expect(await codeOf(token.generateKey({ spec: 'DSA' as never }))).toBe('TONLE_ERR_TOKEN_UNSUPPORTED_ALGORITHM');
  });
});

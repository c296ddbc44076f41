import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verify } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { memberId, securityServerId } from '@tonle/protocol';
import { parseCsr, nameValues } from '@tonle/pki';
import { createSoftwareToken, type SoftwareToken } from '../../src/token/index.ts';
import { createKeyManager, type KeyManager, type OcspStatus } from '../../src/keys/index.ts';
import { createCa } from './test-ca.ts';

const PIN = 'token-pin-1';
const OWNER = memberId('EE', 'GOV', '1234');
const SERVER = securityServerId('EE', 'GOV', '1234', 'ss1');
let dir: string;
let now: number;
const clock = { now: () => now };
let token: SoftwareToken;
let keys: KeyManager;
const verdicts = new Map<string, OcspStatus>();
let ocspCalls = 0;
const ocsp = {
  async check(der: Uint8Array) {
    ocspCalls++;
    const { createHash } = await import('node:crypto');
    return { status: verdicts.get(createHash('sha256').update(der).digest('hex')) ?? ('unknown' as OcspStatus) };
  },
};

async function codeOf(p: Promise<unknown> | (() => unknown)): Promise<string | undefined> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
}

beforeEach(async () => {
  now = 1_800_000_000_000;
  dir = await mkdtemp(join(tmpdir(), 'tonle-keys-'));
  token = await createSoftwareToken({ directory: join(dir, 'token'), clock });
  await token.initialize(PIN);
  await token.login(PIN);
  keys = await createKeyManager({ token, path: join(dir, 'keys.json'), clock, ocsp, instance: 'EE' });
  verdicts.clear();
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('key manager', () => {
  it('generates keys with a usage, refuses bad requests', async () => {
    const sign = await keys.generateKey({ usage: 'SIGN', spec: 'P-256', memberId: OWNER });
    expect(sign).toMatchObject({ usage: 'SIGN', memberId: 'EE/GOV/1234', spec: 'P-256' });
    const auth = await keys.generateKey({ usage: 'AUTH', spec: 'RSA-2048' });
    expect(auth.usage).toBe('AUTH');
    expect(await codeOf(keys.generateKey({ usage: 'SIGN', spec: 'P-256' }))).toBe('TONLE_ERR_KEYS_INVALID_REQUEST');
    expect(await codeOf(keys.generateKey({ usage: 'SIGN', spec: 'P-256', memberId: memberId('FI', 'GOV', '1') }))).toBe('TONLE_ERR_KEYS_MEMBER_MISMATCH');
    expect(await codeOf(keys.generateKey({ usage: 'AUTH', spec: 'P-256', memberId: OWNER }))).toBe('TONLE_ERR_KEYS_INVALID_REQUEST');
    expect(await codeOf(keys.generateKey({ usage: 'X' as never, spec: 'P-256' }))).toBe('TONLE_ERR_KEYS_INVALID_REQUEST');
    const reopened = await createKeyManager({ token, path: join(dir, 'keys.json'), clock, ocsp, instance: 'EE' });
    expect(reopened.listKeys().map((k) => k.id)).toEqual([sign.id, auth.id]);
  });

  it('creates CSRs with the profile subject, imports matching certificates, activates only with good OCSP', async () => {
    const ca = await createCa(now);
    const sign = await keys.generateKey({ usage: 'SIGN', spec: 'P-256', memberId: OWNER });
    const auth = await keys.generateKey({ usage: 'AUTH', spec: 'Ed25519' });
    const signCsr = await keys.createCsr({ keyId: sign.id });
    const authCsr = await keys.createCsr({ keyId: auth.id, server: SERVER });
    const parsedSign = parseCsr(Buffer.from(signCsr.der, 'base64'));
    expect(nameValues(parsedSign.subject, 'C')).toEqual(['EE']);
    expect(nameValues(parsedSign.subject, 'O')).toEqual(['GOV']);
    expect(nameValues(parsedSign.subject, 'CN')).toEqual(['1234']);
    expect(nameValues(parseCsr(Buffer.from(authCsr.der, 'base64')).subject, 'CN')).toEqual(['ss1']);
    expect(await codeOf(keys.createCsr({ keyId: auth.id }))).toBe('TONLE_ERR_KEYS_INVALID_REQUEST');
    expect(await codeOf(keys.createCsr({ keyId: sign.id, profile: 'nope' }))).toBe('TONLE_ERR_KEYS_INVALID_REQUEST');

    const signCert = await keys.importCertificate(await ca.issue(Buffer.from(signCsr.der, 'base64')));
    expect(signCert).toMatchObject({ keyId: sign.id, usage: 'SIGN', status: 'SAVED', active: false, memberId: 'EE/GOV/1234' });
    expect(keys.listCsrs().some((c) => c.keyId === sign.id)).toBe(false);
    expect(await codeOf(keys.importCertificate(Buffer.from(signCert.der, 'base64')))).toBe('TONLE_ERR_KEYS_DUPLICATE');

    // Not usable before activation; activation refused without a good OCSP status.
    expect(await codeOf(() => keys.signerFor(OWNER))).toBe('TONLE_ERR_KEYS_NO_ACTIVE_CERTIFICATE');
    expect(await codeOf(keys.activateCertificate(signCert.hash))).toBe('TONLE_ERR_KEYS_OCSP_NOT_GOOD');
    verdicts.set(signCert.hash, 'revoked');
    expect(await codeOf(keys.activateCertificate(signCert.hash))).toBe('TONLE_ERR_KEYS_OCSP_NOT_GOOD');
    expect(keys.getCertificate(signCert.hash)?.ocsp?.status).toBe('revoked');
    verdicts.set(signCert.hash, 'good');
    const active = await keys.activateCertificate(signCert.hash);
    expect(active.active).toBe(true);
    const signer = keys.signerFor(OWNER);
    const data = new TextEncoder().encode('to be signed');
    const sig = await signer.sign(data);
    expect(signer.algorithm).toBe('ES256');
    const { parseCertificate } = await import('@tonle/pki');
    expect(verify('sha256', data, { key: parseCertificate(signer.certificateChain[0]!).publicKey, dsaEncoding: 'ieee-p1363' }, sig)).toBe(true);
    token.logout();
    expect(await codeOf(() => keys.signerFor(OWNER))).toBe('TONLE_ERR_TOKEN_LOGGED_OUT');
    await token.login(PIN);

    // Auth certificate: SAVED -> REGISTRATION_IN_PROGRESS -> REGISTERED by global configuration.
    const authCert = await keys.importCertificate(await ca.issue(Buffer.from(authCsr.der, 'base64'), { usage: 'AUTH' }));
    verdicts.set(authCert.hash, 'good');
    await keys.activateCertificate(authCert.hash);
    expect(await codeOf(() => keys.authCredentials())).toBe('TONLE_ERR_KEYS_NO_ACTIVE_CERTIFICATE');
    await keys.setCertificateStatus(authCert.hash, 'REGISTRATION_IN_PROGRESS', ['SAVED']);
    expect(await codeOf(keys.setCertificateStatus(authCert.hash, 'REGISTRATION_IN_PROGRESS', ['SAVED']))).toBe('TONLE_ERR_KEYS_INVALID_STATE');
    await keys.syncWithGlobalConf(new Set());
    expect(keys.getCertificate(authCert.hash)?.status).toBe('REGISTRATION_IN_PROGRESS');
    await keys.syncWithGlobalConf(new Set([authCert.hash]));
    expect(keys.getCertificate(authCert.hash)?.status).toBe('REGISTERED');
    expect(keys.authCredentials().keyId).toBe(auth.id);
    expect(await codeOf(keys.deleteCertificate(authCert.hash))).toBe('TONLE_ERR_KEYS_INVALID_STATE');
    await keys.syncWithGlobalConf(new Set());
    expect(keys.getCertificate(authCert.hash)?.status).toBe('GLOBAL_ERROR');
  });

  it('refuses a certificate that matches no key, garbage, an expired one, or one naming another member', async () => {
    const ca = await createCa(now);
    const other = await createSoftwareToken({ directory: join(dir, 'other'), clock });
    await other.initialize(PIN);
    await other.login(PIN);
    const otherKeys = await createKeyManager({ token: other, path: join(dir, 'other.json'), clock, ocsp, instance: 'EE' });
    const foreign = await otherKeys.generateKey({ usage: 'SIGN', spec: 'P-256', memberId: OWNER });
    const foreignCsr = await otherKeys.createCsr({ keyId: foreign.id });
    expect(await codeOf(keys.importCertificate(await ca.issue(Buffer.from(foreignCsr.der, 'base64'))))).toBe('TONLE_ERR_KEYS_NO_MATCHING_KEY');
    expect(await codeOf(keys.importCertificate(new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01])))).toBe('TONLE_ERR_KEYS_INVALID_CERTIFICATE');
    expect(await codeOf(keys.importCertificate('not pem'))).toBe('TONLE_ERR_KEYS_INVALID_CERTIFICATE');
    const sign = await keys.generateKey({ usage: 'SIGN', spec: 'P-256', memberId: OWNER });
    const csr = await keys.createCsr({ keyId: sign.id });
    expect(await codeOf(keys.importCertificate(await ca.issue(Buffer.from(csr.der, 'base64'), { notAfter: now - 1000 })))).toBe('TONLE_ERR_KEYS_CERT_EXPIRED');
    // A CSR for the right key, but the CA wrote another member into the subject.
    const wrong = await ca.issue(Buffer.from(csr.der, 'base64'), { subject: [{ type: 'C', value: 'EE' }, { type: 'O', value: 'GOV' }, { type: 'CN', value: '9999' }] });
    expect(await codeOf(keys.importCertificate(wrong))).toBe('TONLE_ERR_KEYS_MEMBER_MISMATCH');
  });

  it('disables, re-activates, refuses deleting the last active key, warns about expiry', async () => {
    const ca = await createCa(now);
    const k1 = await keys.generateKey({ usage: 'SIGN', spec: 'P-256', memberId: OWNER });
    const k2 = await keys.generateKey({ usage: 'SIGN', spec: 'Ed25519', memberId: OWNER });
    const c1 = await keys.importCertificate(await ca.issue(Buffer.from((await keys.createCsr({ keyId: k1.id })).der, 'base64'), { notAfter: now + 10 * 86_400_000 }));
    const c2 = await keys.importCertificate(await ca.issue(Buffer.from((await keys.createCsr({ keyId: k2.id })).der, 'base64')));
    verdicts.set(c1.hash, 'good');
    verdicts.set(c2.hash, 'good');
    await keys.activateCertificate(c1.hash);
    await keys.activateCertificate(c2.hash);
    await keys.disableCertificate(c2.hash);
    expect(keys.getCertificate(c2.hash)).toMatchObject({ status: 'DISABLED', active: false });
    expect(await codeOf(keys.deleteKey(k1.id))).toBe('TONLE_ERR_KEYS_LAST_ACTIVE_KEY');
    await keys.activateCertificate(c2.hash);
    expect(keys.getCertificate(c2.hash)).toMatchObject({ status: 'SAVED', active: true });
    token.logout();
    expect(await codeOf(keys.deleteKey(k1.id))).toBe('TONLE_ERR_TOKEN_LOGGED_OUT');
    expect(keys.listKeys()).toHaveLength(2);
    await token.login(PIN);
    await keys.deleteKey(k1.id);
    expect(keys.listKeys().map((k) => k.id)).toEqual([k2.id]);
    expect(token.listKeys().map((k) => k.id)).toEqual([k2.id]);
    expect(keys.signerFor(OWNER).algorithm).toBe('EdDSA');
    expect(keys.expiryWarnings(30 * 86_400_000)).toEqual([]);
    now += 360 * 86_400_000;
    expect(keys.expiryWarnings(30 * 86_400_000)).toMatchObject([{ hash: c2.hash, expired: false }]);
    now += 10 * 86_400_000;
    expect(keys.expiryWarnings(0)).toMatchObject([{ hash: c2.hash, expired: true }]);
    expect(await codeOf(() => keys.signerFor(OWNER))).toBe('TONLE_ERR_KEYS_NO_ACTIVE_CERTIFICATE');
    expect(await codeOf(keys.activateCertificate(c2.hash))).toBe('TONLE_ERR_KEYS_CERT_EXPIRED');
    expect(ocspCalls).toBeGreaterThan(0);
  });
});

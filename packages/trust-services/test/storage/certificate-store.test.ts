import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFileCertificateStore, normalizeSerial, type IssuedCertificate } from '@tonle/trust-services';

function record(serialNumber: string, issuedAt = 1): IssuedCertificate {
  return {
    serialNumber,
    profile: 'sign',
    owner: 'MEMBER:EE/GOV/123',
    subject: 'C=EE, O=GOV, CN=123',
    issuedAt,
    notBefore: 0,
    notAfter: 10,
    sha256: 'ab'.repeat(32),
    certificate: new Uint8Array([1, 2, 3]),
  };
}

describe('file certificate store', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tonle-store-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps records across instances (restart) and finds them by any spelling of the serial', async () => {
    await createFileCertificateStore({ dir }).add(record('7f01'));
    const reopened = createFileCertificateStore({ dir });
    expect((await reopened.get('007F01'))?.certificate).toEqual(new Uint8Array([1, 2, 3]));
    expect(await reopened.get('7f02')).toBeUndefined();
    expect(await reopened.get('../../etc/passwd')).toBeUndefined();
  });

  it('refuses a repeated serial', async () => {
    const store = createFileCertificateStore({ dir });
    await store.add(record('01'));
    await expect(store.add(record('01'))).rejects.toMatchObject({ code: 'TONLE_ERR_TRUST_STATE_CORRUPT' });
  });

  it('revokes once, with a reason, durably; concurrent revocations of one serial yield one winner', async () => {
    const store = createFileCertificateStore({ dir });
    await store.add(record('0a'));
    const results = await Promise.allSettled([
      store.revoke('0a', { time: 5, reason: 'keyCompromise' }),
      store.revoke('0a', { time: 6, reason: 'superseded' }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.find((r) => r.status === 'rejected')).toMatchObject({ reason: { code: 'TONLE_ERR_TRUST_CERT_ALREADY_REVOKED' } });
    expect((await createFileCertificateStore({ dir }).get('0a'))?.revocation).toEqual({ time: 5, reason: 'keyCompromise' });
    await expect(store.revoke('0b', { time: 1, reason: 'unspecified' })).rejects.toMatchObject({ code: 'TONLE_ERR_TRUST_CERT_NOT_FOUND' });
    expect((await readdir(dir)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('lists in issue order and reports a corrupt record with a code', async () => {
    const store = createFileCertificateStore({ dir });
    await store.add(record('02', 2));
    await store.add(record('01', 3));
    expect((await store.list()).map((r) => r.serialNumber)).toEqual(['02', '01']);
    await writeFile(join(dir, '03.json'), '{"not":"a record"}');
    await expect(store.get('03')).rejects.toMatchObject({ code: 'TONLE_ERR_TRUST_STATE_CORRUPT' });
  });

  it('normalises serials', () => {
    expect(normalizeSerial('00ABcd')).toBe('abcd');
    expect(normalizeSerial('00')).toBe('00');
    expect(normalizeSerial('abc')).toBeUndefined();
    expect(normalizeSerial('zz')).toBeUndefined();
    expect(normalizeSerial('ab'.repeat(21))).toBeUndefined();
  });
});

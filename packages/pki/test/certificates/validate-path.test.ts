import { beforeAll, describe, expect, it } from 'vitest';
import {
  PkiError,
  parseCertificate,
  validateCertificatePath,
  decodePem,
  encodePem,
  type PkiErrorCode,
} from '@tonle/pki';
import { DAY, NOW, attime, caOptions, createThrowawayPki, issue, openssl, pem, tempDir, type ThrowawayPki } from '../support/throwaway-pki.ts';

function codeOf(fn: () => unknown): PkiErrorCode | 'no error' | 'not a PkiError' {
  try {
    fn();
    return 'no error';
  } catch (e) {
    return PkiError.is(e) ? e.code : 'not a PkiError';
  }
}

let pki: ThrowawayPki;
beforeAll(async () => {
  pki = await createThrowawayPki();
});

describe('parseCertificate', () => {
  it('reads subject, issuer, serial, validity, key usage, EKU, AIA and hashes', () => {
    const info = parseCertificate(pki.sign.cert);
    expect(info.subject).toEqual([
      { type: 'C', value: 'EE' },
      { type: 'O', value: 'GOV' },
      { type: 'CN', value: '1234' },
    ]);
    expect(info.issuer.find((a) => a.type === 'CN')?.value).toBe('Test Issuing CA');
    expect(info.serialNumber).toMatch(/^[0-9a-f]+$/);
    expect(info.serialNumber.startsWith('00')).toBe(false);
    expect(info.notAfter - info.notBefore).toBe(375 * DAY);
    expect(info.keyUsage).toEqual(['nonRepudiation']);
    expect(info.basicConstraints).toEqual({ ca: false });
    expect(info.ocspUrls).toEqual(['http://127.0.0.1:1/ocsp']);
    expect(info.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(info.subjectKeyIdentifier).toBeDefined();
    expect(info.authorityKeyIdentifier).toBe(parseCertificate(pki.intermediate.cert).subjectKeyIdentifier);
    expect(parseCertificate(pki.ocsp.cert).extendedKeyUsage).toEqual(['1.3.6.1.5.5.7.3.9']);
  });

  it('accepts PEM and round-trips through encodePem/decodePem', () => {
    const text = encodePem('CERTIFICATE', pki.sign.cert);
    expect(parseCertificate(text).sha256).toBe(parseCertificate(pki.sign.cert).sha256);
    expect(Buffer.from(decodePem(text, 'CERTIFICATE')).equals(Buffer.from(pki.sign.cert))).toBe(true);
  });

  it('rejects garbage and trailing bytes with TONLE_ERR_PKI_MALFORMED', () => {
    expect(codeOf(() => parseCertificate(new Uint8Array([1, 2, 3])))).toBe('TONLE_ERR_PKI_MALFORMED');
    expect(codeOf(() => parseCertificate(new Uint8Array([...pki.sign.cert, 0])))).toBe('TONLE_ERR_PKI_MALFORMED');
    expect(codeOf(() => parseCertificate('-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----'))).toBe('TONLE_ERR_PKI_MALFORMED');
  });
});

describe('validateCertificatePath', () => {
  const base = () => ({ certificate: pki.sign.cert, intermediates: [pki.intermediate.cert], trustAnchors: [pki.root.cert], at: NOW });

  it('validates leaf -> intermediate -> root', () => {
    const { chain, trustAnchor } = validateCertificatePath({ ...base(), requiredKeyUsage: ['nonRepudiation'] });
    expect(chain.map((c) => c.subject.find((a) => a.type === 'CN')?.value)).toEqual(['1234', 'Test Issuing CA', 'Test Root CA']);
    expect(trustAnchor.sha256).toBe(parseCertificate(pki.root.cert).sha256);
  });

  it('accepts the intermediate itself as the anchor', () => {
    expect(validateCertificatePath({ certificate: pki.sign.cert, trustAnchors: [pki.intermediate.cert], at: NOW }).chain).toHaveLength(2);
  });

  it('expired and not-yet-valid use the injected instant', () => {
    expect(codeOf(() => validateCertificatePath({ ...base(), at: NOW + 400 * DAY }))).toBe('TONLE_ERR_PKI_CERT_EXPIRED');
    expect(codeOf(() => validateCertificatePath({ ...base(), at: NOW - 11 * DAY }))).toBe('TONLE_ERR_PKI_CERT_NOT_YET_VALID');
  });

  it('an expired intermediate fails the path', async () => {
    const shortCa = await issue('P-256', 'Short CA', pki.root, { ...(await caOptions(0)), notBefore: NOW - 10 * DAY, notAfter: NOW - DAY });
    const leaf = await issue('P-256', 'leaf', shortCa, { notBefore: NOW - 5 * DAY, notAfter: NOW + DAY });
    expect(codeOf(() => validateCertificatePath({ certificate: leaf.cert, intermediates: [shortCa.cert], trustAnchors: [pki.root.cert], at: NOW }))).toBe(
      'TONLE_ERR_PKI_CERT_EXPIRED',
    );
  });

  it('wrong / unknown issuer', () => {
    expect(codeOf(() => validateCertificatePath({ ...base(), trustAnchors: [pki.otherRoot.cert] }))).toBe('TONLE_ERR_PKI_UNTRUSTED_ISSUER');
    expect(codeOf(() => validateCertificatePath({ ...base(), intermediates: [] }))).toBe('TONLE_ERR_PKI_UNTRUSTED_ISSUER');
  });

  it('bad signature: an impostor CA with the same name', async () => {
    const impostor = await issue('P-256', 'Test Issuing CA', pki.root, await caOptions(0));
    expect(codeOf(() => validateCertificatePath({ ...base(), intermediates: [impostor.cert] }))).toBe('TONLE_ERR_PKI_BAD_SIGNATURE');
    // a flipped bit in the signature
    const tampered = new Uint8Array(pki.sign.cert);
    tampered[tampered.length - 5] = (tampered[tampered.length - 5] ?? 0) ^ 0x01;
    expect(codeOf(() => validateCertificatePath({ ...base(), certificate: tampered }))).toMatch(/TONLE_ERR_PKI_(BAD_SIGNATURE|MALFORMED)/);
  });

  it('not a CA: a leaf used as an issuer', async () => {
    const notCa = await issue('P-256', 'Not A CA', pki.root, { basicConstraints: { ca: false } });
    const leaf = await issue('P-256', 'leaf', notCa);
    expect(codeOf(() => validateCertificatePath({ certificate: leaf.cert, intermediates: [notCa.cert], trustAnchors: [pki.root.cert], at: NOW }))).toBe(
      'TONLE_ERR_PKI_NOT_CA',
    );
  });

  it('key usage: CA without keyCertSign, leaf without the required usage', async () => {
    const noSign = await issue('P-256', 'No keyCertSign CA', pki.root, { basicConstraints: { ca: true }, keyUsage: ['cRLSign'] });
    const leaf = await issue('P-256', 'leaf', noSign);
    expect(codeOf(() => validateCertificatePath({ certificate: leaf.cert, intermediates: [noSign.cert], trustAnchors: [pki.root.cert], at: NOW }))).toBe(
      'TONLE_ERR_PKI_KEY_USAGE',
    );
    expect(codeOf(() => validateCertificatePath({ ...base(), requiredKeyUsage: ['digitalSignature'] }))).toBe('TONLE_ERR_PKI_KEY_USAGE');
    expect(codeOf(() => validateCertificatePath({ certificate: pki.ocsp.cert, trustAnchors: [pki.intermediate.cert], at: NOW, requiredExtendedKeyUsage: ['1.3.6.1.5.5.7.3.8'] }))).toBe(
      'TONLE_ERR_PKI_KEY_USAGE',
    );
  });

  it('path too long: pathLenConstraint and maxPathLength', async () => {
    // The intermediate has pathLength 0, so a CA below it breaks the constraint.
    const sub = await issue('P-256', 'Sub CA', pki.intermediate, await caOptions());
    const leaf = await issue('P-256', 'leaf', sub);
    const opts = { certificate: leaf.cert, intermediates: [sub.cert, pki.intermediate.cert], trustAnchors: [pki.root.cert], at: NOW };
    expect(codeOf(() => validateCertificatePath(opts))).toBe('TONLE_ERR_PKI_PATH_TOO_LONG');
    expect(codeOf(() => validateCertificatePath({ ...base(), maxPathLength: 2 }))).toBe('TONLE_ERR_PKI_PATH_TOO_LONG');
  });

  it('an unknown critical extension is refused (RFC 5280 §4.2)', async () => {
    const t = tempDir();
    try {
      const key = `${t.dir}/k.pem`;
      const out = `${t.dir}/c.pem`;
      const gen = openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-subj', '/CN=odd', '-days', '2', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign', '-addext', '1.3.6.1.4.1.99999.7=critical,DER:05:00', '-out', out]);
      expect(gen.ok).toBe(true);
      const { readFileSync } = await import('node:fs');
      const der = decodePem(readFileSync(out, 'utf8'), 'CERTIFICATE');
      expect(parseCertificate(der).unknownCriticalExtensions).toEqual(['1.3.6.1.4.1.99999.7']);
      const at = parseCertificate(der).notBefore + 1000;
      expect(codeOf(() => validateCertificatePath({ certificate: der, trustAnchors: [der], at }))).toBe('TONLE_ERR_PKI_UNSUPPORTED_ALGORITHM');
    } finally {
      t.cleanup();
    }
  });

  it('openssl verify accepts the issued chain at the same instant (interop)', () => {
    const t = tempDir();
    try {
      const root = t.write('root.pem', pem(pki.root.cert));
      const inter = t.write('inter.pem', pem(pki.intermediate.cert));
      const leaf = t.write('leaf.pem', pem(pki.sign.cert));
      const ok = openssl(['verify', '-attime', attime(NOW), '-CAfile', root, '-untrusted', inter, leaf]);
      expect(ok.out).toContain('OK');
      expect(ok.ok).toBe(true);
      const expired = openssl(['verify', '-attime', attime(NOW + 400 * DAY), '-CAfile', root, '-untrusted', inter, leaf]);
      expect(expired.ok).toBe(false);
      const tsa = t.write('tsa.pem', pem(pki.tsa.cert));
      expect(openssl(['verify', '-attime', attime(NOW), '-CAfile', root, '-purpose', 'timestampsign', tsa]).ok).toBe(true);
    } finally {
      t.cleanup();
    }
  });
});

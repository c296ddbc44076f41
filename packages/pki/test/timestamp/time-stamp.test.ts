import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  PkiError,
  buildTimeStampRejection,
  buildTimeStampRequest,
  buildTimeStampResponse,
  digest,
  parseTimeStampRequest,
  parseTimeStampResponse,
  timeStampTokenFromResponse,
  verifyTimeStampToken,
  type HashAlgorithm,
} from '@tonle/pki';
import * as asn1js from 'asn1js';
import { DAY, NOW, attime, createThrowawayPki, issue, openssl, pem, tempDir, type Issued, type ThrowawayPki } from '../support/throwaway-pki.ts';

const POLICY = '1.3.6.1.4.1.99999.1.1';
const data = new TextEncoder().encode('checkpoint: size=42 root=abcd');
let pki: ThrowawayPki;
beforeAll(async () => {
  pki = await createThrowawayPki();
});

function codeOf(fn: () => unknown): string {
  try {
    fn();
    return 'no error';
  } catch (e) {
    return PkiError.is(e) ? e.code : `not a PkiError: ${String(e)}`;
  }
}

function stamp(reqDer: Uint8Array, tsa: Issued = pki.tsa, extra: { serialNumber?: bigint; genTime?: number } = {}): Uint8Array {
  const req = parseTimeStampRequest(reqDer);
  return buildTimeStampResponse({
    tsaCertificate: tsa.cert,
    privateKey: tsa.key,
    policy: POLICY,
    serialNumber: extra.serialNumber ?? 7n,
    genTime: extra.genTime ?? NOW + 1234,
    hashAlgorithm: req.hashAlgorithm,
    digest: req.digest,
    includeCertificate: req.certReq,
    ...(req.nonce ? { nonce: req.nonce } : {}),
  });
}

function tokenOf(resp: Uint8Array): Uint8Array {
  const parsed = parseTimeStampResponse(resp);
  expect(parsed.status).toBe('granted');
  return parsed.token!;
}

describe('RFC 3161 requests', () => {
  it.each(['SHA-256', 'SHA-384', 'SHA-512'] as HashAlgorithm[])('%s request round-trips', (alg) => {
    const built = buildTimeStampRequest({ hashAlgorithm: alg, data, nonce: true, policy: POLICY });
    const parsed = parseTimeStampRequest(built.der);
    expect(parsed.hashAlgorithm).toBe(alg);
    expect(Buffer.from(parsed.digest).equals(Buffer.from(digest(alg, data)))).toBe(true);
    expect(parsed.certReq).toBe(true);
    expect(parsed.policy).toBe(POLICY);
    expect(Buffer.from(parsed.nonce!).equals(Buffer.from(built.nonce!))).toBe(true);
  });

  it('unknown hash algorithm -> TSP_BAD_ALGORITHM (badAlg); wrong length -> TSP_BAD_REQUEST; garbage -> MALFORMED', () => {
    const t = tempDir();
    try {
      const f = t.write('data.bin', data);
      const out = `${t.dir}/sha1.tsq`;
      expect(openssl(['ts', '-query', '-data', f, '-sha1', '-out', out]).ok).toBe(true);
      expect(codeOf(() => parseTimeStampRequest(new Uint8Array(readFileSync(out))))).toBe('TONLE_ERR_PKI_TSP_BAD_ALGORITHM');
    } finally {
      t.cleanup();
    }
    const good = buildTimeStampRequest({ hashAlgorithm: 'SHA-256', data });
    // Re-label the SHA-256 OID as SHA-512 (last arc 1 -> 3): the 32-byte imprint no longer fits.
    const bytes = new Uint8Array(good.der);
    const oid = Buffer.from(good.der).indexOf(Buffer.from([0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01]));
    bytes[oid + 8] = 0x03;
    expect(codeOf(() => parseTimeStampRequest(bytes))).toBe('TONLE_ERR_PKI_TSP_BAD_REQUEST');
    expect(codeOf(() => parseTimeStampRequest(new Uint8Array([0x30, 0x01, 0x00])))).toBe('TONLE_ERR_PKI_MALFORMED');
    expect(() => buildTimeStampRequest({ hashAlgorithm: 'SHA-256', digest: new Uint8Array(31) })).toThrow(TypeError);
  });
});

describe('RFC 3161 tokens', () => {
  it('granted token verifies against data and digest; nonce, serial, policy, genTime', () => {
    const req = buildTimeStampRequest({ hashAlgorithm: 'SHA-512', data, nonce: true });
    const token = tokenOf(stamp(req.der, pki.tsa, { serialNumber: 2n ** 100n + 5n }));
    const result = verifyTimeStampToken({ token, data, trustedTsaCertificates: [pki.tsa.cert], nonce: req.nonce! });
    expect(result.genTime).toBe(NOW + 1000);
    expect(result.serialNumber).toBe(2n ** 100n + 5n);
    expect(result.policy).toBe(POLICY);
    expect(result.hashAlgorithm).toBe('SHA-512');
    expect(Buffer.from(result.tsaCertificate).equals(Buffer.from(pki.tsa.cert))).toBe(true);
    expect(verifyTimeStampToken({ token, digest: digest('SHA-512', data), trustedTsaCertificates: [pki.tsa.cert] }).genTime).toBe(NOW + 1000);
  });

  it('ECDSA and Ed25519 TSAs work too', async () => {
    for (const spec of ['P-384', 'Ed25519'] as const) {
      const tsa = await issue(spec, `TSA ${spec}`, pki.root, { extendedKeyUsage: ['timeStamping'] });
      const req = buildTimeStampRequest({ hashAlgorithm: 'SHA-256', data });
      const token = tokenOf(stamp(req.der, tsa));
      expect(verifyTimeStampToken({ token, data, trustedTsaCertificates: [tsa.cert] }).policy).toBe(POLICY);
    }
  });

  it('a time-stamp over other data -> TSP_IMPRINT_MISMATCH', () => {
    const token = tokenOf(stamp(buildTimeStampRequest({ hashAlgorithm: 'SHA-256', data }).der));
    expect(codeOf(() => verifyTimeStampToken({ token, data: new TextEncoder().encode('other'), trustedTsaCertificates: [pki.tsa.cert] }))).toBe(
      'TONLE_ERR_PKI_TSP_IMPRINT_MISMATCH',
    );
  });

  it('nonce mismatch, untrusted TSA, TSA without timeStamping EKU, expired TSA certificate', async () => {
    const req = buildTimeStampRequest({ hashAlgorithm: 'SHA-256', data, nonce: true });
    const token = tokenOf(stamp(req.der));
    expect(codeOf(() => verifyTimeStampToken({ token, data, trustedTsaCertificates: [pki.tsa.cert], nonce: new Uint8Array([1, 2, 3]) }))).toBe(
      'TONLE_ERR_PKI_TSP_NONCE_MISMATCH',
    );
    expect(codeOf(() => verifyTimeStampToken({ token, data, trustedTsaCertificates: [pki.sign.cert] }))).toBe('TONLE_ERR_PKI_TSP_UNTRUSTED_TSA');
    const noEku = await issue('P-256', 'Not a TSA', pki.root, { keyUsage: ['digitalSignature'] });
    const t2 = tokenOf(stamp(req.der, noEku));
    expect(codeOf(() => verifyTimeStampToken({ token: t2, data, trustedTsaCertificates: [noEku.cert] }))).toBe('TONLE_ERR_PKI_KEY_USAGE');
    const late = tokenOf(stamp(req.der, pki.tsa, { genTime: NOW + 400 * DAY }));
    expect(codeOf(() => verifyTimeStampToken({ token: late, data, trustedTsaCertificates: [pki.tsa.cert] }))).toBe('TONLE_ERR_PKI_CERT_EXPIRED');
  });

  it('an impostor TSA with the same name and serial fails the signature / ESS check', async () => {
    const token = tokenOf(stamp(buildTimeStampRequest({ hashAlgorithm: 'SHA-256', data }).der));
    // Same subject, different key: the trusted list holds the impostor, the token was signed by the real TSA.
    const impostor = await issue('RSA-2048', 'Test TSA', pki.root, { extendedKeyUsage: ['timeStamping'] });
    expect(codeOf(() => verifyTimeStampToken({ token, data, trustedTsaCertificates: [impostor.cert] }))).toMatch(
      /TONLE_ERR_PKI_(TSP_UNTRUSTED_TSA|BAD_SIGNATURE)/,
    );
  });

  it('a tampered TSTInfo fails (message digest)', () => {
    const token = tokenOf(stamp(buildTimeStampRequest({ hashAlgorithm: 'SHA-256', data }).der));
    const bytes = new Uint8Array(token);
    const policyOid = new asn1js.ObjectIdentifier({ value: POLICY }).toBER(false);
    const at = Buffer.from(token).indexOf(Buffer.from(policyOid));
    bytes[at + policyOid.byteLength - 1] = (bytes[at + policyOid.byteLength - 1] ?? 0) ^ 0x02;
    expect(codeOf(() => verifyTimeStampToken({ token: bytes, data, trustedTsaCertificates: [pki.tsa.cert] }))).toBe('TONLE_ERR_PKI_BAD_SIGNATURE');
  });

  it('rejections carry their failure info', () => {
    const res = parseTimeStampResponse(buildTimeStampRejection('badAlg', 'use SHA-256'));
    expect(res).toEqual({ status: 'rejection', failInfo: ['badAlg'], statusText: 'use SHA-256' });
    expect(parseTimeStampResponse(buildTimeStampRejection('systemFailure')).failInfo).toEqual(['systemFailure']);
    expect(codeOf(() => timeStampTokenFromResponse(buildTimeStampRejection('badAlg')))).toBe('TONLE_ERR_PKI_TSP_REJECTED');
    const granted = stamp(buildTimeStampRequest({ hashAlgorithm: 'SHA-256', data }).der);
    expect(Buffer.from(timeStampTokenFromResponse(granted)).equals(Buffer.from(tokenOf(granted)))).toBe(true);
  });

  it('openssl ts: prints and verifies our reply to its own query (nonce, certReq, ESS signing-certificate-v2)', () => {
    const t = tempDir();
    try {
      const dataFile = t.write('data.bin', data);
      const query = `${t.dir}/q.tsq`;
      expect(openssl(['ts', '-query', '-data', dataFile, '-sha256', '-cert', '-out', query]).ok).toBe(true);
      const reply = t.write('r.tsr', stamp(new Uint8Array(readFileSync(query))));
      const text = openssl(['ts', '-reply', '-in', reply, '-text']);
      expect(text.ok).toBe(true);
      expect(text.out).toContain('Status: Granted.');
      expect(text.out).toContain(`Policy OID: ${POLICY}`);
      expect(text.out).toMatch(/Nonce: 0x[0-9A-F]+/);
      const ca = t.write('root.pem', pem(pki.root.cert));
      const verify = (extra: string[]) => openssl(['ts', '-verify', '-in', reply, '-CAfile', ca, '-attime', attime(NOW + 60_000), ...extra]);
      const ok = verify(['-queryfile', query]);
      expect(ok.out).toContain('Verification: OK');
      expect(verify(['-data', dataFile]).out).toContain('Verification: OK');
      const other = t.write('other.bin', 'other data');
      expect(verify(['-data', other]).out).not.toContain('Verification: OK');
      // a token without the certificate needs -untrusted
      const noCertQuery = `${t.dir}/nc.tsq`;
      expect(openssl(['ts', '-query', '-data', dataFile, '-sha384', '-out', noCertQuery]).ok).toBe(true);
      const reply2 = t.write('r2.tsr', stamp(new Uint8Array(readFileSync(noCertQuery))));
      const tsaPem = t.write('tsa.pem', pem(pki.tsa.cert));
      expect(
        openssl(['ts', '-verify', '-in', reply2, '-queryfile', noCertQuery, '-CAfile', ca, '-untrusted', tsaPem, '-attime', attime(NOW + 60_000)]).out,
      ).toContain('Verification: OK');
    } finally {
      t.cleanup();
    }
  });

  it('verifies a token openssl ts produced', async () => {
    // openssl ts stamps with the wall clock, so this TSA certificate is valid around the real now.
    const wallNow = Date.now();
    const tsa = await issue('RSA-2048', 'Wall-clock TSA', pki.root, {
      extendedKeyUsage: ['timeStamping'],
      notBefore: wallNow - DAY,
      notAfter: wallNow + DAY,
    });
    const t = tempDir();
    try {
      const keyFile = t.write('tsa.key', tsa.key.export({ format: 'pem', type: 'pkcs8' }) as string);
      const certFile = t.write('tsa.pem', pem(tsa.cert));
      const conf = t.write(
        'ts.cnf',
        [
          '[ tsa ]',
          'default_tsa = tsa_config',
          '[ tsa_config ]',
          `serial = ${t.dir}/serial`,
          `signer_cert = ${certFile}`,
          `signer_key = ${keyFile}`,
          'signer_digest = sha256',
          `default_policy = ${POLICY}`,
          'digests = sha256, sha384, sha512',
          'accuracy = secs:1',
          'ess_cert_id_alg = sha256',
          'ess_cert_id_chain = no',
          '',
        ].join('\n'),
      );
      t.write('serial', '01\n');
      const query = `${t.dir}/q.tsq`;
      const built = buildTimeStampRequest({ hashAlgorithm: 'SHA-256', data, nonce: true });
      t.write('q.tsq', built.der);
      const out = `${t.dir}/r.tsr`;
      const r = openssl(['ts', '-reply', '-config', conf, '-queryfile', query, '-out', out]);
      expect(r.ok).toBe(true);
      const token = tokenOf(new Uint8Array(readFileSync(out)));
      const v = verifyTimeStampToken({ token, data, trustedTsaCertificates: [tsa.cert], nonce: built.nonce! });
      expect(v.policy).toBe(POLICY);
      expect(v.serialNumber).toBe(2n); // openssl increments the serial file (01) before use
    } finally {
      t.cleanup();
    }
  });
});

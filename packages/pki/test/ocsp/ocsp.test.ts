import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  PkiError,
  assertOcspGood,
  buildOcspErrorResponse,
  buildOcspRequest,
  buildOcspResponse,
  certIdMatchesIssuer,
  parseCertificate,
  parseOcspRequest,
  parseOcspResponse,
  verifyOcspResponse,
  type OcspSingleResponseInput,
} from '@tonle/pki';
import { DAY, NOW, attime, createThrowawayPki, issue, openssl, pem, tempDir, type Issued, type ThrowawayPki } from '../support/throwaway-pki.ts';

const HOUR = 3_600_000;
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

function respond(
  reqDer: Uint8Array,
  signer: Issued,
  single: Partial<OcspSingleResponseInput> = {},
  extra: { certificates?: Uint8Array[]; nonce?: Uint8Array | null; producedAt?: number } = {},
): Uint8Array {
  const req = parseOcspRequest(reqDer);
  const nonce = extra.nonce === null ? undefined : (extra.nonce ?? req.nonce);
  return buildOcspResponse({
    responderCertificate: signer.cert,
    privateKey: signer.key,
    producedAt: extra.producedAt ?? NOW,
    responses: req.certIds.map((certId) => ({ certId, status: 'good', thisUpdate: NOW, nextUpdate: NOW + HOUR, ...single })),
    ...(nonce ? { nonce } : {}),
    certificates: extra.certificates ?? [signer.cert],
  });
}

describe('OCSP requests', () => {
  it('builds a request with a nonce that the responder side parses back', () => {
    const built = buildOcspRequest({ certificate: pki.sign.cert, issuer: pki.intermediate.cert, nonce: true });
    expect(built.nonce).toHaveLength(32);
    const parsed = parseOcspRequest(built.der);
    expect(parsed.certIds).toEqual([built.certId]);
    expect(parsed.certIds[0]?.serialNumber).toBe(parseCertificate(pki.sign.cert).serialNumber);
    expect(parsed.certIds[0]?.hashAlgorithm).toBe('SHA-1');
    expect(Buffer.from(parsed.nonce ?? []).equals(Buffer.from(built.nonce ?? []))).toBe(true);
    expect(certIdMatchesIssuer(parsed.certIds[0]!, pki.intermediate.cert)).toBe(true);
    expect(certIdMatchesIssuer(parsed.certIds[0]!, pki.root.cert)).toBe(false);
    const sha256 = buildOcspRequest({ certificate: pki.sign.cert, issuer: pki.intermediate.cert, hashAlgorithm: 'SHA-256' });
    expect(parseOcspRequest(sha256.der).nonce).toBeUndefined();
    expect(certIdMatchesIssuer(sha256.certId, pki.intermediate.cert)).toBe(true);
  });

  it('openssl ocsp builds requests we parse (SHA-1 CertID, nonce)', () => {
    const t = tempDir();
    try {
      const issuer = t.write('issuer.pem', pem(pki.intermediate.cert));
      const cert = t.write('cert.pem', pem(pki.sign.cert));
      const reqFile = `${t.dir}/req.der`;
      expect(openssl(['ocsp', '-issuer', issuer, '-cert', cert, '-reqout', reqFile, '-no_nonce']).ok).toBe(true);
      const parsed = parseOcspRequest(new Uint8Array(readFileSync(reqFile)));
      expect(parsed.certIds[0]?.serialNumber).toBe(parseCertificate(pki.sign.cert).serialNumber);
      expect(certIdMatchesIssuer(parsed.certIds[0]!, pki.intermediate.cert)).toBe(true);
    } finally {
      t.cleanup();
    }
  });
});

describe('OCSP responses', () => {
  const verify = (response: Uint8Array, more: Partial<Parameters<typeof verifyOcspResponse>[0]> = {}) =>
    verifyOcspResponse({ response, certificate: pki.sign.cert, issuer: pki.intermediate.cert, at: NOW + 60_000, maxAgeMs: HOUR, ...more });

  it('good, signed by a delegated responder, nonce echoed', () => {
    const req = buildOcspRequest({ certificate: pki.sign.cert, issuer: pki.intermediate.cert, nonce: true });
    const res = respond(req.der, pki.ocsp);
    const result = verify(res, { nonce: req.nonce! });
    expect(result.status).toBe('good');
    expect(result.thisUpdate).toBe(NOW);
    expect(result.nextUpdate).toBe(NOW + HOUR);
    expect(result.producedAt).toBe(NOW);
    expect(parseCertificate(result.responderCertificate).sha256).toBe(parseCertificate(pki.ocsp.cert).sha256);
    expect(() => assertOcspGood(result)).not.toThrow();
    const parsed = parseOcspResponse(res);
    expect(parsed.responseStatus).toBe('successful');
    expect(parsed.responderId).toHaveProperty('byKey');
    expect(parsed.certificates).toHaveLength(1);
  });

  it('good, signed by the CA itself', () => {
    const req = buildOcspRequest({ certificate: pki.sign.cert, issuer: pki.intermediate.cert });
    expect(verify(respond(req.der, pki.intermediate, {}, { certificates: [] })).status).toBe('good');
  });

  it('revoked with reason and time -> assertOcspGood throws TONLE_ERR_PKI_REVOKED', () => {
    const req = buildOcspRequest({ certificate: pki.sign.cert, issuer: pki.intermediate.cert });
    const res = respond(req.der, pki.ocsp, { status: 'revoked', revocationTime: NOW - DAY, revocationReason: 'keyCompromise' });
    const result = verify(res);
    expect(result).toMatchObject({ status: 'revoked', revocationTime: NOW - DAY, revocationReason: 'keyCompromise' });
    expect(codeOf(() => assertOcspGood(result))).toBe('TONLE_ERR_PKI_REVOKED');
    const unknown = verify(respond(req.der, pki.ocsp, { status: 'unknown' }));
    expect(codeOf(() => assertOcspGood(unknown))).toBe('TONLE_ERR_PKI_OCSP_UNKNOWN_CERT');
  });

  it('stale: older than maxAgeMs, or past nextUpdate; future thisUpdate', () => {
    const req = buildOcspRequest({ certificate: pki.sign.cert, issuer: pki.intermediate.cert });
    const res = respond(req.der, pki.ocsp, { nextUpdate: NOW + 10 * DAY });
    expect(codeOf(() => verify(res, { at: NOW + 2 * HOUR }))).toBe('TONLE_ERR_PKI_OCSP_STALE');
    const shortLived = respond(req.der, pki.ocsp, { nextUpdate: NOW + 60_000 });
    expect(codeOf(() => verify(shortLived, { at: NOW + 30 * 60_000 }))).toBe('TONLE_ERR_PKI_OCSP_STALE');
    expect(codeOf(() => verify(res, { at: NOW - HOUR }))).toBe('TONLE_ERR_PKI_OCSP_NOT_YET_VALID');
  });

  it('a response for another certificate -> TONLE_ERR_PKI_OCSP_WRONG_CERT', () => {
    const otherReq = buildOcspRequest({ certificate: pki.ocsp.cert, issuer: pki.intermediate.cert });
    expect(codeOf(() => verify(respond(otherReq.der, pki.ocsp)))).toBe('TONLE_ERR_PKI_OCSP_WRONG_CERT');
  });

  it('nonce missing or different -> TONLE_ERR_PKI_OCSP_NONCE_MISMATCH', () => {
    const req = buildOcspRequest({ certificate: pki.sign.cert, issuer: pki.intermediate.cert, nonce: true });
    expect(codeOf(() => verify(respond(req.der, pki.ocsp, {}, { nonce: null }), { nonce: req.nonce! }))).toBe('TONLE_ERR_PKI_OCSP_NONCE_MISMATCH');
    expect(codeOf(() => verify(respond(req.der, pki.ocsp, {}, { nonce: new Uint8Array(32) }), { nonce: req.nonce! }))).toBe(
      'TONLE_ERR_PKI_OCSP_NONCE_MISMATCH',
    );
  });

  it('untrusted responders: issued by another CA, without OCSPSigning EKU, unknown', async () => {
    const req = buildOcspRequest({ certificate: pki.sign.cert, issuer: pki.intermediate.cert });
    const foreign = await issue('P-256', 'Foreign Responder', pki.otherRoot, { extendedKeyUsage: ['ocspSigning'] });
    expect(codeOf(() => verify(respond(req.der, foreign)))).toBe('TONLE_ERR_PKI_OCSP_UNTRUSTED_RESPONDER');
    const noEku = await issue('P-256', 'No EKU Responder', pki.intermediate, { keyUsage: ['digitalSignature'] });
    expect(codeOf(() => verify(respond(req.der, noEku)))).toBe('TONLE_ERR_PKI_OCSP_UNTRUSTED_RESPONDER');
    expect(codeOf(() => verify(respond(req.der, pki.ocsp, {}, { certificates: [] })))).toBe('TONLE_ERR_PKI_OCSP_UNTRUSTED_RESPONDER');
    // ... unless the relying party trusts that responder explicitly (global conf ocsp[].cert).
    expect(verify(respond(req.der, foreign), { trustedResponders: [foreign.cert] }).status).toBe('good');
  });

  it('a tampered response fails the signature check', () => {
    const req = buildOcspRequest({ certificate: pki.sign.cert, issuer: pki.intermediate.cert });
    const res = respond(req.der, pki.ocsp, { status: 'revoked', revocationTime: NOW - DAY });
    // flip the status from revoked [1] to ... find the GeneralizedTime of revocationTime and alter a digit
    const bytes = new Uint8Array(res);
    const year = Buffer.from(res).indexOf(Buffer.from(String(new Date(NOW - DAY).getUTCFullYear())));
    bytes[year + 3] = 0x39;
    expect(codeOf(() => verify(bytes))).toMatch(/TONLE_ERR_PKI_(BAD_SIGNATURE|MALFORMED)/);
  });

  it('error responses', () => {
    const der = buildOcspErrorResponse('unauthorized');
    expect(parseOcspResponse(der)).toMatchObject({ responseStatus: 'unauthorized', responses: [] });
    expect(codeOf(() => verify(der))).toBe('TONLE_ERR_PKI_OCSP_NOT_SUCCESSFUL');
    expect(codeOf(() => parseOcspResponse(new Uint8Array([0x30, 0x03, 0x0a, 0x01, 0x09])))).toBe('TONLE_ERR_PKI_MALFORMED');
  });

  it('openssl ocsp verifies our response to its own request (delegated responder, nonce, revoked)', () => {
    const t = tempDir();
    try {
      const issuer = t.write('issuer.pem', pem(pki.intermediate.cert));
      const cert = t.write('cert.pem', pem(pki.sign.cert));
      const ca = t.write('ca.pem', pem(pki.root.cert) + pem(pki.intermediate.cert));
      const reqFile = `${t.dir}/req.der`;
      expect(openssl(['ocsp', '-issuer', issuer, '-cert', cert, '-reqout', reqFile]).ok).toBe(true);
      const reqDer = new Uint8Array(readFileSync(reqFile));
      expect(parseOcspRequest(reqDer).nonce).toBeDefined();
      const good = t.write('good.der', respond(reqDer, pki.ocsp));
      // With -cert openssl builds its own request (and ignores -reqin), so the status is read with
      // -cert -no_nonce and the nonce echo is checked in a second call with -reqin alone.
      const common = ['-CAfile', ca, '-attime', attime(NOW + 60_000), '-validity_period', String(10 * 365 * 86_400)];
      const args = ['ocsp', '-no_nonce', '-issuer', issuer, '-cert', cert, '-CAfile', ca, '-attime', attime(NOW + 60_000),
        // openssl checks thisUpdate/nextUpdate against the wall clock, not -attime; NOW is in 2030.
        '-validity_period', String(10 * 365 * 86_400)];
      const r1 = openssl([...args, '-respin', good]);
      expect(r1.out).toContain('Response verify OK');
      expect(r1.out).toMatch(/cert\.pem: good/);
      expect(r1.out).not.toMatch(/Nonce Verify error|no nonce/i);
      const revoked = t.write(
        'revoked.der',
        respond(reqDer, pki.ocsp, { status: 'revoked', revocationTime: NOW - DAY, revocationReason: 'keyCompromise' }),
      );
      const r2 = openssl([...args, '-respin', revoked]);
      expect(r2.out).toContain('Response verify OK');
      expect(r2.out).toMatch(/cert\.pem: revoked/);
      expect(r2.out).toContain('Reason: keyCompromise');
      const nonceOk = openssl(['ocsp', '-reqin', reqFile, '-respin', good, ...common]);
      expect(nonceOk.out).toContain('Response verify OK');
      expect(nonceOk.ok).toBe(true);
      const wrongNonce = t.write('nonce.der', respond(reqDer, pki.ocsp, {}, { nonce: new Uint8Array(16) }));
      expect(openssl(['ocsp', '-reqin', reqFile, '-respin', wrongNonce, ...common]).out).toContain('Nonce Verify error');
      const foreign = t.write('foreign.der', respond(reqDer, pki.otherRoot, {}, { certificates: [pki.otherRoot.cert] }));
      expect(openssl([...args, '-respin', foreign]).out).not.toContain('Response verify OK');
    } finally {
      t.cleanup();
    }
  });

  it('verifies responses produced by the openssl ocsp responder (responderID byName, SHA-256 CertID)', () => {
    const t = tempDir();
    try {
      const info = parseCertificate(pki.sign.cert);
      const expiry = new Date(info.notAfter).toISOString().replace(/[-:T]/g, '').slice(2, 14) + 'Z';
      const index = t.write('index.txt', `R\t${expiry}\t300101000000Z,keyCompromise\t${info.serialNumber.toUpperCase()}\tunknown\t/C=EE/O=GOV/CN=1234\n`);
      const ca = t.write('ca.pem', pem(pki.intermediate.cert));
      const key = t.write('ca.key', pki.intermediate.key.export({ format: 'pem', type: 'pkcs8' }) as string);
      const req = buildOcspRequest({ certificate: pki.sign.cert, issuer: pki.intermediate.cert, hashAlgorithm: 'SHA-256', nonce: true });
      const reqFile = t.write('req.der', req.der);
      const respFile = `${t.dir}/resp.der`;
      const r = openssl(['ocsp', '-index', index, '-CA', ca, '-rsigner', ca, '-rkey', key, '-reqin', reqFile, '-respout', respFile, '-ndays', '1']);
      expect(r.ok).toBe(true);
      const response = new Uint8Array(readFileSync(respFile));
      expect(parseOcspResponse(response).responderId).toHaveProperty('byName');
      // openssl stamps thisUpdate with the wall clock; verify at that instant.
      const thisUpdate = parseOcspResponse(response).responses[0]!.thisUpdate;
      const result = verifyOcspResponse({ response, certificate: pki.sign.cert, issuer: pki.intermediate.cert, at: thisUpdate + 1000, maxAgeMs: 60_000, nonce: req.nonce! });
      expect(result).toMatchObject({ status: 'revoked', revocationReason: 'keyCompromise', revocationTime: Date.UTC(2030, 0, 1) });
      expect(codeOf(() => assertOcspGood(result))).toBe('TONLE_ERR_PKI_REVOKED');
    } finally {
      t.cleanup();
    }
  });
});

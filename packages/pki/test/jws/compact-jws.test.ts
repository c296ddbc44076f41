import { beforeAll, describe, expect, it } from 'vitest';
import * as jose from 'jose';
import {
  PkiError,
  createSoftwareSigner,
  exportPublicKeyPem,
  generateKeyPair,
  parseCertificate,
  signCompactJws,
  verifyCompactJws,
  type JwsAlgorithm,
  type KeySpec,
} from '@tonle/pki';
import { DAY, NOW, createThrowawayPki, issue, type ThrowawayPki } from '../support/throwaway-pki.ts';

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

describe('compact JWS', () => {
  it('signs with x5c; verifies against trust anchors at the injected instant; jose agrees', async () => {
    const signer = createSoftwareSigner({ privateKey: pki.sign.key, certificateChain: [pki.sign.cert, pki.intermediate.cert] });
    const jws = await signCompactJws({ payload: '{"id":"m1"}', signer, header: { typ: 'tonle+jws' } });
    const out = verifyCompactJws(jws, { algorithms: ['ES256'], trustAnchors: [pki.root.cert], at: NOW, requiredKeyUsage: ['nonRepudiation'] });
    expect(new TextDecoder().decode(out.payload)).toBe('{"id":"m1"}');
    expect(out.protectedHeader).toMatchObject({ alg: 'ES256', typ: 'tonle+jws' });
    expect(out.certificateChain).toHaveLength(2);
    expect(out.signerCertificate?.sha256).toBe(parseCertificate(pki.sign.cert).sha256);
    const viaJose = await jose.compactVerify(jws, await jose.importX509(parseCertificatePem(pki.sign.cert), 'ES256'), { algorithms: ['ES256'] });
    expect(viaJose.protectedHeader.x5c).toHaveLength(2);
  });

  it.each([
    ['ES384', 'P-384'],
    ['RS256', 'RSA-2048'],
    ['PS256', 'RSA-2048'],
    ['EdDSA', 'Ed25519'],
  ] as [JwsAlgorithm, KeySpec][])('%s: our JWS verifies in jose, jose JWS verifies here', async (alg, spec) => {
    const { privateKey, publicKey } = await generateKeyPair(spec);
    const signer = createSoftwareSigner({ privateKey, certificateChain: [], algorithm: alg });
    const ours = await signCompactJws({ payload: new Uint8Array([0, 1, 2, 255]), signer });
    const joseKey = await jose.importSPKI(exportPublicKeyPem(publicKey), alg);
    const a = await jose.compactVerify(ours, joseKey, { algorithms: [alg] });
    expect([...a.payload]).toEqual([0, 1, 2, 255]);
    const joseSigningKey = await jose.importPKCS8(privateKey.export({ format: 'pem', type: 'pkcs8' }) as string, alg);
    const theirs = await new jose.CompactSign(new TextEncoder().encode('from jose')).setProtectedHeader({ alg }).sign(joseSigningKey);
    expect(new TextDecoder().decode(verifyCompactJws(theirs, { algorithms: [alg], key: publicKey }).payload)).toBe('from jose');
  });

  it('algorithm allow-list, tampering, bad encodings, crit', async () => {
    const signer = createSoftwareSigner({ privateKey: pki.sign.key, certificateChain: [pki.sign.cert, pki.intermediate.cert] });
    const jws = await signCompactJws({ payload: 'x', signer });
    const key = parseCertificate(pki.sign.cert).publicKey;
    expect(codeOf(() => verifyCompactJws(jws, { algorithms: ['PS256'], key }))).toBe('TONLE_ERR_PKI_JWS_ALGORITHM_NOT_ALLOWED');
    const [h, , s] = jws.split('.');
    expect(codeOf(() => verifyCompactJws(`${h}.${jose.base64url.encode('y')}.${s}`, { algorithms: ['ES256'], key }))).toBe('TONLE_ERR_PKI_BAD_SIGNATURE');
    expect(codeOf(() => verifyCompactJws('a.b', { algorithms: ['ES256'], key }))).toBe('TONLE_ERR_PKI_JWS_INVALID');
    expect(codeOf(() => verifyCompactJws('###.e30.e30', { algorithms: ['ES256'], key }))).toBe('TONLE_ERR_PKI_JWS_INVALID');
    expect(codeOf(() => verifyCompactJws(`${jose.base64url.encode('[1]')}.e30.e30`, { algorithms: ['ES256'], key }))).toBe('TONLE_ERR_PKI_JWS_INVALID');
    const crit = `${jose.base64url.encode(JSON.stringify({ alg: 'ES256', crit: ['exp'], exp: 1 }))}.e30.e30`;
    expect(codeOf(() => verifyCompactJws(crit, { algorithms: ['ES256'], key }))).toBe('TONLE_ERR_PKI_JWS_INVALID');
    const none = `${jose.base64url.encode(JSON.stringify({ alg: 'none' }))}.e30.`;
    expect(codeOf(() => verifyCompactJws(none, { algorithms: ['ES256'], key }))).toBe('TONLE_ERR_PKI_JWS_ALGORITHM_NOT_ALLOWED');
    await expect(signCompactJws({ payload: 'x', signer, header: { alg: 'none' } })).rejects.toThrow(TypeError);
  });

  it('x5c chain checks: expired at the injected instant, untrusted issuer, key mismatch', async () => {
    const signer = createSoftwareSigner({ privateKey: pki.sign.key, certificateChain: [pki.sign.cert, pki.intermediate.cert] });
    const jws = await signCompactJws({ payload: 'x', signer });
    expect(codeOf(() => verifyCompactJws(jws, { algorithms: ['ES256'], trustAnchors: [pki.root.cert], at: NOW + 400 * DAY }))).toBe('TONLE_ERR_PKI_CERT_EXPIRED');
    expect(codeOf(() => verifyCompactJws(jws, { algorithms: ['ES256'], trustAnchors: [pki.otherRoot.cert], at: NOW }))).toBe('TONLE_ERR_PKI_UNTRUSTED_ISSUER');
    // A JWS signed by another key but carrying the member's certificate in x5c.
    const impostorKey = (await generateKeyPair('P-256')).privateKey;
    const impostor = await signCompactJws({ payload: 'x', signer: createSoftwareSigner({ privateKey: impostorKey, certificateChain: [] }) });
    const [, p, s] = impostor.split('.');
    const forgedHeader = jose.base64url.encode(JSON.stringify({ alg: 'ES256', x5c: [Buffer.from(pki.sign.cert).toString('base64'), Buffer.from(pki.intermediate.cert).toString('base64')] }));
    expect(codeOf(() => verifyCompactJws(`${forgedHeader}.${p}.${s}`, { algorithms: ['ES256'], trustAnchors: [pki.root.cert], at: NOW }))).toBe(
      'TONLE_ERR_PKI_BAD_SIGNATURE',
    );
    const noX5c = await signCompactJws({ payload: 'x', signer, includeCertificateChain: false });
    expect(codeOf(() => verifyCompactJws(noX5c, { algorithms: ['ES256'], trustAnchors: [pki.root.cert], at: NOW }))).toBe('TONLE_ERR_PKI_JWS_INVALID');
    const short = await issue('P-256', 'short', pki.intermediate, { notBefore: NOW, notAfter: NOW + DAY });
    const jwsShort = await signCompactJws({ payload: 'x', signer: createSoftwareSigner({ privateKey: short.key, certificateChain: [short.cert, pki.intermediate.cert] }) });
    expect(codeOf(() => verifyCompactJws(jwsShort, { algorithms: ['ES256'], trustAnchors: [pki.root.cert], at: NOW - 1 }))).toBe('TONLE_ERR_PKI_CERT_NOT_YET_VALID');
  });
});

function parseCertificatePem(der: Uint8Array): string {
  return `-----BEGIN CERTIFICATE-----\n${Buffer.from(der).toString('base64')}\n-----END CERTIFICATE-----`;
}

import { generateKeyPairSync } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import * as jose from 'jose';
import {
  PkiError,
  createSoftwareSigner,
  defaultJwsAlgorithm,
  exportPublicKeyPem,
  generateKeyPair,
  verifySignature,
  type JwsAlgorithm,
  type KeySpec,
} from '@tonle/pki';
import { createThrowawayPki, type ThrowawayPki } from '../support/throwaway-pki.ts';

let pki: ThrowawayPki;
beforeAll(async () => {
  pki = await createThrowawayPki();
});

const cases: [JwsAlgorithm, KeySpec][] = [
  ['ES256', 'P-256'],
  ['ES384', 'P-384'],
  ['RS256', 'RSA-2048'],
  ['PS256', 'RSA-3072'],
  ['PS256', 'RSA-4096'],
  ['EdDSA', 'Ed25519'],
];

describe('software Signer', () => {
  it.each(cases)('%s with %s: node:crypto signs, verifySignature and jose both verify', async (alg, spec) => {
    const { privateKey, publicKey } = await generateKeyPair(spec);
    const signer = createSoftwareSigner({ privateKey, certificateChain: [], algorithm: alg });
    expect(signer.algorithm).toBe(alg);
    const data = new TextEncoder().encode(`header.payload for ${alg}`);
    const sig = await signer.sign(data);
    if (alg === 'ES256') expect(sig).toHaveLength(64); // raw r||s (RFC 7518 §3.4)
    if (alg === 'ES384') expect(sig).toHaveLength(96);
    expect(verifySignature({ algorithm: alg, publicKey, data, signature: sig })).toBe(true);
    const other = new Uint8Array(data);
    other[0] = 0x48;
    expect(verifySignature({ algorithm: alg, publicKey, data: other, signature: sig })).toBe(false);
    // jose (WebCrypto) must accept what node:crypto produced: a flattened JWS over the same input.
    const header = jose.base64url.encode(JSON.stringify({ alg }));
    const payload = jose.base64url.encode('hello');
    const input = new TextEncoder().encode(`${header}.${payload}`);
    const jws = `${header}.${payload}.${jose.base64url.encode(await signer.sign(input))}`;
    const key = await jose.importSPKI(exportPublicKeyPem(publicKey), alg);
    const verified = await jose.compactVerify(jws, key, { algorithms: [alg] });
    expect(new TextDecoder().decode(verified.payload)).toBe('hello');
  });

  it('default algorithms by key type', async () => {
    expect(defaultJwsAlgorithm((await generateKeyPair('P-256')).privateKey)).toBe('ES256');
    expect(defaultJwsAlgorithm((await generateKeyPair('P-384')).privateKey)).toBe('ES384');
    expect(defaultJwsAlgorithm((await generateKeyPair('Ed25519')).privateKey)).toBe('EdDSA');
    expect(defaultJwsAlgorithm((await generateKeyPair('RSA-2048')).privateKey)).toBe('PS256');
  });

  it('keeps the certificate chain and checks it belongs to the key', async () => {
    const signer = createSoftwareSigner({ privateKey: pki.sign.key, certificateChain: [pki.sign.cert, pki.intermediate.cert] });
    expect(signer.certificateChain).toHaveLength(2);
    const sig = await signer.sign(new Uint8Array([1, 2, 3]));
    expect(verifySignature({ algorithm: 'ES256', publicKey: pki.sign.cert, data: new Uint8Array([1, 2, 3]), signature: sig })).toBe(true);
    expect(() => createSoftwareSigner({ privateKey: pki.ocsp.key, certificateChain: [pki.sign.cert] })).toThrow(
      expect.objectContaining({ code: 'TONLE_ERR_PKI_KEY_MISMATCH' }),
    );
  });

  it('refuses keys that do not fit the algorithm (curve, RSA size, type)', async () => {
    const p256 = (await generateKeyPair('P-256')).privateKey;
    const codes: string[] = [];
    for (const f of [
      () => createSoftwareSigner({ privateKey: p256, certificateChain: [], algorithm: 'ES384' }),
      () => createSoftwareSigner({ privateKey: p256, certificateChain: [], algorithm: 'RS256' }),
      () => createSoftwareSigner({ privateKey: generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey, certificateChain: [], algorithm: 'RS256' }),
      () => verifySignature({ algorithm: 'EdDSA', publicKey: pki.sign.cert, data: new Uint8Array(1), signature: new Uint8Array(64) }),
    ]) {
      try {
        f();
        codes.push('no error');
      } catch (e) {
        codes.push(PkiError.is(e) ? e.code : 'other');
      }
    }
    expect(codes).toEqual(Array(4).fill('TONLE_ERR_PKI_UNSUPPORTED_ALGORITHM'));
    const { publicKey } = await generateKeyPair('P-256');
    expect(() => createSoftwareSigner({ privateKey: publicKey, certificateChain: [] })).toThrow(TypeError);
  });

  it('wrong-length or garbage signatures are false, not exceptions', () => {
    const data = new Uint8Array([1]);
    expect(verifySignature({ algorithm: 'ES256', publicKey: pki.sign.cert, data, signature: new Uint8Array(63) })).toBe(false);
    expect(verifySignature({ algorithm: 'ES256', publicKey: pki.sign.cert, data, signature: new Uint8Array(64) })).toBe(false);
    expect(verifySignature({ algorithm: 'RS256', publicKey: pki.tsa.cert, data, signature: new Uint8Array(3) })).toBe(false);
  });
});

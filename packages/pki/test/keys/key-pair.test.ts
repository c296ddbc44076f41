import { describe, expect, it } from 'vitest';
import {
  PkiError,
  encodePem,
  exportPrivateKeyPem,
  exportPublicKeyPem,
  generateKeyPair,
  loadPrivateKey,
  loadPublicKey,
  pemLabels,
  type KeySpec,
} from '@tonle/pki';

function codeOf(fn: () => unknown): string {
  try {
    fn();
    return 'no error';
  } catch (e) {
    return PkiError.is(e) ? e.code : `not a PkiError: ${String(e)}`;
  }
}

describe('keys', () => {
  const specs: [KeySpec, string, Record<string, unknown>][] = [
    ['RSA-2048', 'rsa', { modulusLength: 2048 }],
    ['P-256', 'ec', { namedCurve: 'prime256v1' }],
    ['P-384', 'ec', { namedCurve: 'secp384r1' }],
    ['Ed25519', 'ed25519', {}],
  ];
  it.each(specs)('generates %s and round-trips PKCS#8 / SPKI PEM', async (spec, type, details) => {
    const { privateKey, publicKey } = await generateKeyPair(spec);
    expect(privateKey.asymmetricKeyType).toBe(type);
    expect(privateKey.asymmetricKeyDetails).toMatchObject(details);
    const pem = exportPrivateKeyPem(privateKey);
    expect(pemLabels(pem)).toEqual(['PRIVATE KEY']);
    const loaded = loadPrivateKey(pem);
    expect(loaded.export({ format: 'der', type: 'pkcs8' }).equals(privateKey.export({ format: 'der', type: 'pkcs8' }))).toBe(true);
    const der = new Uint8Array(privateKey.export({ format: 'der', type: 'pkcs8' }));
    expect(loadPrivateKey(der).asymmetricKeyType).toBe(type);
    const pub = loadPublicKey(exportPublicKeyPem(publicKey));
    expect(pub.export({ format: 'der', type: 'spki' }).equals(publicKey.export({ format: 'der', type: 'spki' }))).toBe(true);
  });

  it('encrypts with a PIN; wrong PIN and missing PIN have their own codes', async () => {
    const { privateKey } = await generateKeyPair('P-256');
    const pem = exportPrivateKeyPem(privateKey, { pin: '1234-secret' });
    // One block, and it is the encrypted form (no unencrypted PKCS#8 next to it).
    expect(pemLabels(pem)).toEqual(['ENCRYPTED PRIVATE KEY']);
    expect(loadPrivateKey(pem, { pin: '1234-secret' }).asymmetricKeyType).toBe('ec');
    expect(codeOf(() => loadPrivateKey(pem, { pin: 'wrong' }))).toBe('TONLE_ERR_PKI_WRONG_PIN');
    expect(codeOf(() => loadPrivateKey(pem))).toBe('TONLE_ERR_PKI_PIN_REQUIRED');
    // encrypted DER too
    const der = new Uint8Array(
      privateKey.export({ format: 'der', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase: 'pin' }),
    );
    expect(loadPrivateKey(der, { pin: 'pin' }).asymmetricKeyType).toBe('ec');
    expect(codeOf(() => loadPrivateKey(der, { pin: 'nope' }))).toBe('TONLE_ERR_PKI_WRONG_PIN');
    expect(codeOf(() => loadPrivateKey(der))).toBe('TONLE_ERR_PKI_PIN_REQUIRED');
  });

  it('garbage keys are TONLE_ERR_PKI_MALFORMED; bad arguments are TypeError', async () => {
    expect(codeOf(() => loadPrivateKey('hello'))).toBe('TONLE_ERR_PKI_MALFORMED');
    expect(codeOf(() => loadPrivateKey(encodePem('PRIVATE KEY', new Uint8Array(3))))).toBe('TONLE_ERR_PKI_MALFORMED');
    expect(codeOf(() => loadPrivateKey(new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x00])))).toBe('TONLE_ERR_PKI_MALFORMED');
    expect(codeOf(() => loadPublicKey(new Uint8Array([1, 2, 3])))).toBe('TONLE_ERR_PKI_MALFORMED');
    const { privateKey } = await generateKeyPair('Ed25519');
    expect(() => exportPrivateKeyPem(privateKey, { pin: '' })).toThrow(TypeError);
    await expect(generateKeyPair('RSA-1024' as KeySpec)).rejects.toThrow(TypeError);
  });
});

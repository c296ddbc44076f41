import { createPrivateKey, createPublicKey, generateKeyPair as nodeGenerateKeyPair, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { PkiError } from '../errors/index.ts';
import { decodePem, encodePem, pemLabels } from '../pem/index.ts';

const generate = promisify(nodeGenerateKeyPair);

/**
 * Key types Tonle generates and accepts (architecture §4: ES256 default, RSA 2048-4096, EdDSA).
 *
 * @example
 * ```ts
 * const spec: KeySpec = 'P-256';
 * const { privateKey } = await generateKeyPair(spec);
 * ```
 */
export type KeySpec = 'RSA-2048' | 'RSA-3072' | 'RSA-4096' | 'P-256' | 'P-384' | 'Ed25519';

/**
 * A node:crypto key pair. Keys stay KeyObjects so the hot path never re-parses them.
 *
 * @example
 * ```ts
 * const { privateKey, publicKey }: KeyPair = await generateKeyPair('Ed25519');
 * ```
 */
export interface KeyPair {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
}

/**
 * Generates a key pair with node:crypto.
 *
 * @example
 * ```ts
 * import { generateKeyPair } from '@tonle/pki';
 * const { privateKey, publicKey } = await generateKeyPair('P-256');
 * ```
 */
export async function generateKeyPair(spec: KeySpec): Promise<KeyPair> {
  switch (spec) {
    case 'RSA-2048':
    case 'RSA-3072':
    case 'RSA-4096':
      return generate('rsa', { modulusLength: Number(spec.slice(4)), publicExponent: 0x10001 });
    case 'P-256':
      return generate('ec', { namedCurve: 'prime256v1' });
    case 'P-384':
      return generate('ec', { namedCurve: 'secp384r1' });
    case 'Ed25519':
      return generate('ed25519');
    default:
      throw new TypeError(`generateKeyPair: unknown key spec ${String(spec)}; use RSA-2048|RSA-3072|RSA-4096|P-256|P-384|Ed25519`);
  }
}

/**
 * Serialises a private key as PKCS#8 PEM. With a `pin`, the key is encrypted (PKCS#8
 * EncryptedPrivateKeyInfo, PBES2 with AES-256-CBC), as keys at rest must be (architecture §8).
 *
 * @example
 * ```ts
 * import { exportPrivateKeyPem } from '@tonle/pki';
 * fs.writeFileSync('sign.key', exportPrivateKeyPem(privateKey, { pin }), { mode: 0o600 });
 * ```
 */
export function exportPrivateKeyPem(privateKey: KeyObject, options: { pin?: string } = {}): string {
  if (privateKey.type !== 'private') throw new TypeError('exportPrivateKeyPem: expected a private KeyObject');
  if (options.pin === undefined) return privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
  if (typeof options.pin !== 'string' || options.pin.length === 0) {
    throw new TypeError('exportPrivateKeyPem: pin must be a non-empty string');
  }
  return privateKey.export({ format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase: options.pin }) as string;
}

/**
 * Loads a PKCS#8 private key from PEM (plain or encrypted) or DER. An encrypted key needs its `pin`:
 * without one it fails with `TONLE_ERR_PKI_PIN_REQUIRED`, with a wrong one with `TONLE_ERR_PKI_WRONG_PIN`.
 *
 * @example
 * ```ts
 * import { loadPrivateKey } from '@tonle/pki';
 * const key = loadPrivateKey(fs.readFileSync('sign.key', 'utf8'), { pin });
 * ```
 */
export function loadPrivateKey(input: string | Uint8Array, options: { pin?: string } = {}): KeyObject {
  const encrypted =
    typeof input === 'string' ? pemLabels(input).includes('ENCRYPTED PRIVATE KEY') : isEncryptedPkcs8Der(input);
  if (encrypted && options.pin === undefined) {
    throw new PkiError('TONLE_ERR_PKI_PIN_REQUIRED', 'the private key is encrypted; pass its PIN');
  }
  try {
    if (typeof input === 'string') {
      if (!input.includes('-----BEGIN')) throw new PkiError('TONLE_ERR_PKI_MALFORMED', 'not a PEM private key');
      return createPrivateKey(options.pin === undefined ? { key: input, format: 'pem' } : { key: input, format: 'pem', passphrase: options.pin });
    }
    const buf = Buffer.from(input);
    return createPrivateKey(
      options.pin === undefined || !encrypted
        ? { key: buf, format: 'der', type: 'pkcs8' }
        : { key: buf, format: 'der', type: 'pkcs8', passphrase: options.pin },
    );
  } catch (e) {
    if (PkiError.is(e)) throw e;
    if (encrypted) {
      // OpenSSL reports a wrong passphrase as a decrypt or decode failure of the inner structure.
      throw new PkiError('TONLE_ERR_PKI_WRONG_PIN', 'wrong PIN for the encrypted private key', { cause: e });
    }
    throw new PkiError('TONLE_ERR_PKI_MALFORMED', 'not a PKCS#8 private key; pass a PEM "PRIVATE KEY" or DER PKCS#8', { cause: e });
  }
}

/** EncryptedPrivateKeyInfo starts SEQUENCE { SEQUENCE { OID ... } }, PrivateKeyInfo with an INTEGER version. */
function isEncryptedPkcs8Der(der: Uint8Array): boolean {
  if (!(der instanceof Uint8Array)) throw new TypeError('loadPrivateKey: expected PEM text or DER bytes');
  if (der[0] !== 0x30) return false;
  let i = 1;
  const len = der[i] ?? 0;
  i += len & 0x80 ? 1 + (len & 0x7f) : 1;
  return der[i] === 0x30;
}

/**
 * Serialises a public key as SPKI PEM ("PUBLIC KEY").
 *
 * @example
 * ```ts
 * import { exportPublicKeyPem } from '@tonle/pki';
 * const pem = exportPublicKeyPem(publicKey);
 * ```
 */
export function exportPublicKeyPem(publicKey: KeyObject): string {
  return encodePem('PUBLIC KEY', exportSpki(publicKey));
}

/**
 * The DER SubjectPublicKeyInfo of a public (or private) key.
 *
 * @example
 * ```ts
 * import { exportSpki } from '@tonle/pki';
 * const spki = exportSpki(publicKey);
 * ```
 */
export function exportSpki(key: KeyObject): Uint8Array {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return new Uint8Array(pub.export({ format: 'der', type: 'spki' }));
}

/**
 * Loads a public key from SPKI PEM or DER.
 *
 * @example
 * ```ts
 * import { loadPublicKey } from '@tonle/pki';
 * const key = loadPublicKey(pemText);
 * ```
 */
export function loadPublicKey(input: string | Uint8Array): KeyObject {
  const der = typeof input === 'string' ? decodePem(input, 'PUBLIC KEY') : input;
  try {
    return createPublicKey({ key: Buffer.from(der), format: 'der', type: 'spki' });
  } catch (e) {
    throw new PkiError('TONLE_ERR_PKI_MALFORMED', 'not a DER SubjectPublicKeyInfo', { cause: e });
  }
}

import { createHash, X509Certificate } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { verifySignature } from '@tonle/pki';
import { SIGNATURE_ALGORITHMS } from './algorithms.ts';
import type { SignatureAlgorithm } from './algorithms.ts';
import { BatchSignatureError } from './errors.ts';

/** Refuses an `alg` that does not fit the key (RFC 8725 §3.1: never let the token pick the algorithm freely). */
export function checkAlgorithmFitsKey(alg: unknown, key: KeyObject): SignatureAlgorithm {
  if (typeof alg !== 'string' || !(SIGNATURE_ALGORITHMS as readonly string[]).includes(alg)) {
    throw new BatchSignatureError(
      'TONLE_ERR_BATCHSIG_UNSUPPORTED_ALGORITHM',
      `Algorithm ${String(alg)} is not accepted; use ${SIGNATURE_ALGORITHMS.join(', ')}.`,
    );
  }
  const a = alg as SignatureAlgorithm;
  const type = key.asymmetricKeyType;
  const details = key.asymmetricKeyDetails ?? {};
  const fits =
    ((a === 'RS256' || a === 'PS256') &&
      (type === 'rsa' || (a === 'PS256' && type === 'rsa-pss')) &&
      (details.modulusLength ?? 0) >= 2048) ||
    (a === 'ES256' && type === 'ec' && details.namedCurve === 'prime256v1') ||
    (a === 'ES384' && type === 'ec' && details.namedCurve === 'secp384r1') ||
    (a === 'EdDSA' && type === 'ed25519');
  if (!fits) {
    throw new BatchSignatureError('TONLE_ERR_BATCHSIG_KEY_MISMATCH', `Algorithm ${a} does not fit the signer's ${String(type)} key.`);
  }
  return a;
}

/**
 * Verifies a JWS-form signature (ECDSA as r||s) with node:crypto through `@tonle/pki` (cheaper than WebCrypto on
 * the hot path, architecture §5). Call {@link checkAlgorithmFitsKey} first; a misfit key counts as a bad signature.
 */
export function verifyJwsSignature(alg: SignatureAlgorithm, data: Uint8Array, signature: Uint8Array, key: KeyObject): boolean {
  try {
    return verifySignature({ algorithm: alg, publicKey: key, data, signature });
  } catch {
    return false;
  }
}

const keyIds = new WeakMap<KeyObject, string>();

/** A stable id of a public key (SHA-256 of its SPKI), for cache keys. */
export function keyIdOf(key: KeyObject): string {
  let id = keyIds.get(key);
  if (id === undefined) {
    const publicKey = key.type === 'private' ? undefined : key;
    if (publicKey === undefined) throw new TypeError('Pass a public key or a certificate, not a private key.');
    id = createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex');
    keyIds.set(key, id);
  }
  return id;
}

/** The public key of a DER certificate. */
export function publicKeyOfCertificate(der: Uint8Array): KeyObject {
  try {
    return new X509Certificate(der).publicKey;
  } catch (e) {
    throw new BatchSignatureError('TONLE_ERR_BATCHSIG_MALFORMED', 'The signer certificate is not a DER X.509 certificate.', { cause: e });
  }
}

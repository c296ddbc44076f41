import { createHash, type KeyObject } from 'node:crypto';
import { PkiError, exportPrivateKeyPem, generateKeyPair, loadPrivateKey, type KeySpec } from '@tonle/pki';
import { RegistryError } from '../errors/index.ts';
import type { GlobalConfAlgorithm, PublicJwk } from '@tonle/protocol';
import type { SigningKeyRecord } from '../state/index.ts';

const KEY_SPECS: Readonly<Record<GlobalConfAlgorithm, KeySpec>> = { ES256: 'P-256', ES384: 'P-384', EdDSA: 'Ed25519', PS256: 'RSA-3072', RS256: 'RSA-3072' };

function publicJwk(key: KeyObject): PublicJwk {
  const jwk = key.export({ format: 'jwk' });
  if (jwk.kty === 'EC') return { kty: 'EC', crv: jwk.crv!, x: jwk.x!, y: jwk.y! };
  if (jwk.kty === 'OKP') return { kty: 'OKP', crv: jwk.crv!, x: jwk.x! };
  return { kty: 'RSA', n: jwk.n!, e: jwk.e! };
}

/**
 * A fresh configuration signing key (ES256 by default, architecture §4). The kid is the RFC 7638-style
 * SHA-256 thumbprint prefix of the public key, so it names the key, not a counter.
 */
export async function generateSigningKey(options: { alg?: GlobalConfAlgorithm; now: number; pin?: string }): Promise<SigningKeyRecord> {
  const alg = options.alg ?? 'ES256';
  const { publicKey, privateKey } = await generateKeyPair(KEY_SPECS[alg]);
  const pub = publicJwk(publicKey);
  const kid = createHash('sha256').update(JSON.stringify(pub)).digest('base64url').slice(0, 22);
  return {
    kid,
    alg,
    status: 'current',
    createdAt: new Date(options.now).toISOString(),
    publicKey: pub,
    privateKeyPem: exportPrivateKeyPem(privateKey, options.pin === undefined ? {} : { pin: options.pin }),
  };
}

/** The usable private key of a signing key record, decrypting it with the PIN when it is encrypted. */
export function unlockSigningKey(record: SigningKeyRecord, pin: string | undefined): KeyObject {
  if (record.privateKeyPem === '') throw new RegistryError('TONLE_ERR_REGISTRY_SIGNING_KEY_UNAVAILABLE', `Signing key ${record.kid} is retired; it cannot sign.`);
  try {
    return loadPrivateKey(record.privateKeyPem, pin === undefined ? {} : { pin });
  } catch (cause) {
    if (cause instanceof PkiError) {
      throw new RegistryError(
        'TONLE_ERR_REGISTRY_SIGNING_KEY_UNAVAILABLE',
        `Cannot unlock configuration signing key ${record.kid} (${cause.code}); give every registry node the same signing-key PIN file.`,
        { cause },
      );
    }
    throw cause;
  }
}

import { constants, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { PkiError } from '../errors/index.ts';
import { parseCertificate } from '../certificates/index.ts';
import { exportSpki } from '../keys/index.ts';

/**
 * JWS algorithms Tonle signs and verifies (architecture §4: ES256 default, PS256/RS256 RSA 2048-4096, EdDSA).
 *
 * @example
 * ```ts
 * const alg: JwsAlgorithm = 'ES256';
 * verifyCompactJws(jws, { algorithms: [alg], key });
 * ```
 */
export type JwsAlgorithm = 'ES256' | 'ES384' | 'PS256' | 'RS256' | 'EdDSA';

/**
 * Every supported algorithm, e.g. as a verifier's allow-list.
 *
 * @example
 * ```ts
 * verifyCompactJws(jws, { algorithms: JWS_ALGORITHMS, key });
 * ```
 */
export const JWS_ALGORITHMS: readonly JwsAlgorithm[] = Object.freeze(['ES256', 'ES384', 'PS256', 'RS256', 'EdDSA']);

/**
 * The signing port: a key that signs bytes in JWS encoding (RFC 7518 §3: ECDSA as raw r||s), plus the
 * certificate chain (leaf first, DER) that identifies it. Software keys, HSMs and batch signers implement it.
 *
 * @example
 * ```ts
 * import type { Signer } from '@tonle/pki';
 * async function signPayload(signer: Signer, bytes: Uint8Array): Promise<Uint8Array> {
 *   return signer.sign(bytes);
 * }
 * ```
 */
export interface Signer {
  readonly algorithm: JwsAlgorithm;
  readonly certificateChain: readonly Uint8Array[];
  sign(data: Uint8Array): Promise<Uint8Array>;
}

/**
 * Inputs of {@link createSoftwareSigner}.
 *
 * @example
 * ```ts
 * const options: SoftwareSignerOptions = { privateKey, certificateChain: [signCert, caCert] };
 * const signer = createSoftwareSigner(options);
 * ```
 */
export interface SoftwareSignerOptions {
  readonly privateKey: KeyObject;
  /** Leaf first; the leaf's public key must belong to `privateKey`. May be empty for a bare key. */
  readonly certificateChain: readonly Uint8Array[];
  /** Default: ES256 for P-256, ES384 for P-384, EdDSA for Ed25519, PS256 for RSA. */
  readonly algorithm?: JwsAlgorithm;
}

interface AlgorithmSpec {
  readonly hash: string | null;
  readonly options: { dsaEncoding?: 'ieee-p1363'; padding?: number; saltLength?: number };
  /** Raw r||s length for ECDSA (RFC 7518 §3.4). */
  readonly signatureLength?: number;
}

const SPECS: Readonly<Record<JwsAlgorithm, AlgorithmSpec>> = {
  ES256: { hash: 'sha256', options: { dsaEncoding: 'ieee-p1363' }, signatureLength: 64 },
  ES384: { hash: 'sha384', options: { dsaEncoding: 'ieee-p1363' }, signatureLength: 96 },
  RS256: { hash: 'sha256', options: { padding: constants.RSA_PKCS1_PADDING } },
  // RFC 7518 §3.5: PSS with MGF1/SHA-256 and a salt as long as the hash.
  PS256: { hash: 'sha256', options: { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 } },
  EdDSA: { hash: null, options: {} },
};

/** Throws unless `key` may be used with `algorithm`: the curve, RSA size 2048-4096, or Ed25519. */
export function assertKeyFitsAlgorithm(key: KeyObject, algorithm: JwsAlgorithm): void {
  const type = key.asymmetricKeyType;
  const details = key.asymmetricKeyDetails;
  const ok =
    (algorithm === 'ES256' && type === 'ec' && details?.namedCurve === 'prime256v1') ||
    (algorithm === 'ES384' && type === 'ec' && details?.namedCurve === 'secp384r1') ||
    ((algorithm === 'RS256' || algorithm === 'PS256') &&
      type === 'rsa' &&
      (details?.modulusLength ?? 0) >= 2048 &&
      (details?.modulusLength ?? 0) <= 4096) ||
    (algorithm === 'EdDSA' && type === 'ed25519');
  if (!ok) {
    throw new PkiError(
      'TONLE_ERR_PKI_UNSUPPORTED_ALGORITHM',
      `a ${String(type)} key${details?.namedCurve ? ` on ${details.namedCurve}` : ''}${details?.modulusLength ? ` of ${details.modulusLength} bits` : ''} cannot be used with ${algorithm}; ES256 needs P-256, ES384 P-384, RS256/PS256 RSA 2048-4096, EdDSA Ed25519`,
    );
  }
}

/**
 * The JWS algorithm a key signs with by default.
 *
 * @example
 * ```ts
 * import { defaultJwsAlgorithm } from '@tonle/pki';
 * defaultJwsAlgorithm(p256Key); // 'ES256'
 * ```
 */
export function defaultJwsAlgorithm(key: KeyObject): JwsAlgorithm {
  const type = key.asymmetricKeyType;
  if (type === 'ec') return key.asymmetricKeyDetails?.namedCurve === 'secp384r1' ? 'ES384' : 'ES256';
  if (type === 'ed25519') return 'EdDSA';
  if (type === 'rsa') return 'PS256';
  throw new PkiError('TONLE_ERR_PKI_UNSUPPORTED_ALGORITHM', `unsupported key type ${String(type)}; use RSA, ECDSA P-256/P-384 or Ed25519`);
}

/**
 * A `Signer` over a node:crypto private key (a "software token"). ECDSA and EdDSA sign synchronously
 * (tens of microseconds, cheaper than a thread hop); RSA signs on the libuv thread pool because it
 * costs 0.3-2 ms and would otherwise block the event loop.
 *
 * @example
 * ```ts
 * import { createSoftwareSigner, loadPrivateKey, decodePemAll } from '@tonle/pki';
 * const signer = createSoftwareSigner({
 *   privateKey: loadPrivateKey(keyPem, { pin }),
 *   certificateChain: decodePemAll(chainPem, 'CERTIFICATE'),
 * });
 * const signature = await signer.sign(bytes);
 * ```
 */
export function createSoftwareSigner(options: SoftwareSignerOptions): Signer {
  const { privateKey } = options;
  if (privateKey?.type !== 'private') throw new TypeError('createSoftwareSigner: privateKey must be a private KeyObject');
  if (!Array.isArray(options.certificateChain)) throw new TypeError('createSoftwareSigner: certificateChain must be an array (may be empty)');
  const algorithm = options.algorithm ?? defaultJwsAlgorithm(privateKey);
  if (!(algorithm in SPECS)) throw new TypeError(`createSoftwareSigner: unknown algorithm ${String(algorithm)}`);
  assertKeyFitsAlgorithm(privateKey, algorithm);
  const chain = Object.freeze(options.certificateChain.map((c) => new Uint8Array(c)));
  if (chain[0] !== undefined) {
    const leaf = parseCertificate(chain[0]);
    if (!Buffer.from(leaf.spki).equals(Buffer.from(exportSpki(createPublicKey(privateKey))))) {
      throw new PkiError('TONLE_ERR_PKI_KEY_MISMATCH', 'the first certificate of the chain does not belong to the private key; check the key and certificate files');
    }
  }
  const spec = SPECS[algorithm];
  const keyInput = { key: privateKey, ...spec.options };
  const rsa = privateKey.asymmetricKeyType === 'rsa';
  return Object.freeze({
    algorithm,
    certificateChain: chain,
    sign(data: Uint8Array): Promise<Uint8Array> {
      if (!(data instanceof Uint8Array)) return Promise.reject(new TypeError('Signer.sign: data must be a Uint8Array'));
      if (!rsa) {
        try {
          return Promise.resolve(new Uint8Array(sign(spec.hash, data, keyInput)));
        } catch (e) {
          return Promise.reject(e);
        }
      }
      return new Promise((resolve, reject) => {
        sign(spec.hash, data, keyInput, (err, sig) => (err ? reject(err) : resolve(new Uint8Array(sig))));
      });
    },
  });
}

/**
 * Inputs of {@link verifySignature}.
 *
 * @example
 * ```ts
 * const options: VerifySignatureOptions = { algorithm: 'ES256', publicKey: signCertDer, data, signature };
 * verifySignature(options);
 * ```
 */
export interface VerifySignatureOptions {
  readonly algorithm: JwsAlgorithm;
  /** The public key (a KeyObject), or a DER certificate whose key is used. */
  readonly publicKey: KeyObject | Uint8Array;
  readonly data: Uint8Array;
  /** JWS encoding (ECDSA raw r||s). */
  readonly signature: Uint8Array;
}

/**
 * Verifies a JWS-encoded signature with node:crypto. Returns false for a wrong signature; a key that
 * does not fit the algorithm throws `TONLE_ERR_PKI_UNSUPPORTED_ALGORITHM` (never "verify with whatever").
 *
 * @example
 * ```ts
 * import { verifySignature } from '@tonle/pki';
 * if (!verifySignature({ algorithm: 'ES256', publicKey: signCertDer, data, signature })) throw new Error('bad signature');
 * ```
 */
export function verifySignature(options: VerifySignatureOptions): boolean {
  const spec = SPECS[options.algorithm];
  if (spec === undefined) throw new TypeError(`verifySignature: unknown algorithm ${String(options.algorithm)}`);
  if (!(options.data instanceof Uint8Array) || !(options.signature instanceof Uint8Array)) {
    throw new TypeError('verifySignature: data and signature must be Uint8Array');
  }
  const key = options.publicKey instanceof Uint8Array ? parseCertificate(options.publicKey).publicKey : options.publicKey;
  assertKeyFitsAlgorithm(key, options.algorithm);
  if (spec.signatureLength !== undefined && options.signature.length !== spec.signatureLength) return false;
  try {
    return verify(spec.hash, options.data, { key, ...spec.options }, options.signature);
  } catch {
    return false;
  }
}

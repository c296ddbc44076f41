import { createHash, type KeyObject } from 'node:crypto';
import { PkiError } from '../errors/index.ts';

/**
 * Digest algorithms accepted in time-stamp imprints and signatures.
 *
 * @example
 * ```ts
 * const alg: HashAlgorithm = 'SHA-512';
 * const imprint = digest(alg, data);
 * ```
 */
export type HashAlgorithm = 'SHA-256' | 'SHA-384' | 'SHA-512';

/**
 * Object identifiers used across the package (RFC 5280, RFC 5754, RFC 8410, RFC 6960, RFC 3161).
 *
 * @example
 * ```ts
 * issueCertificate({ ...base, extendedKeyUsage: [OID.ekuTimeStamping] });
 * ```
 */
export const OID = {
  sha1: '1.3.14.3.2.26',
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  sha512: '2.16.840.1.101.3.4.2.3',
  rsaEncryption: '1.2.840.113549.1.1.1',
  sha256WithRsa: '1.2.840.113549.1.1.11',
  sha384WithRsa: '1.2.840.113549.1.1.12',
  sha512WithRsa: '1.2.840.113549.1.1.13',
  rsaPss: '1.2.840.113549.1.1.10',
  ecdsaSha256: '1.2.840.10045.4.3.2',
  ecdsaSha384: '1.2.840.10045.4.3.3',
  ecdsaSha512: '1.2.840.10045.4.3.4',
  ed25519: '1.3.101.112',
  ekuServerAuth: '1.3.6.1.5.5.7.3.1',
  ekuClientAuth: '1.3.6.1.5.5.7.3.2',
  ekuTimeStamping: '1.3.6.1.5.5.7.3.8',
  ekuOcspSigning: '1.3.6.1.5.5.7.3.9',
  ocspBasic: '1.3.6.1.5.5.7.48.1.1',
  ocspNonce: '1.3.6.1.5.5.7.48.1.2',
  ocspNoCheck: '1.3.6.1.5.5.7.48.1.5',
  contentTypeAttr: '1.2.840.113549.1.9.3',
  messageDigestAttr: '1.2.840.113549.1.9.4',
  signingCertificateV2Attr: '1.2.840.113549.1.9.16.2.47',
  signedData: '1.2.840.113549.1.7.2',
  tstInfo: '1.2.840.113549.1.9.16.1.4',
} as const;

const HASH_BY_NAME: Record<HashAlgorithm, { oid: string; node: string; length: number }> = {
  'SHA-256': { oid: OID.sha256, node: 'sha256', length: 32 },
  'SHA-384': { oid: OID.sha384, node: 'sha384', length: 48 },
  'SHA-512': { oid: OID.sha512, node: 'sha512', length: 64 },
};

/** The OID of a hash algorithm. */
export function hashOid(alg: HashAlgorithm): string {
  return HASH_BY_NAME[alg].oid;
}

/** The output length in bytes of a hash algorithm. */
export function hashLength(alg: HashAlgorithm): number {
  return HASH_BY_NAME[alg].length;
}

/** The hash algorithm for an OID, or undefined when it is not one we accept (SHA-1 is not). */
export function hashFromOid(oid: string): HashAlgorithm | undefined {
  for (const [name, v] of Object.entries(HASH_BY_NAME)) if (v.oid === oid) return name as HashAlgorithm;
  return undefined;
}

/**
 * Digest of `data` with node:crypto.
 *
 * @example
 * ```ts
 * const sha256 = digest('SHA-256', new TextEncoder().encode('abc'));
 * ```
 */
export function digest(alg: HashAlgorithm | 'SHA-1', data: Uint8Array): Uint8Array {
  const node = alg === 'SHA-1' ? 'sha1' : HASH_BY_NAME[alg].node;
  return new Uint8Array(createHash(node).update(data).digest());
}

/** How a key signs X.509 / CMS / OCSP structures: which AlgorithmIdentifier and which digest. */
export interface X509SignatureScheme {
  /** signatureAlgorithm OID for certificates, CSRs and OCSP responses. */
  readonly oid: string;
  /** RSA AlgorithmIdentifiers carry an explicit NULL parameter (RFC 4055 §5); EC and EdDSA none. */
  readonly nullParams: boolean;
  /** node:crypto digest name, or null for Ed25519 (pure EdDSA). */
  readonly nodeHash: string | null;
  /** The digest algorithm for CMS signed attributes (RFC 8419 §3: SHA-512 with Ed25519). */
  readonly cmsDigest: HashAlgorithm;
}

/**
 * The signature scheme a private or public key uses for X.509-family structures: RSA with
 * PKCS#1 v1.5 and SHA-256, ECDSA P-256/SHA-256, ECDSA P-384/SHA-384, Ed25519.
 */
export function schemeForKey(key: KeyObject): X509SignatureScheme {
  const type = key.asymmetricKeyType;
  if (type === 'rsa') return { oid: OID.sha256WithRsa, nullParams: true, nodeHash: 'sha256', cmsDigest: 'SHA-256' };
  if (type === 'ed25519') return { oid: OID.ed25519, nullParams: false, nodeHash: null, cmsDigest: 'SHA-512' };
  if (type === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve === 'prime256v1') return { oid: OID.ecdsaSha256, nullParams: false, nodeHash: 'sha256', cmsDigest: 'SHA-256' };
    if (curve === 'secp384r1') return { oid: OID.ecdsaSha384, nullParams: false, nodeHash: 'sha384', cmsDigest: 'SHA-384' };
  }
  throw new PkiError(
    'TONLE_ERR_PKI_UNSUPPORTED_ALGORITHM',
    `unsupported key type ${String(type)}; use RSA 2048-4096, ECDSA P-256/P-384 or Ed25519`,
  );
}

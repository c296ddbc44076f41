import { constants, sign, verify, type KeyObject } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { PkiError } from '../errors/index.ts';
import { OID, hashFromOid, schemeForKey, type HashAlgorithm } from './algorithms.ts';

/**
 * Signs `data` the way X.509, CMS and OCSP structures are signed (DER-encoded ECDSA, PKCS#1 v1.5 RSA),
 * with node:crypto, and returns the matching pkijs AlgorithmIdentifier.
 */
export function signX509(privateKey: KeyObject, data: Uint8Array): {
  algorithm: pkijs.AlgorithmIdentifier;
  signature: Uint8Array;
} {
  const scheme = schemeForKey(privateKey);
  const signature = new Uint8Array(sign(scheme.nodeHash, data, privateKey));
  return { algorithm: algorithmIdentifier(scheme.oid, scheme.nullParams), signature };
}

/** A pkijs AlgorithmIdentifier, with an explicit NULL parameter when asked (RSA, hash algorithms). */
export function algorithmIdentifier(oid: string, nullParams: boolean): pkijs.AlgorithmIdentifier {
  return nullParams
    ? new pkijs.AlgorithmIdentifier({ algorithmId: oid, algorithmParams: new asn1js.Null() })
    : new pkijs.AlgorithmIdentifier({ algorithmId: oid });
}

const NODE_HASH: Record<HashAlgorithm, string> = { 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512' };

/**
 * Verifies a signature made under an X.509 signature AlgorithmIdentifier. `digestHint` is the CMS
 * digestAlgorithm, needed when the signature algorithm is plain rsaEncryption (RFC 5652 §5.4, RFC 3370 §3.2).
 * Returns false for a wrong signature; throws `TONLE_ERR_PKI_UNSUPPORTED_ALGORITHM` for an algorithm we
 * do not accept (SHA-1 based ones included).
 */
export function verifyX509(
  algorithm: pkijs.AlgorithmIdentifier,
  publicKey: KeyObject,
  data: Uint8Array,
  signature: Uint8Array,
  digestHint?: HashAlgorithm,
): boolean {
  const oid = algorithm.algorithmId;
  let hash: string | null;
  let options: { padding?: number; saltLength?: number } = {};
  switch (oid) {
    case OID.sha256WithRsa:
      hash = 'sha256';
      break;
    case OID.sha384WithRsa:
      hash = 'sha384';
      break;
    case OID.sha512WithRsa:
      hash = 'sha512';
      break;
    case OID.ecdsaSha256:
      hash = 'sha256';
      break;
    case OID.ecdsaSha384:
      hash = 'sha384';
      break;
    case OID.ecdsaSha512:
      hash = 'sha512';
      break;
    case OID.ed25519:
      hash = null;
      break;
    case OID.rsaEncryption:
      if (digestHint === undefined) throw unsupported(oid);
      hash = NODE_HASH[digestHint];
      break;
    case OID.rsaPss: {
      const params = new pkijs.RSASSAPSSParams({ schema: algorithm.algorithmParams });
      const h = hashFromOid(params.hashAlgorithm.algorithmId);
      if (h === undefined) throw unsupported(`${oid} with hash ${params.hashAlgorithm.algorithmId}`);
      hash = NODE_HASH[h];
      options = { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: params.saltLength };
      break;
    }
    default:
      throw unsupported(oid);
  }
  const family = publicKey.asymmetricKeyType;
  const expected = oid.startsWith('1.2.840.10045') ? 'ec' : oid === OID.ed25519 ? 'ed25519' : 'rsa';
  if (family !== expected && !(expected === 'rsa' && family === 'rsa-pss')) return false;
  try {
    return verify(hash, data, { key: publicKey, ...options }, signature);
  } catch {
    // node:crypto throws on structurally invalid signatures (e.g. bad ECDSA DER): that is a failed check.
    return false;
  }
}

function unsupported(what: string): PkiError {
  return new PkiError(
    'TONLE_ERR_PKI_UNSUPPORTED_ALGORITHM',
    `signature algorithm ${what} is not accepted; use RSA (SHA-256/384/512, PSS), ECDSA or Ed25519`,
  );
}

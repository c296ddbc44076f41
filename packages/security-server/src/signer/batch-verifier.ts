import { createHash } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { merkleLeafHash, verifyInclusion } from '@tonle/protocol';
import { hashFunction } from './algorithms.ts';
import type { BatchHashAlgorithm, SignatureAlgorithm } from './algorithms.ts';
import { BatchSignatureError } from './errors.ts';
import { decodeBatchJws } from './jws.ts';
import type { BatchJwsHeader, BatchRootPayload } from './jws.ts';
import { checkAlgorithmFitsKey, keyIdOf, publicKeyOfCertificate, verifyJwsSignature } from './node-crypto.ts';

/** One message's claim to be covered by a batch signature. */
export interface BatchSignatureClaim {
  readonly jws: string;
  readonly proof: readonly Uint8Array[];
  readonly index: number;
  readonly treeSize: number;
}

export interface VerifiedBatchSignature {
  readonly root: Uint8Array;
  readonly algorithm: SignatureAlgorithm;
  readonly hashAlgorithm: BatchHashAlgorithm;
  readonly signedAt: number;
  readonly header: BatchJwsHeader;
  readonly payload: BatchRootPayload;
}

export interface BatchSignatureVerifier {
  /**
   * Checks that `leafData` is in the batch whose root the JWS signs, and that the JWS is signed by `key` (a public
   * KeyObject or the signer's DER certificate; chain, OCSP and signer identity are the caller's checks).
   * The signature over one root is verified once per key; every further message of that batch costs only its
   * inclusion proof (architecture §5).
   */
  verifyBatchSignature(leafData: Uint8Array, claim: BatchSignatureClaim, key: KeyObject | Uint8Array): VerifiedBatchSignature;
  /** Counters for metrics and tests. */
  stats(): { readonly signatureVerifications: number; readonly cacheHits: number };
}

interface Verified {
  readonly header: BatchJwsHeader;
  readonly payload: BatchRootPayload;
  readonly root: Uint8Array;
  readonly algorithm: SignatureAlgorithm;
}

export function createBatchSignatureVerifier({ maxCacheEntries = 10_000 }: { maxCacheEntries?: number } = {}): BatchSignatureVerifier {
  if (!Number.isSafeInteger(maxCacheEntries) || maxCacheEntries < 0) {
    throw new TypeError('createBatchSignatureVerifier: maxCacheEntries must be a non-negative integer');
  }
  const verified = new Map<string, Verified>();
  const certKeys = new Map<string, KeyObject>();
  let signatureVerifications = 0;
  let cacheHits = 0;

  function remember<V>(map: Map<string, V>, key: string, value: V): void {
    if (maxCacheEntries === 0) return;
    if (map.size >= maxCacheEntries) {
      const oldest = map.keys().next();
      if (oldest.done !== true) map.delete(oldest.value);
    }
    map.set(key, value);
  }

  function toKey(key: KeyObject | Uint8Array): KeyObject {
    if (key instanceof Uint8Array) {
      const id = createHash('sha256').update(key).digest('hex');
      let k = certKeys.get(id);
      if (k === undefined) {
        k = publicKeyOfCertificate(key);
        remember(certKeys, id, k);
      }
      return k;
    }
    if (typeof key !== 'object' || key === null || typeof (key as KeyObject).asymmetricKeyType !== 'string') {
      throw new TypeError('verifyBatchSignature: key must be a public KeyObject or a DER certificate');
    }
    return key;
  }

  function verifyRoot(jws: string, key: KeyObject): Verified {
    const cacheKey = `${keyIdOf(key)}|${jws}`;
    const hit = verified.get(cacheKey);
    if (hit !== undefined) {
      cacheHits++;
      return hit;
    }
    const decoded = decodeBatchJws(jws);
    const algorithm = checkAlgorithmFitsKey(decoded.header.alg, key);
    signatureVerifications++;
    if (!verifyJwsSignature(algorithm, new TextEncoder().encode(decoded.signingInput), decoded.signature, key)) {
      throw new BatchSignatureError('TONLE_ERR_BATCHSIG_BAD_SIGNATURE', 'The batch signature does not verify with the signer key.');
    }
    const result: Verified = {
      header: decoded.header,
      payload: decoded.payload,
      root: new Uint8Array(Buffer.from(decoded.payload.root, 'base64url')),
      algorithm,
    };
    // Only verified roots are cached, so a forged JWS is re-checked (and refused) every time.
    remember(verified, cacheKey, result);
    return result;
  }

  return {
    verifyBatchSignature(leafData, claim, key) {
      if (!(leafData instanceof Uint8Array)) throw new TypeError('verifyBatchSignature: leafData must be a Uint8Array');
      if (typeof claim !== 'object' || claim === null || !Array.isArray(claim.proof)) {
        throw new TypeError('verifyBatchSignature: claim must be { jws, proof, index, treeSize }');
      }
      const v = verifyRoot(claim.jws, toKey(key));
      const hashAlgorithm = v.payload.digestAlgorithm;
      const hash = hashFunction(hashAlgorithm);
      const included =
        claim.treeSize === v.payload.size &&
        claim.proof.every((p) => p instanceof Uint8Array) &&
        verifyInclusion(hash, {
          leafHash: merkleLeafHash(hash, leafData),
          index: claim.index,
          treeSize: claim.treeSize,
          proof: claim.proof,
          root: v.root,
        });
      if (!included) {
        throw new BatchSignatureError('TONLE_ERR_BATCHSIG_NOT_INCLUDED', 'The message is not in the signed batch (inclusion proof fails).');
      }
      return {
        root: v.root,
        algorithm: v.algorithm,
        hashAlgorithm,
        signedAt: v.payload.signedAt,
        header: v.header,
        payload: v.payload,
      };
    },
    stats: () => ({ signatureVerifications, cacheHits }),
  };
}

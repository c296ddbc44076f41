import { createHash } from 'node:crypto';
import { JWS_ALGORITHMS } from '@tonle/pki';
import type { JwsAlgorithm } from '@tonle/pki';

/** JWS algorithms of the pki Signer port (architecture §4). */
export type SignatureAlgorithm = JwsAlgorithm;
export const SIGNATURE_ALGORITHMS: readonly SignatureAlgorithm[] = JWS_ALGORITHMS;

/** Merkle hash algorithm of a batch (X-Road default digest SHA-512, xroad-digest §3.5). */
export type BatchHashAlgorithm = 'SHA-256' | 'SHA-512';
export const BATCH_HASH_ALGORITHMS: readonly BatchHashAlgorithm[] = ['SHA-256', 'SHA-512'];

export function hashFunction(algorithm: BatchHashAlgorithm): (data: Uint8Array) => Uint8Array {
  const name = algorithm === 'SHA-256' ? 'sha256' : 'sha512';
  return (data) => new Uint8Array(createHash(name).update(data).digest());
}

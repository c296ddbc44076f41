import { createHash } from 'node:crypto';
import { merkleLeafHash, verifyInclusion } from '@tonle/protocol';
import type { MessageEntry } from '../log-format/index.ts';

/**
 * What the signature says about the logged content (Tonle transport v1, docs/protocol.md): `bound` when the
 * signed descriptor's message id, kind and SHA-512 header digest match the record (and the body digest the
 * retained body), `not-checked` when the signed payload is not a transport v1 descriptor or a batch
 * signature's descriptor was not recorded.
 */
export type ContentBinding = { readonly result: 'bound'; readonly body: 'bound' | 'commitment-only' | 'none' } | { readonly result: 'not-checked'; readonly reason: string } | { readonly result: 'mismatch'; readonly reason: string };

const sha512 = (d: Uint8Array): Uint8Array => createHash('sha512').update(d).digest();
const b64urlSha512 = (d: Uint8Array): string => Buffer.from(sha512(d)).toString('base64url');

function parseObject(bytes: Uint8Array): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(Buffer.from(bytes).toString('utf8'));
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Checks the verified JWS `payload` of a record against the record's header part and retained body. */
export function checkContentBinding(entry: MessageEntry, payload: Uint8Array, body: Uint8Array): ContentBinding {
  let descriptor = parseObject(payload);
  if (descriptor === undefined) return { result: 'not-checked', reason: 'the signed payload is not JSON' };
  if (descriptor['kind'] === 'batch') {
    // Batch signature: the JWS signs a Merkle root (SHA-512, RFC 9162 hashing); the record must carry this
    // message's descriptor and its inclusion proof.
    const proof = entry.batchProof as { descriptor?: unknown; index?: unknown; size?: unknown; path?: unknown } | undefined;
    if (typeof proof?.descriptor !== 'string' || !Array.isArray(proof.path) || typeof proof.index !== 'number' || typeof proof.size !== 'number') {
      return { result: 'not-checked', reason: 'batch signature without a recorded descriptor and proof' };
    }
    const descriptorBytes = Buffer.from(proof.descriptor, 'base64url');
    const root = typeof descriptor['root'] === 'string' ? Buffer.from(descriptor['root'], 'base64url') : new Uint8Array(0);
    const included = verifyInclusion(sha512, {
      leafHash: merkleLeafHash(sha512, descriptorBytes),
      index: proof.index,
      treeSize: proof.size,
      proof: proof.path.map((p) => Buffer.from(String(p), 'base64url')),
      root,
    });
    if (!included || descriptor['size'] !== proof.size) return { result: 'mismatch', reason: 'the recorded descriptor is not in the signed batch' };
    descriptor = parseObject(descriptorBytes);
    if (descriptor === undefined) return { result: 'mismatch', reason: 'the batch descriptor is not JSON' };
  }
  const { headerDigest, bodyDigest, digestAlgorithm, messageId, kind } = descriptor;
  if (digestAlgorithm !== 'SHA-512' || typeof headerDigest !== 'string' || typeof bodyDigest !== 'string') {
    return { result: 'not-checked', reason: 'the signed payload is not a transport v1 descriptor' };
  }
  if (messageId !== entry.xRoadId) return { result: 'mismatch', reason: 'the signed message id differs from the record' };
  if (kind !== entry.kind) return { result: 'mismatch', reason: `the signature is over a ${String(kind)}, the record is a ${entry.kind}` };
  if (entry.headerPart === undefined || b64urlSha512(Buffer.from(entry.headerPart, 'utf8')) !== headerDigest) {
    return { result: 'mismatch', reason: 'the recorded header part is not the signed one' };
  }
  if (body.length > 0) {
    if (b64urlSha512(body) !== bodyDigest) return { result: 'mismatch', reason: 'the retained body is not the signed one' };
    return { result: 'bound', body: 'bound' };
  }
  return { result: 'bound', body: entry.body === undefined ? 'none' : 'commitment-only' };
}

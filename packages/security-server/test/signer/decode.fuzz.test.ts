import { generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BatchSignatureError, createBatchSignatureVerifier } from '../../src/signer/index.ts';

describe('verifyBatchSignature under fuzzing', () => {
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const verifier = createBatchSignatureVerifier();
  const b64 = (s: string) => Buffer.from(s).toString('base64url');
  const jwsLike = fc.oneof(
    fc.string(),
    fc.tuple(fc.string(), fc.string(), fc.string()).map(([a, b, c]) => `${a}.${b}.${c}`),
    fc.tuple(fc.jsonValue(), fc.jsonValue(), fc.uint8Array()).map(
      ([h, p, s]) => `${b64(JSON.stringify(h))}.${b64(JSON.stringify(p))}.${Buffer.from(s).toString('base64url')}`,
    ),
    fc.tuple(fc.constantFrom('ES256', 'RS256', 'none', 'HS256'), fc.integer(), fc.string()).map(
      ([alg, size, root]) =>
        `${b64(JSON.stringify({ alg }))}.${b64(JSON.stringify({ root, size, digestAlgorithm: 'SHA-256', signedAt: 1 }))}.AAAA`,
    ),
  );
  it('refuses garbage with a BatchSignatureError, never another exception', () => {
    fc.assert(
      fc.property(jwsLike, fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 5 }), fc.integer(), fc.integer(), (jws, proof, index, treeSize) => {
        try {
          verifier.verifyBatchSignature(new Uint8Array([1]), { jws, proof, index, treeSize }, publicKey);
          throw new Error('accepted garbage');
        } catch (e) {
          expect(e).toBeInstanceOf(BatchSignatureError);
        }
      }),
      { numRuns: 1000 },
    );
  });
});

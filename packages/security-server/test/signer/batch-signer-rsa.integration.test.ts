// Concurrency with a real RSA-3072 key (~540 signatures/s per core, architecture §5): under load the signer
// forms batches larger than one and every message still verifies on its own.
import { createHash, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { compactJws, createBatchSignatureVerifier, createBatchSigner, signJws, type RootSigner } from '../../src/signer/index.ts';

describe('batch signing with RSA-3072 under load', () => {
  it('forms batches > 1 and every message verifies independently', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 3072 });
    let signatures = 0;
    const signer: RootSigner = {
      algorithm: 'PS256',
      certificateChain: [],
      async sign(data) {
        signatures++;
        // Yield first so that concurrent callers can queue, as with an out-of-process or HSM signer.
        await new Promise((r) => setImmediate(r));
        return signJws('PS256', data, privateKey);
      },
    };
    const sizes: number[] = [];
    const batch = createBatchSigner({ signer, clock: { now: () => 0 }, metrics: { onBatch: (n) => sizes.push(n) } });
    const messages = Array.from({ length: 400 }, (_, i) => new Uint8Array(createHash('sha512').update(`msg-${i}`).digest()));
    // 8 concurrent "request handlers", each sending 50 messages back to back.
    const results = await Promise.all(
      Array.from({ length: 8 }, async (_, w) => {
        const out = [];
        for (let i = w; i < messages.length; i += 8) out.push({ i, r: await batch.sign(messages[i] as Uint8Array) });
        return out;
      }),
    );
    expect(Math.max(...sizes)).toBeGreaterThan(1);
    expect(signatures).toBeLessThan(messages.length);
    const verifier = createBatchSignatureVerifier();
    for (const { i, r } of results.flat()) {
      const v = createBatchSignatureVerifier(); // fresh: no cache help, each message on its own
      v.verifyBatchSignature(messages[i] as Uint8Array, { jws: compactJws(r), proof: r.proof, index: r.index, treeSize: r.size }, publicKey);
      verifier.verifyBatchSignature(messages[i] as Uint8Array, { jws: compactJws(r), proof: r.proof, index: r.index, treeSize: r.size }, publicKey);
    }
    expect(verifier.stats().signatureVerifications).toBe(signatures);
  });
});

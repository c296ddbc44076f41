// For any batch size and any messages, every message's proof verifies against the one signature, and no
// message verifies under another message's position.
import { generateKeyPairSync } from 'node:crypto';
import { createSoftwareSigner } from '@tonle/pki';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compactJws, createBatchSignatureVerifier, createBatchSigner, type RootSigner } from '../../src/signer/index.ts';

describe('batch proofs (property)', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const software = createSoftwareSigner({ privateKey, certificateChain: [] });

  it('every member of a batch verifies, and only at its own index', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.uint8Array({ minLength: 1, maxLength: 80 }), { minLength: 1, maxLength: 40, selector: (a) => Buffer.from(a).toString('hex') }),
        fc.constantFrom('SHA-256' as const, 'SHA-512' as const),
        async (messages, hashAlgorithm) => {
          // Hold the first signature until every message has queued, so the rest form one batch.
          let release: () => void = () => undefined;
          const gate = new Promise<void>((r) => (release = r));
          let first = true;
          const signer: RootSigner = {
            algorithm: software.algorithm,
            certificateChain: [],
            async sign(data) {
              if (first) {
                first = false;
                await gate;
              }
              return software.sign(data);
            },
          };
          const batch = createBatchSigner({ signer, clock: { now: () => 1 }, hashAlgorithm });
          const pending = messages.map((m) => batch.sign(m));
          release();
          const results = await Promise.all(pending);
          if (messages.length > 1) expect(results[1]?.size).toBe(messages.length - 1);
          const verifier = createBatchSignatureVerifier();
          results.forEach((r, i) => {
            const claim = { jws: compactJws(r), proof: r.proof, index: r.index, treeSize: r.size };
            expect(verifier.verifyBatchSignature(messages[i] as Uint8Array, claim, publicKey).hashAlgorithm).toBe(hashAlgorithm);
            if (r.size > 1) {
              const other = (r.index + 1) % r.size;
              expect(() => verifier.verifyBatchSignature(messages[i] as Uint8Array, { ...claim, index: other }, publicKey)).toThrow(
                expect.objectContaining({ code: 'TONLE_ERR_BATCHSIG_NOT_INCLUDED' }),
              );
            }
          });
        },
      ),
      { numRuns: 60 },
    );
  });
});

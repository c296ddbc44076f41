// Concurrency with a real RSA-3072 key (~540 signatures/s per core, architecture §5) on pki's software signer, whose
// RSA signing runs off the event loop: under load the batch signer forms batches larger than one, and every message
// still verifies on its own against the signing certificate issued by a real CA (test-kit).
import { createHash } from 'node:crypto';
import { createSoftwareSigner, type Signer } from '@tonle/pki';
import { createTestPki } from '@tonle/test-kit';
import { compactVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { compactJws, createBatchSignatureVerifier, createBatchSigner } from '../../src/signer/index.ts';

describe('batch signing with RSA-3072 under load', () => {
  it('forms batches > 1 and every message verifies independently', async () => {
    await using pki = await createTestPki();
    const member = await pki.issueSignCertificate({ memberClass: 'GOV', memberCode: '1234' }, { keySpec: 'RSA-3072' });
    const software = createSoftwareSigner({ privateKey: member.privateKey, certificateChain: member.chain, algorithm: 'PS256' });
    let signatures = 0;
    const signer: Signer = {
      algorithm: software.algorithm,
      certificateChain: software.certificateChain,
      sign: (data) => {
        signatures++;
        return software.sign(data);
      },
    };
    const sizes: number[] = [];
    const batch = createBatchSigner({ signer, clock: { now: () => 0 }, metrics: { onBatch: (n) => sizes.push(n) } });
    const messages = Array.from({ length: 400 }, (_, i) => new Uint8Array(createHash('sha512').update(`msg-${i}`).digest()));
    // 16 concurrent "request handlers", each sending 25 messages back to back.
    const results = await Promise.all(
      Array.from({ length: 16 }, async (_, w) => {
        const out = [];
        for (let i = w; i < messages.length; i += 16) out.push({ i, r: await batch.sign(messages[i] as Uint8Array) });
        return out;
      }),
    );
    expect(Math.max(...sizes)).toBeGreaterThan(1);
    expect(signatures).toBeLessThan(messages.length);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(messages.length);
    const shared = createBatchSignatureVerifier();
    for (const { i, r } of results.flat()) {
      const claim = { jws: compactJws(r), proof: r.proof, index: r.index, treeSize: r.size };
      // A fresh verifier (no cache help) against the DER certificate: each message stands on its own.
      createBatchSignatureVerifier().verifyBatchSignature(messages[i] as Uint8Array, claim, member.certificate);
      shared.verifyBatchSignature(messages[i] as Uint8Array, claim, member.certificate);
    }
    expect(shared.stats().signatureVerifications).toBe(signatures);
    // jose (WebCrypto) accepts what pki's node:crypto signer produced.
    const first = results.flat()[0];
    if (first === undefined) throw new Error('no result');
    await expect(compactVerify(compactJws(first.r), member.publicKey)).resolves.toBeTruthy();
  });
});

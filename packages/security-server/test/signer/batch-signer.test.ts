import { createHash, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { compactVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { createSoftwareSigner } from '@tonle/pki';
import {
  compactJws,
  createBatchSignatureVerifier,
  createBatchSigner,
  decodeBatchJws,
  type RootSigner,
  type SignatureAlgorithm,
} from '../../src/signer/index.ts';

const clock = { now: () => 1_800_000_000_000 };

function keyPair(alg: SignatureAlgorithm, modulusLength = 2048): { privateKey: KeyObject; publicKey: KeyObject } {
  switch (alg) {
    case 'ES256':
      return generateKeyPairSync('ec', { namedCurve: 'P-256' });
    case 'ES384':
      return generateKeyPairSync('ec', { namedCurve: 'P-384' });
    case 'EdDSA':
      return generateKeyPairSync('ed25519');
    default:
      return generateKeyPairSync('rsa', { modulusLength });
  }
}

/** pki's software signer, wrapped to count its signatures and optionally be slow (like an HSM). */
function testSigner(alg: SignatureAlgorithm, privateKey: KeyObject, opts: { delayMs?: number } = {}) {
  let calls = 0;
  const inner = createSoftwareSigner({ privateKey, certificateChain: [], algorithm: alg });
  const signer: RootSigner = {
    algorithm: alg,
    certificateChain: [],
    async sign(data) {
      calls++;
      if (opts.delayMs !== undefined) await new Promise((r) => setTimeout(r, opts.delayMs));
      return inner.sign(data);
    },
  };
  return { signer, calls: () => calls };
}

const digest = (s: string) => new Uint8Array(createHash('sha512').update(s).digest());

describe('createBatchSigner', () => {
  it.each(['ES256', 'ES384', 'PS256', 'RS256', 'EdDSA'] as const)('signs one message alone with %s; jose and the verifier agree', async (alg) => {
    const { privateKey, publicKey } = keyPair(alg);
    const { signer, calls } = testSigner(alg, privateKey);
    const batch = createBatchSigner({ signer, clock });
    const result = await batch.sign(digest('m1'));
    expect(result).toMatchObject({ size: 1, index: 0, proof: [], signedAt: clock.now(), algorithm: alg, hashAlgorithm: 'SHA-512' });
    expect(calls()).toBe(1);
    const jws = compactJws(result);
    // node:crypto produced it; jose (WebCrypto) must accept it too (architecture §5).
    const { protectedHeader } = await compactVerify(jws, publicKey);
    expect(protectedHeader).toMatchObject({ alg, typ: 'tonle-batch+jws' });
    const verifier = createBatchSignatureVerifier();
    const v = verifier.verifyBatchSignature(digest('m1'), { jws, proof: result.proof, index: 0, treeSize: 1 }, publicKey);
    expect(v.root).toEqual(result.root);
    expect(v.signedAt).toBe(clock.now());
  });

  it('batches what queues while a signature is in flight, and every message verifies on its own', async () => {
    const { privateKey, publicKey } = keyPair('ES256');
    const { signer, calls } = testSigner('ES256', privateKey, { delayMs: 20 });
    const sizes: number[] = [];
    const batch = createBatchSigner({ signer, clock, hashAlgorithm: 'SHA-256', metrics: { onBatch: (n) => sizes.push(n) } });
    const messages = Array.from({ length: 50 }, (_, i) => digest(`message ${i}`));
    const results = await Promise.all(messages.map((m) => batch.sign(m)));
    expect(sizes[0]).toBe(1); // the first waits for nobody
    expect(sizes.slice(1).reduce((a, b) => a + b, 0)).toBe(49);
    expect(calls()).toBe(sizes.length);
    expect(calls()).toBeLessThan(50);
    const verifier = createBatchSignatureVerifier();
    results.forEach((r, i) => {
      verifier.verifyBatchSignature(messages[i] as Uint8Array, { jws: compactJws(r), proof: r.proof, index: r.index, treeSize: r.size }, publicKey);
    });
    // One signature verification per batch, not per message.
    expect(verifier.stats().signatureVerifications).toBe(sizes.length);
  });

  it('bounds the batch size', async () => {
    const { privateKey } = keyPair('EdDSA');
    const { signer } = testSigner('EdDSA', privateKey, { delayMs: 10 });
    const sizes: number[] = [];
    const batch = createBatchSigner({ signer, clock, maxBatchSize: 4, metrics: { onBatch: (n) => sizes.push(n) } });
    await Promise.all(Array.from({ length: 21 }, (_, i) => batch.sign(digest(String(i)))));
    expect(Math.max(...sizes)).toBeLessThanOrEqual(4);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(21);
  });

  it('propagates a signing failure to every waiter of the batch, then recovers', async () => {
    const { privateKey } = keyPair('ES256');
    const inner = createSoftwareSigner({ privateKey, certificateChain: [] });
    let fail = true;
    const signer: RootSigner = {
      algorithm: 'ES256',
      certificateChain: [],
      async sign(data) {
        await new Promise((r) => setTimeout(r, 5));
        if (fail) throw new Error('HSM unavailable');
        return inner.sign(data);
      },
    };
    const batch = createBatchSigner({ signer, clock });
    const outcomes = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => batch.sign(digest(String(i)))));
    expect(outcomes.every((o) => o.status === 'rejected' && (o.reason as { code?: string }).code === 'TONLE_ERR_BATCHSIG_SIGNING_FAILED')).toBe(true);
    fail = false;
    await expect(batch.sign(digest('after'))).resolves.toMatchObject({ size: 1 });
    await batch.close();
    await expect(batch.sign(digest('closed'))).rejects.toMatchObject({ code: 'TONLE_ERR_BATCHSIG_CLOSED' });
  });

  it('signs caller-chosen bytes with toBeSigned', async () => {
    const { privateKey } = keyPair('ES256');
    const { signer } = testSigner('ES256', privateKey);
    const seen: number[] = [];
    const batch = createBatchSigner({
      signer,
      clock,
      toBeSigned: (root, size, signedAt) => {
        seen.push(size, signedAt);
        return new Uint8Array([...root, size]);
      },
    });
    const r = await batch.sign(digest('x'));
    expect(r.signedBytes).toEqual(new Uint8Array([...r.root, 1]));
    expect(seen).toEqual([1, clock.now()]);
  });

  it('refuses misuse with TypeError', () => {
    const { privateKey } = keyPair('ES256');
    const { signer } = testSigner('ES256', privateKey);
    expect(() => createBatchSigner({ signer, clock, maxBatchSize: 0 })).toThrow(TypeError);
    expect(() => createBatchSigner({ signer, clock, hashAlgorithm: 'MD5' as never })).toThrow(TypeError);
  });
});

describe('verifyBatchSignature', () => {
  async function signed(n: number) {
    const { privateKey, publicKey } = keyPair('ES256');
    const { signer } = testSigner('ES256', privateKey, { delayMs: 5 });
    const batch = createBatchSigner({ signer, clock });
    const messages = Array.from({ length: n }, (_, i) => digest(`m${i}`));
    const results = await Promise.all(messages.map((m) => batch.sign(m)));
    return { messages, results, publicKey };
  }
  const codeOf = (fn: () => unknown) => {
    try {
      fn();
      return undefined;
    } catch (e) {
      return (e as { code?: string }).code;
    }
  };

  it('refuses a wrong message, index, size, proof, key or algorithm', async () => {
    const { messages, results, publicKey } = await signed(6);
    const r = results.find((x) => x.size > 2) ?? results[results.length - 1];
    if (r === undefined) throw new Error('no result');
    const i = results.indexOf(r);
    const claim = { jws: compactJws(r), proof: r.proof, index: r.index, treeSize: r.size };
    const v = createBatchSignatureVerifier();
    const m = messages[i] as Uint8Array;
    expect(codeOf(() => v.verifyBatchSignature(digest('other'), claim, publicKey))).toBe('TONLE_ERR_BATCHSIG_NOT_INCLUDED');
    if (r.size > 1) {
      expect(codeOf(() => v.verifyBatchSignature(m, { ...claim, index: (r.index + 1) % r.size }, publicKey))).toBe(
        'TONLE_ERR_BATCHSIG_NOT_INCLUDED',
      );
      expect(codeOf(() => v.verifyBatchSignature(m, { ...claim, proof: [] }, publicKey))).toBe('TONLE_ERR_BATCHSIG_NOT_INCLUDED');
    }
    expect(codeOf(() => v.verifyBatchSignature(m, { ...claim, treeSize: r.size + 1 }, publicKey))).toBe('TONLE_ERR_BATCHSIG_NOT_INCLUDED');
    expect(codeOf(() => v.verifyBatchSignature(m, claim, keyPair('ES256').publicKey))).toBe('TONLE_ERR_BATCHSIG_BAD_SIGNATURE');
    expect(codeOf(() => v.verifyBatchSignature(m, claim, keyPair('EdDSA').publicKey))).toBe('TONLE_ERR_BATCHSIG_KEY_MISMATCH');
    const [h, p, s] = claim.jws.split('.') as [string, string, string];
    const none = `${Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')}.${p}.${s}`;
    expect(codeOf(() => v.verifyBatchSignature(m, { ...claim, jws: none }, publicKey))).toBe('TONLE_ERR_BATCHSIG_UNSUPPORTED_ALGORITHM');
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...payload, size: 99 })).toString('base64url')}.${s}`;
    expect(codeOf(() => v.verifyBatchSignature(m, { ...claim, jws: forged }, publicKey))).toBe('TONLE_ERR_BATCHSIG_BAD_SIGNATURE');
    for (const junk of ['', 'a.b', 'a.b.c', '!!.??.**', `${h}.${p}`]) {
      expect(codeOf(() => v.verifyBatchSignature(m, { ...claim, jws: junk }, publicKey))).toBe('TONLE_ERR_BATCHSIG_MALFORMED');
    }
    // The genuine claim still verifies after all the refusals.
    expect(v.verifyBatchSignature(m, claim, publicKey).root).toEqual(r.root);
  });

  it('decodes without verifying', async () => {
    const { results } = await signed(1);
    const d = decodeBatchJws(compactJws(results[0] as never));
    expect(d.header.alg).toBe('ES256');
    expect(d.payload).toMatchObject({ kind: 'batch', size: 1, digestAlgorithm: 'SHA-512' });
  });
});

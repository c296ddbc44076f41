import { createHash } from 'node:crypto';
import { inclusionProof, merkleLeafHash, merkleRoot } from '@tonle/protocol';
import fc from 'fast-check';
import { compactVerify, importX509 } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  TransportCheckError,
  createBatchingMessageSigner,
  createKeyObjectSigner,
  createSingleMessageSigner,
  decodeFrame,
  encodeFrame,
  openMessage,
  sealRequest,
  sealResponse,
  type BytesSigner,
  type TransportAlgorithm,
  JwsError,
  verifyCompact,
} from '../../src/transport/index.ts';
import { createOpensslPki, type KeyType, type OpensslPki } from '../support/openssl-pki.ts';

const sha512 = (d: Uint8Array) => new Uint8Array(createHash('sha512').update(d).digest());

let pki: OpensslPki;
const signers = new Map<TransportAlgorithm, BytesSigner>();

beforeAll(() => {
  pki = createOpensslPki();
  const kinds: [TransportAlgorithm, KeyType][] = [['ES256', 'ec'], ['RS256', 'rsa2048'], ['PS256', 'rsa2048'], ['EdDSA', 'ed25519']];
  for (const [alg, keyType] of kinds) {
    const cert = pki.issue({ name: `s-${alg}`, subject: '/C=EE/O=GOV/CN=111', usage: 'sign', keyType });
    signers.set(alg, createKeyObjectSigner({ privateKey: cert.privateKey, certificateChain: [cert.der, pki.ca.der], algorithm: alg }));
  }
});
afterAll(() => pki.cleanup());

function request(signer: BytesSigner, body: Uint8Array, headers: [string, string][] = [['X-Road-Client', 'EE/GOV/111/a'], ['X-Road-Id', 'm1'], ['X-Road-Request-Id', 'r1'], ['X-Custom', 'v']]) {
  return sealRequest({
    signer: createSingleMessageSigner(signer), ocsp: [new Uint8Array([1, 2, 3])], headers, body,
    messageId: 'm1', requestId: 'r1', client: 'EE/GOV/111/a', service: 'EE/GOV/222/b/svc', method: 'POST',
    target: '/r1/EE/GOV/222/b/svc/x/y?q=1', signedAt: 1_700_000_000_000,
  });
}

describe('transport JWS', () => {
  it.each(['ES256', 'RS256', 'PS256', 'EdDSA'] as const)('jose verifies what node:crypto signed (%s)', async (alg) => {
    const signer = signers.get(alg) as BytesSigner;
    const sealed = await request(signer, new Uint8Array([9, 9]));
    const key = await importX509(new (await import('node:crypto')).X509Certificate(signer.certificateChain[0] as Uint8Array).toString(), alg);
    const result = await compactVerify(sealed.jws, key, { algorithms: [alg] });
    const payload = JSON.parse(Buffer.from(result.payload).toString('utf8')) as Record<string, unknown>;
    expect(payload['kind']).toBe('request');
    expect(payload['path']).toBe('/r1/EE/GOV/222/b/svc/x/y?q=1');
    expect(result.protectedHeader.x5c).toHaveLength(2);
  });

  it('a verified JWS is remembered only for the very same JWS: another payload under its signature fails', async () => {
    const signer = signers.get('ES256') as BytesSigner;
    const { jws } = await request(signer, new Uint8Array([1]));
    expect(verifyCompact(jws, undefined, { remember: true }).header.alg).toBe('ES256');
    expect(verifyCompact(jws).header.alg).toBe('ES256');
    const [h, p, s] = jws.split('.') as [string, string, string];
    const other = Buffer.from(p, 'base64url');
    other.writeUInt8(other.readUInt8(other.length - 2) ^ 1, other.length - 2);
    expect(() => verifyCompact(`${h}.${other.toString('base64url')}.${s}`)).toThrow(JwsError);
    // a JWS restricted to other algorithms is refused even when its verification is remembered
    expect(() => verifyCompact(jws, ['RS256'])).toThrow(JwsError);
  });

  it('a signer refuses an algorithm that does not fit its key', () => {
    const ec = pki.issue({ name: 'misfit', subject: '/C=EE/O=GOV/CN=1', usage: 'sign', keyType: 'ec' });
    expect(() => createKeyObjectSigner({ privateKey: ec.privateKey, certificateChain: [ec.der], algorithm: 'RS256' })).toThrow(TypeError);
  });
});

describe('seal and open', () => {
  it('round-trips a request and a response', async () => {
    const signer = signers.get('ES256') as BytesSigner;
    const body = new Uint8Array(1024).fill(7);
    const sealed = await request(signer, body);
    const opened = openMessage(sealed.frame, 'request');
    expect(opened.descriptor.messageId).toBe('m1');
    expect(Buffer.from(opened.body).equals(Buffer.from(body))).toBe(true);
    expect(opened.ocsp[0]).toEqual(new Uint8Array([1, 2, 3]));
    const res = await sealResponse({
      signer: createSingleMessageSigner(signer), ocsp: [], headers: [['Content-Type', 'text/plain']], body: new Uint8Array(0),
      messageId: 'm1', requestId: 'r1', client: 'c', service: 's', status: 404, reason: 'Not Found', requestHash: 'h', signedAt: 1,
    });
    const back = openMessage(res.frame, 'response');
    expect(back.descriptor.status).toBe(404);
    expect(back.reason).toBe('Not Found');
    expect(() => openMessage(res.frame, 'request')).toThrow(TransportCheckError);
  });

  it('detects any flipped byte in headers, body or signature', async () => {
    const signer = signers.get('EdDSA') as BytesSigner;
    const sealed = await request(signer, new Uint8Array(64).fill(1));
    await fc.assert(
      fc.property(fc.integer({ min: 4, max: sealed.frame.length - 1 }), fc.integer({ min: 1, max: 255 }), (at, x) => {
        const copy = Buffer.from(sealed.frame);
        copy[at] = (copy[at] as number) ^ x;
        let opened;
        try {
          opened = openMessage(copy, 'request');
        } catch (error) {
          expect(error).toBeInstanceOf(TransportCheckError);
          return;
        }
        // The only bytes that may change without detection are the unsigned OCSP staple's (checked by trust).
        expect(Buffer.from(opened.ocsp[0] ?? []).equals(Buffer.from([1, 2, 3]))).toBe(false);
      }),
      { numRuns: 300 },
    );
    // 300 signature checks: generous on a loaded machine.
  }, 60_000);

  it('never throws anything but TransportCheckError on garbage', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
        expect(() => openMessage(bytes, 'request')).toThrow(TransportCheckError);
      }),
    );
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const frame = encodeFrame(value as never, new Uint8Array(0));
        try {
          decodeFrame(frame);
        } catch (error) {
          expect((error as { code?: string }).code).toBe('TONLE_ERR_TRANSPORT_ENVELOPE');
        }
      }),
    );
  });
});

describe('batch signatures', () => {
  it('every message of a batch verifies through its inclusion proof; a wrong proof does not', async () => {
    const bytesSigner = signers.get('ES256') as BytesSigner;
    // A deterministic batcher for the test: waits for three leaves, signs their Merkle root once.
    const pending: { leaf: Uint8Array; resolve: (v: never) => void }[] = [];
    const messageSigner = createBatchingMessageSigner({
      signer: bytesSigner,
      createBatchSigner: (toBeSigned) => ({
        sign: (leafData) =>
          new Promise((resolve) => {
            pending.push({ leaf: leafData, resolve: resolve as (v: never) => void });
            if (pending.length < 3) return;
            const leaves = pending.map((p) => merkleLeafHash(sha512, p.leaf));
            const root = merkleRoot(sha512, leaves);
            const signedBytes = toBeSigned(root, leaves.length, 42, { algorithm: 'ES256', hashAlgorithm: 'SHA-512' });
            void bytesSigner.sign(signedBytes).then((signature) => {
              pending.forEach((p, index) => p.resolve({ signature, signedBytes, root, size: leaves.length, index, proof: inclusionProof(sha512, leaves, index), signedAt: 42 } as never));
            });
          }),
      }),
    });
    const seal = (i: number) => sealRequest({
      signer: messageSigner, ocsp: [], headers: [['X-I', String(i)]], body: new Uint8Array([i]), messageId: `m${i}`, requestId: `r${i}`,
      client: 'EE/GOV/111/a', service: 'EE/GOV/222/b/svc', method: 'GET', target: '/r1/EE/GOV/222/b/svc', signedAt: 1,
    });
    const sealed = await Promise.all([seal(0), seal(1), seal(2)]);
    for (const [i, s] of sealed.entries()) {
      const opened = openMessage(s.frame, 'request');
      expect(opened.descriptor.messageId).toBe(`m${i}`);
      expect(opened.proof?.size).toBe(3);
      expect(opened.signedAt).toBe(42);
    }
    // All three share one signature; swapping a proof between messages fails.
    expect(new Set(sealed.map((s) => s.jws)).size).toBe(1);
    const a = decodeFrame(sealed[0]!.frame);
    const b = decodeFrame(sealed[1]!.frame);
    const forged = encodeFrame({ ...a.envelope, proof: b.envelope.proof! }, a.body);
    expect(() => openMessage(forged, 'request')).toThrow(TransportCheckError);
  });
});

import { inclusionProof, merkleLeafHash, merkleRoot } from '@tonle/protocol';
import type { Signer } from '@tonle/pki';
import type { Clock } from '@tonle/protocol';
import { BATCH_HASH_ALGORITHMS, hashFunction } from './algorithms.ts';
import type { BatchHashAlgorithm, SignatureAlgorithm } from './algorithms.ts';
import { BatchSignatureError } from './errors.ts';
import { batchRootSigningInput } from './jws.ts';

/** The signing port: `@tonle/pki`'s `Signer` (software key, or any token adapter with the same shape). */
export type RootSigner = Signer;

/** What the bytes signed over a batch are, given its Merkle root. */
export type ToBeSigned = (root: Uint8Array, size: number, signedAt: number, context: ToBeSignedContext) => Uint8Array;
export interface ToBeSignedContext {
  readonly algorithm: SignatureAlgorithm;
  readonly hashAlgorithm: BatchHashAlgorithm;
}

export interface BatchSignerMetrics {
  /** Called once per signed batch (architecture §11: batch sizes). */
  onBatch?(size: number): void;
}

export interface BatchSignerOptions {
  readonly signer: RootSigner;
  readonly clock: Clock;
  readonly hashAlgorithm?: BatchHashAlgorithm;
  /** Default `batchRootSigningInput`: a JWS signing input over the root. */
  readonly toBeSigned?: ToBeSigned;
  /** At most this many messages share one signature (default 256). */
  readonly maxBatchSize?: number;
  readonly metrics?: BatchSignerMetrics;
}

/** One message's share of a batch signature. */
export interface BatchSignature {
  readonly signature: Uint8Array;
  readonly signedBytes: Uint8Array;
  readonly root: Uint8Array;
  readonly size: number;
  readonly index: number;
  readonly proof: readonly Uint8Array[];
  readonly signedAt: number;
  readonly algorithm: SignatureAlgorithm;
  readonly hashAlgorithm: BatchHashAlgorithm;
  readonly certificateChain: readonly Uint8Array[];
}

export interface BatchSigner {
  /**
   * Signs one message (its `leafData`, e.g. the digest of its canonical signed content). If no signature is in
   * flight the batch is this message alone and signing starts at once; otherwise it joins the next batch.
   */
  sign(leafData: Uint8Array): Promise<BatchSignature>;
  /** Rejects later calls with `TONLE_ERR_BATCHSIG_CLOSED`; waits for the batch in flight. */
  close(): Promise<void>;
}

interface Waiter {
  readonly leafData: Uint8Array;
  resolve(value: BatchSignature): void;
  reject(reason: unknown): void;
}

/**
 * Adaptive batch signing per signing key (architecture §5, X-Road BatchSigner, xroad-digest §3.6): while one
 * signature is being made, new requests queue; when it finishes, everything queued (up to `maxBatchSize`) is
 * signed at once over an RFC 6962 Merkle root and every message gets its inclusion proof. Under no load each
 * batch has one message and waits for nothing; under load the key signs once per batch instead of per message.
 */
export function createBatchSigner(options: BatchSignerOptions): BatchSigner {
  const { signer, clock, metrics } = options;
  if (signer === undefined || typeof signer.sign !== 'function') throw new TypeError('createBatchSigner: signer is required');
  if (clock === undefined || typeof clock.now !== 'function') throw new TypeError('createBatchSigner: clock is required');
  const hashAlgorithm = options.hashAlgorithm ?? 'SHA-512';
  if (!BATCH_HASH_ALGORITHMS.includes(hashAlgorithm)) {
    throw new TypeError(`createBatchSigner: hashAlgorithm must be one of ${BATCH_HASH_ALGORITHMS.join(', ')}`);
  }
  const maxBatchSize = options.maxBatchSize ?? 256;
  if (!Number.isSafeInteger(maxBatchSize) || maxBatchSize < 1 || maxBatchSize > 65_536) {
    throw new TypeError('createBatchSigner: maxBatchSize must be an integer between 1 and 65536');
  }
  const toBeSigned = options.toBeSigned ?? batchRootSigningInput;
  const hash = hashFunction(hashAlgorithm);
  const queue: Waiter[] = [];
  let inFlight: Promise<void> | undefined;
  let closed = false;

  async function signBatch(batch: readonly Waiter[]): Promise<void> {
    try {
      const leaves = batch.map((w) => merkleLeafHash(hash, w.leafData));
      const root = merkleRoot(hash, leaves);
      const signedAt = clock.now();
      const signedBytes = toBeSigned(root, batch.length, signedAt, { algorithm: signer.algorithm, hashAlgorithm });
      let signature: Uint8Array;
      try {
        signature = await signer.sign(signedBytes);
      } catch (e) {
        throw new BatchSignatureError('TONLE_ERR_BATCHSIG_SIGNING_FAILED', 'The signing key failed to sign; check the token and key.', {
          cause: e,
        });
      }
      metrics?.onBatch?.(batch.length);
      batch.forEach((w, index) => {
        w.resolve({
          signature,
          signedBytes,
          root,
          size: batch.length,
          index,
          proof: inclusionProof(hash, leaves, index),
          signedAt,
          algorithm: signer.algorithm,
          hashAlgorithm,
          certificateChain: signer.certificateChain,
        });
      });
    } catch (e) {
      // Every waiter of a failed batch learns why; none is left hanging.
      for (const w of batch) w.reject(e);
    }
  }

  function drain(): void {
    if (inFlight !== undefined || queue.length === 0) return;
    const batch = queue.splice(0, maxBatchSize);
    inFlight = signBatch(batch).finally(() => {
      inFlight = undefined;
      drain();
    });
  }

  return {
    sign(leafData) {
      if (!(leafData instanceof Uint8Array)) return Promise.reject(new TypeError('BatchSigner.sign(leafData): leafData must be a Uint8Array'));
      if (closed) return Promise.reject(new BatchSignatureError('TONLE_ERR_BATCHSIG_CLOSED', 'The batch signer is closed.'));
      return new Promise<BatchSignature>((resolve, reject) => {
        queue.push({ leafData, resolve, reject });
        drain();
      });
    },
    async close() {
      closed = true;
      while (inFlight !== undefined) await inFlight;
    },
  };
}

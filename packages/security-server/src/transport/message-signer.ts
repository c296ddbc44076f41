import { b64url, headerFor, signCompact, signingInput, type BytesSigner } from './jws.ts';
import { encodeBatchPayload, type MessageSigner } from './message.ts';
import type { BatchSignature, ToBeSigned } from '../signer/index.ts';

/** Signs every message alone: the JWS payload is the descriptor itself (docs/protocol.md "Single signatures"). */
export function createSingleMessageSigner(signer: BytesSigner): MessageSigner {
  return {
    get certificateChain() {
      return signer.certificateChain;
    },
    async sign(descriptor) {
      return { jws: await signCompact(signer, descriptor) };
    },
  };
}

/** The part of the signer module's batch signature the transport uses. */
type BatchShare = Pick<BatchSignature, 'signature' | 'signedBytes' | 'root' | 'size' | 'index' | 'proof' | 'signedAt'>;

/**
 * Adapts an adaptive batch signer (signer/ module: one signature over a Merkle root of every descriptor
 * that queued while a signature was in flight) to the transport: the JWS payload is the batch payload,
 * and the message carries its descriptor and inclusion proof beside it (docs/protocol.md "Batch signatures").
 */
export function createBatchingMessageSigner(input: {
  readonly signer: Pick<BytesSigner, 'algorithm' | 'certificateChain'>;
  readonly createBatchSigner: (toBeSigned: ToBeSigned) => { sign(leafData: Uint8Array): Promise<BatchShare> };
}): MessageSigner {
  // The header (x5c) is built per batch, so a signer whose certificate changes (renewal, token keys) just works.
  const toBeSigned: ToBeSigned = (root, size, signedAt) => Buffer.from(signingInput(headerFor(input.signer), encodeBatchPayload(root, size, signedAt)), 'ascii');
  const batch = input.createBatchSigner(toBeSigned);
  return {
    get certificateChain() {
      return input.signer.certificateChain;
    },
    async sign(descriptor) {
      const s = await batch.sign(descriptor);
      const jws = `${Buffer.from(s.signedBytes).toString('ascii')}.${b64url(s.signature)}`;
      return { jws, batch: { descriptor, proof: { index: s.index, size: s.size, path: s.proof.map(b64url) } } };
    },
  };
}

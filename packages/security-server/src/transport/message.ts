import { createHash } from 'node:crypto';
import {
  merkleLeafHash,
  serializeRestRequestHeaderPart,
  serializeRestResponseHeaderPart,
  verifyInclusion,
  type HeaderPair,
} from '@tonle/protocol';
import {
  DIGEST_ALGORITHM,
  TRANSPORT_VERSION,
  decodeDescriptor,
  encodeDescriptor,
  type Descriptor,
  type RequestDescriptor,
  type ResponseDescriptor,
} from './descriptor.ts';
import { decodeFrame, encodeFrame, type BatchProof, type Envelope, type RecordedBatchProof } from './envelope.ts';
import { JwsError, verifyCompact, type TransportAlgorithm } from './jws.ts';

/** SHA-512, the transport's digest (xroad-digest 3.5: SHA-512 everywhere by default). */
export function sha512(data: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha512').update(data).digest());
}

function digestB64url(data: Uint8Array): string {
  return createHash('sha512').update(data).digest('base64url');
}

/** What a signer returns for one descriptor: a single-message JWS, or a batch JWS plus this message's proof. */
export interface SignedDescriptor {
  readonly jws: string;
  readonly batch?: { readonly descriptor: Uint8Array; readonly proof: BatchProof };
}

/** The signing port of the transport (single or adaptive batch signing behind it). */
export interface MessageSigner {
  /** The signing certificate chain, leaf first (DER); travels as `x5c`. */
  readonly certificateChain: readonly Uint8Array[];
  sign(descriptor: Uint8Array): Promise<SignedDescriptor>;
}

/** The batch JWS payload (docs/protocol.md "Batch signatures"). */
export interface BatchPayload {
  readonly v: typeof TRANSPORT_VERSION;
  readonly kind: 'batch';
  readonly root: string;
  readonly size: number;
  readonly digestAlgorithm: typeof DIGEST_ALGORITHM;
  readonly signedAt: number;
}

export function encodeBatchPayload(root: Uint8Array, size: number, signedAt: number): Uint8Array {
  const p: BatchPayload = { v: TRANSPORT_VERSION, kind: 'batch', root: Buffer.from(root).toString('base64url'), size, digestAlgorithm: DIGEST_ALGORITHM, signedAt };
  return new Uint8Array(Buffer.from(JSON.stringify(p), 'utf8'));
}

/** A transported message failed a check; `reason` picks the fault. */
export class TransportCheckError extends Error {
  readonly code = 'TONLE_ERR_TRANSPORT_CHECK';
  readonly reason: 'malformed' | 'signature' | 'mismatch';
  constructor(reason: 'malformed' | 'signature' | 'mismatch', message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TransportCheckError';
    this.reason = reason;
  }
}

/** Splits a raw `/r1/...?...` target into the header part's path and query. */
function splitTarget(target: string): { path: string; query: string | undefined } {
  const q = target.indexOf('?');
  return q < 0 ? { path: target, query: undefined } : { path: target.slice(0, q), query: target.slice(q + 1) };
}

export function requestHeaderPart(method: string, target: string, headers: readonly HeaderPair[]): Uint8Array {
  const { path, query } = splitTarget(target);
  return serializeRestRequestHeaderPart({ method, path, query, headers });
}

export function responseHeaderPart(status: number, reason: string, headers: readonly HeaderPair[]): Uint8Array {
  return serializeRestResponseHeaderPart({ status, reason, headers });
}

export interface SealInput {
  readonly signer: MessageSigner;
  /** Stapled OCSP responses (DER) for the signing chain, leaf first. */
  readonly ocsp: readonly Uint8Array[];
  readonly headers: readonly HeaderPair[];
  readonly body: Uint8Array;
}

async function seal(
  input: SealInput,
  descriptor: Descriptor,
  extra: { reason?: string },
): Promise<{ frame: Buffer; jws: string; proof?: RecordedBatchProof }> {
  const bytes = encodeDescriptor(descriptor);
  const signed = await input.signer.sign(bytes);
  const envelope: Envelope = {
    v: 1,
    jws: signed.jws,
    ocsp: input.ocsp.map((o) => Buffer.from(o).toString('base64')),
    headers: input.headers,
    ...(extra.reason === undefined ? {} : { reason: extra.reason }),
    ...(signed.batch === undefined ? {} : { descriptor: Buffer.from(signed.batch.descriptor).toString('base64url'), proof: signed.batch.proof }),
  };
  return {
    frame: encodeFrame(envelope, input.body),
    jws: signed.jws,
    ...(signed.batch === undefined ? {} : { proof: { ...signed.batch.proof, descriptor: Buffer.from(signed.batch.descriptor).toString('base64url') } }),
  };
}

/** Builds, signs and frames a request for the provider's security server. Returns the header part too (for the log). */
export async function sealRequest(
  input: SealInput & { messageId: string; requestId: string; client: string; service: string; method: string; target: string; signedAt: number },
): Promise<{ frame: Buffer; jws: string; headerPart: Uint8Array; proof?: RecordedBatchProof }> {
  const headerPart = requestHeaderPart(input.method, input.target, input.headers);
  const d: RequestDescriptor = {
    v: TRANSPORT_VERSION, kind: 'request', messageId: input.messageId, requestId: input.requestId, client: input.client,
    service: input.service, method: input.method, path: input.target, headerDigest: digestB64url(headerPart),
    bodyDigest: digestB64url(input.body), digestAlgorithm: DIGEST_ALGORITHM, signedAt: input.signedAt,
  };
  return { ...(await seal(input, d, {})), headerPart };
}

/** Builds, signs and frames a response for the consumer's security server. */
export async function sealResponse(
  input: SealInput & { messageId: string; requestId: string; client: string; service: string; status: number; reason: string; requestHash: string; signedAt: number },
): Promise<{ frame: Buffer; jws: string; headerPart: Uint8Array; proof?: RecordedBatchProof }> {
  const headerPart = responseHeaderPart(input.status, input.reason, input.headers);
  const d: ResponseDescriptor = {
    v: TRANSPORT_VERSION, kind: 'response', messageId: input.messageId, requestId: input.requestId, client: input.client,
    service: input.service, status: input.status, requestHash: input.requestHash, headerDigest: digestB64url(headerPart),
    bodyDigest: digestB64url(input.body), digestAlgorithm: DIGEST_ALGORITHM, signedAt: input.signedAt,
  };
  return { ...(await seal(input, d, { reason: input.reason })), headerPart };
}

/** A message whose signature, batch proof, header digest and body digest all verified. */
export interface OpenedMessage<D extends Descriptor> {
  readonly descriptor: D;
  readonly headers: readonly HeaderPair[];
  readonly body: Uint8Array;
  readonly headerPart: Uint8Array;
  readonly reason: string;
  readonly jws: string;
  readonly proof?: RecordedBatchProof;
  /** Signer chain from `x5c`, leaf first; NOT yet checked for trust. */
  readonly chain: readonly Uint8Array[];
  readonly ocsp: readonly Uint8Array[];
  /** When the signature was made (the batch's time for batch signatures). */
  readonly signedAt: number;
}

function b64urlBytes(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, 'base64url'));
}

/**
 * Opens a received frame: verifies the JWS signature with the `x5c` leaf, the batch inclusion proof if
 * any, and that the header part and body hash to the signed digests. Certificate trust (chain, OCSP,
 * signer identity) is the caller's next step; nothing here may be forwarded before both pass.
 */
export function openMessage<K extends Descriptor['kind']>(
  frame: Uint8Array,
  kind: K,
  allowed?: readonly TransportAlgorithm[],
): OpenedMessage<Extract<Descriptor, { kind: K }>> {
  let envelope: Envelope;
  let body: Uint8Array;
  try {
    ({ envelope, body } = decodeFrame(frame));
  } catch (error) {
    throw new TransportCheckError('malformed', 'The transported message is malformed', { cause: error });
  }
  let verified;
  try {
    verified = verifyCompact(envelope.jws, allowed);
  } catch (error) {
    if (error instanceof JwsError && error.reason !== 'malformed') throw new TransportCheckError('signature', 'The signature does not verify', { cause: error });
    throw new TransportCheckError('malformed', 'The signature is malformed', { cause: error });
  }
  let descriptorBytes: Uint8Array = verified.payload;
  let signedAt: number | undefined;
  try {
    const head = JSON.parse(Buffer.from(verified.payload).toString('utf8')) as Record<string, unknown>;
    if (head['kind'] === 'batch') {
      if (envelope.descriptor === undefined || envelope.proof === undefined) throw new Error('a batch signature needs a descriptor and a proof');
      const { root, size, v, digestAlgorithm } = head;
      if (v !== TRANSPORT_VERSION || digestAlgorithm !== DIGEST_ALGORITHM || typeof root !== 'string' || size !== envelope.proof.size) {
        throw new Error('the batch payload does not match the proof');
      }
      descriptorBytes = b64urlBytes(envelope.descriptor);
      const ok = verifyInclusion(sha512, {
        leafHash: merkleLeafHash(sha512, descriptorBytes),
        index: envelope.proof.index,
        treeSize: envelope.proof.size,
        proof: envelope.proof.path.map(b64urlBytes),
        root: b64urlBytes(root),
      });
      if (!ok) throw new TransportCheckError('signature', 'The batch inclusion proof does not lead to the signed root');
      if (!Number.isSafeInteger(head['signedAt'])) throw new Error('signedAt missing');
      signedAt = head['signedAt'] as number;
    } else if (envelope.descriptor !== undefined) {
      throw new Error('a single-message signature carries no separate descriptor');
    }
  } catch (error) {
    if (error instanceof TransportCheckError) throw error;
    throw new TransportCheckError('malformed', 'The signed payload is malformed', { cause: error });
  }
  let descriptor: Descriptor;
  try {
    descriptor = decodeDescriptor(descriptorBytes);
  } catch (error) {
    throw new TransportCheckError('malformed', 'The signed descriptor is malformed', { cause: error });
  }
  if (descriptor.kind !== kind) throw new TransportCheckError('malformed', `Expected a signed ${kind}`);
  const reason = kind === 'response' ? envelope.reason : '';
  if (typeof reason !== 'string') throw new TransportCheckError('malformed', 'The response reason is missing');
  let headerPart: Uint8Array;
  try {
    headerPart =
      descriptor.kind === 'request'
        ? requestHeaderPart(descriptor.method, descriptor.path, envelope.headers)
        : responseHeaderPart(descriptor.status, reason, envelope.headers);
  } catch (error) {
    throw new TransportCheckError('malformed', 'The transported headers cannot form a header part', { cause: error });
  }
  // Tampering with any header, the status, the path or the body in transit ends here.
  if (digestB64url(headerPart) !== descriptor.headerDigest) throw new TransportCheckError('mismatch', 'The headers do not match the signed digest');
  if (digestB64url(body) !== descriptor.bodyDigest) throw new TransportCheckError('mismatch', 'The body does not match the signed digest');
  return {
    descriptor: descriptor as Extract<Descriptor, { kind: K }>,
    headers: envelope.headers,
    body,
    headerPart,
    reason,
    jws: envelope.jws,
    ...(envelope.proof === undefined || envelope.descriptor === undefined ? {} : { proof: { ...envelope.proof, descriptor: envelope.descriptor } }),
    chain: verified.chain,
    ocsp: envelope.ocsp.map((o) => new Uint8Array(Buffer.from(o, 'base64'))),
    signedAt: signedAt ?? descriptor.signedAt,
  };
}

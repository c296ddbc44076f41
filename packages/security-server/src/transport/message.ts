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
import { decodeFrame, encodeFrameHead, type BatchProof, type Envelope, type RecordedBatchProof } from './envelope.ts';
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
}

/** A sealed message up to its body: the frame head to send before the body, and what the log records. */
export interface SealedHead {
  /** Length prefix + envelope; the body follows it raw on the wire. */
  readonly head: Buffer;
  readonly jws: string;
  readonly headerPart: Uint8Array;
  readonly proof?: RecordedBatchProof;
}

async function seal(input: SealInput, descriptor: Descriptor, extra: { reason?: string }): Promise<{ head: Buffer; jws: string; proof?: RecordedBatchProof }> {
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
    head: encodeFrameHead(envelope),
    jws: signed.jws,
    ...(signed.batch === undefined ? {} : { proof: { ...signed.batch.proof, descriptor: Buffer.from(signed.batch.descriptor).toString('base64url') } }),
  };
}

interface RequestFields {
  readonly messageId: string;
  readonly requestId: string;
  readonly client: string;
  readonly service: string;
  readonly method: string;
  readonly target: string;
  readonly signedAt: number;
}

interface ResponseFields {
  readonly messageId: string;
  readonly requestId: string;
  readonly client: string;
  readonly service: string;
  readonly status: number;
  readonly reason: string;
  readonly requestHash: string;
  readonly signedAt: number;
}

/**
 * Builds and signs a request whose body is known by its SHA-512 only (streamed or spooled bodies): the
 * body is sent after `head`.
 */
export async function sealRequestHead(input: SealInput & RequestFields & { bodySha512: Uint8Array }): Promise<SealedHead> {
  const headerPart = requestHeaderPart(input.method, input.target, input.headers);
  const d: RequestDescriptor = {
    v: TRANSPORT_VERSION, kind: 'request', messageId: input.messageId, requestId: input.requestId, client: input.client,
    service: input.service, method: input.method, path: input.target, headerDigest: digestB64url(headerPart),
    bodyDigest: Buffer.from(input.bodySha512).toString('base64url'), digestAlgorithm: DIGEST_ALGORITHM, signedAt: input.signedAt,
  };
  return { ...(await seal(input, d, {})), headerPart };
}

/** Builds and signs a response whose body is known by its SHA-512 only; the body is sent after `head`. */
export async function sealResponseHead(input: SealInput & ResponseFields & { bodySha512: Uint8Array }): Promise<SealedHead> {
  const headerPart = responseHeaderPart(input.status, input.reason, input.headers);
  const d: ResponseDescriptor = {
    v: TRANSPORT_VERSION, kind: 'response', messageId: input.messageId, requestId: input.requestId, client: input.client,
    service: input.service, status: input.status, requestHash: input.requestHash, headerDigest: digestB64url(headerPart),
    bodyDigest: Buffer.from(input.bodySha512).toString('base64url'), digestAlgorithm: DIGEST_ALGORITHM, signedAt: input.signedAt,
  };
  return { ...(await seal(input, d, { reason: input.reason })), headerPart };
}

/** Builds, signs and frames a request with its body in memory. */
export async function sealRequest(input: SealInput & RequestFields & { body: Uint8Array }): Promise<SealedHead & { frame: Buffer }> {
  const sealed = await sealRequestHead({ ...input, bodySha512: sha512(input.body) });
  return { ...sealed, frame: Buffer.concat([sealed.head, input.body]) };
}

/** Builds, signs and frames a response with its body in memory. */
export async function sealResponse(input: SealInput & ResponseFields & { body: Uint8Array }): Promise<SealedHead & { frame: Buffer }> {
  const sealed = await sealResponseHead({ ...input, bodySha512: sha512(input.body) });
  return { ...sealed, frame: Buffer.concat([sealed.head, input.body]) };
}

/**
 * A message whose signature, batch proof and header digest verified. The body is checked separately
 * against `descriptor.bodyDigest` (it may still be arriving): see {@link checkBodyDigest}.
 */
export interface OpenedHead<D extends Descriptor> {
  readonly descriptor: D;
  readonly headers: readonly HeaderPair[];
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

/** A message whose signature, batch proof, header digest and body digest all verified. */
export interface OpenedMessage<D extends Descriptor> extends OpenedHead<D> {
  readonly body: Uint8Array;
}

function b64urlBytes(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, 'base64url'));
}

/** Throws a `mismatch` {@link TransportCheckError} unless the body's SHA-512 is the signed one. */
export function checkBodyDigest(descriptor: Descriptor, bodySha512: Uint8Array): void {
  if (Buffer.from(bodySha512.buffer, bodySha512.byteOffset, bodySha512.byteLength).toString('base64url') !== descriptor.bodyDigest) {
    throw new TransportCheckError('mismatch', 'The body does not match the signed digest');
  }
}

/**
 * Opens a received frame in memory: {@link openHead} and then the body digest. Certificate trust (chain,
 * OCSP, signer identity) is the caller's next step; nothing here may be forwarded before both pass.
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
  const head = openHead(envelope, kind, allowed);
  checkBodyDigest(head.descriptor, sha512(body));
  return { ...head, body };
}

/**
 * Opens a received envelope: verifies the JWS signature with the `x5c` leaf, the batch inclusion proof if
 * any, and that the header part hashes to the signed digest. The body digest is the caller's to check
 * once the body has arrived ({@link checkBodyDigest}).
 */
export function openHead<K extends Descriptor['kind']>(
  envelope: Envelope,
  kind: K,
  allowed?: readonly TransportAlgorithm[],
): OpenedHead<Extract<Descriptor, { kind: K }>> {
  let verified;
  try {
    verified = verifyCompact(envelope.jws, allowed, { remember: envelope.proof !== undefined });
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
  // Tampering with any header, the status or the path in transit ends here (the body: checkBodyDigest).
  if (digestB64url(headerPart) !== descriptor.headerDigest) throw new TransportCheckError('mismatch', 'The headers do not match the signed digest');
  return {
    descriptor: descriptor as Extract<Descriptor, { kind: K }>,
    headers: envelope.headers,
    headerPart,
    reason,
    jws: envelope.jws,
    ...(envelope.proof === undefined || envelope.descriptor === undefined ? {} : { proof: { ...envelope.proof, descriptor: envelope.descriptor } }),
    chain: verified.chain,
    ocsp: envelope.ocsp.map((o) => new Uint8Array(Buffer.from(o, 'base64'))),
    signedAt: signedAt ?? descriptor.signedAt,
  };
}

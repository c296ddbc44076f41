/**
 * The message descriptor: the JSON object a transport signature commits to (docs/protocol.md
 * "Descriptor"). It is serialised with a fixed key order and verified over the received bytes, never
 * re-serialised, so no JSON canonicalisation is needed on the receiving side.
 */
export const TRANSPORT_VERSION = 'tonle-transport-v1';
export const DIGEST_ALGORITHM = 'SHA-512';

export interface RequestDescriptor {
  readonly v: typeof TRANSPORT_VERSION;
  readonly kind: 'request';
  /** `X-Road-Id`. */
  readonly messageId: string;
  /** `X-Road-Request-Id`, a fresh UUID per call. */
  readonly requestId: string;
  /** `formatClientId` of the caller. */
  readonly client: string;
  /** `formatServiceId` of the service. */
  readonly service: string;
  readonly method: string;
  /** The raw `/r1/...` path and query as the information system sent them. */
  readonly path: string;
  /** base64url SHA-512 of the REST request header part (xroad-digest 3.4). */
  readonly headerDigest: string;
  /** base64url SHA-512 of the body (of the empty string when there is none). */
  readonly bodyDigest: string;
  readonly digestAlgorithm: typeof DIGEST_ALGORITHM;
  /** Signing time, epoch milliseconds. */
  readonly signedAt: number;
}

export interface ResponseDescriptor {
  readonly v: typeof TRANSPORT_VERSION;
  readonly kind: 'response';
  readonly messageId: string;
  readonly requestId: string;
  readonly client: string;
  readonly service: string;
  readonly status: number;
  /** `X-Road-Request-Hash` (standard base64, xroad-digest 2.5). */
  readonly requestHash: string;
  readonly headerDigest: string;
  readonly bodyDigest: string;
  readonly digestAlgorithm: typeof DIGEST_ALGORITHM;
  readonly signedAt: number;
}

export type Descriptor = RequestDescriptor | ResponseDescriptor;

/** Serialises a descriptor with its keys in the documented order. */
export function encodeDescriptor(d: Descriptor): Uint8Array {
  const ordered =
    d.kind === 'request'
      ? { v: d.v, kind: d.kind, messageId: d.messageId, requestId: d.requestId, client: d.client, service: d.service, method: d.method, path: d.path, headerDigest: d.headerDigest, bodyDigest: d.bodyDigest, digestAlgorithm: d.digestAlgorithm, signedAt: d.signedAt }
      : { v: d.v, kind: d.kind, messageId: d.messageId, requestId: d.requestId, client: d.client, service: d.service, status: d.status, requestHash: d.requestHash, headerDigest: d.headerDigest, bodyDigest: d.bodyDigest, digestAlgorithm: d.digestAlgorithm, signedAt: d.signedAt };
  return new Uint8Array(Buffer.from(JSON.stringify(ordered), 'utf8'));
}

/** The signed payload does not describe a message of this version. */
export class DescriptorError extends Error {
  readonly code = 'TONLE_ERR_TRANSPORT_DESCRIPTOR';
  constructor(message: string) {
    super(message);
    this.name = 'DescriptorError';
  }
}

const DIGEST = /^[A-Za-z0-9_-]{86}$/;

function str(o: Record<string, unknown>, key: string, max = 4096): string {
  const v = o[key];
  if (typeof v !== 'string' || v.length === 0 || v.length > max) throw new DescriptorError(`${key} must be a non-empty string`);
  return v;
}

/** Parses and checks the shape of a descriptor from signed bytes. */
export function decodeDescriptor(bytes: Uint8Array): Descriptor {
  let o: unknown;
  try {
    o = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  } catch {
    throw new DescriptorError('the descriptor is not JSON');
  }
  if (o === null || typeof o !== 'object' || Array.isArray(o)) throw new DescriptorError('the descriptor is not an object');
  const r = o as Record<string, unknown>;
  if (r['v'] !== TRANSPORT_VERSION) throw new DescriptorError(`v must be ${TRANSPORT_VERSION}`);
  if (r['digestAlgorithm'] !== DIGEST_ALGORITHM) throw new DescriptorError(`digestAlgorithm must be ${DIGEST_ALGORITHM}`);
  const headerDigest = str(r, 'headerDigest');
  const bodyDigest = str(r, 'bodyDigest');
  if (!DIGEST.test(headerDigest) || !DIGEST.test(bodyDigest)) throw new DescriptorError('digests must be base64url SHA-512');
  const signedAt = r['signedAt'];
  if (!Number.isSafeInteger(signedAt) || (signedAt as number) < 0) throw new DescriptorError('signedAt must be epoch milliseconds');
  const common = {
    v: TRANSPORT_VERSION,
    messageId: str(r, 'messageId', 1024),
    requestId: str(r, 'requestId', 1024),
    client: str(r, 'client', 1100),
    service: str(r, 'service', 1400),
    headerDigest,
    bodyDigest,
    digestAlgorithm: DIGEST_ALGORITHM,
    signedAt: signedAt as number,
  } as const;
  if (r['kind'] === 'request') {
    return { ...common, kind: 'request', method: str(r, 'method', 32), path: str(r, 'path', 8192) };
  }
  if (r['kind'] === 'response') {
    const status = r['status'];
    if (!Number.isInteger(status) || (status as number) < 100 || (status as number) > 999) throw new DescriptorError('status must be an HTTP status');
    return { ...common, kind: 'response', status: status as number, requestHash: str(r, 'requestHash', 200) };
  }
  throw new DescriptorError('kind must be request or response');
}

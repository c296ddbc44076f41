import type { BatchHashAlgorithm, SignatureAlgorithm } from './algorithms.ts';
import { BatchSignatureError } from './errors.ts';

/** `typ` of a JWS whose payload is a batch's Merkle root. */
export const BATCH_JWS_TYPE = 'tonle-batch+jws';

/** The payload committed to by a batch signature (the transport's `kind: 'batch'` payload). */
export interface BatchRootPayload {
  readonly v: string;
  readonly kind: 'batch';
  /** base64url of the Merkle root. */
  readonly root: string;
  readonly size: number;
  readonly digestAlgorithm: BatchHashAlgorithm;
  /** Epoch milliseconds. */
  readonly signedAt: number;
  readonly [extra: string]: unknown;
}

export interface BatchJwsHeader {
  readonly alg: SignatureAlgorithm;
  readonly typ?: string;
  readonly x5c?: readonly string[];
  readonly [extra: string]: unknown;
}

const encoder = new TextEncoder();

function b64url(data: Uint8Array | string): string {
  return Buffer.from(data).toString('base64url');
}

/**
 * The default bytes signed over a batch: the JWS signing input (RFC 7515 §5.1)
 * `b64url(header) '.' b64url(payload)` with header `{alg, typ}` and a {@link BatchRootPayload}.
 */
export function batchRootSigningInput(
  root: Uint8Array,
  size: number,
  signedAt: number,
  { algorithm, hashAlgorithm }: { algorithm: SignatureAlgorithm; hashAlgorithm: BatchHashAlgorithm },
): Uint8Array {
  const header: BatchJwsHeader = { alg: algorithm, typ: BATCH_JWS_TYPE };
  const payload: BatchRootPayload = {
    v: 'tonle-transport-v1',
    kind: 'batch',
    root: b64url(root),
    size,
    digestAlgorithm: hashAlgorithm,
    signedAt,
  };
  return encoder.encode(`${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`);
}

/** The compact JWS of a batch whose `signedBytes` are a JWS signing input (the default `toBeSigned`). */
export function compactJws({ signedBytes, signature }: { signedBytes: Uint8Array; signature: Uint8Array }): string {
  return `${Buffer.from(signedBytes).toString('utf8')}.${b64url(signature)}`;
}

const B64URL = /^[A-Za-z0-9_-]*$/;
const MAX_JWS_LENGTH = 256 * 1024;

function malformed(message: string): never {
  throw new BatchSignatureError('TONLE_ERR_BATCHSIG_MALFORMED', message);
}

/** Splits and decodes a batch JWS without verifying it (e.g. to read `x5c` before choosing the key). */
export function decodeBatchJws(jws: string): {
  header: BatchJwsHeader;
  payload: BatchRootPayload;
  signingInput: string;
  signature: Uint8Array;
} {
  if (typeof jws !== 'string' || jws.length > MAX_JWS_LENGTH) malformed('The batch JWS must be a string of at most 256 KiB.');
  const parts = jws.split('.');
  if (parts.length !== 3 || !parts.every((p) => B64URL.test(p))) malformed('The batch JWS is not a compact JWS.');
  const [h, p, s] = parts as [string, string, string];
  let header: unknown;
  let payload: unknown;
  try {
    header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8'));
    payload = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
  } catch {
    malformed('The batch JWS header or payload is not base64url JSON.');
  }
  if (typeof header !== 'object' || header === null || typeof (header as { alg?: unknown }).alg !== 'string') {
    malformed('The batch JWS header has no "alg".');
  }
  if ((header as { crit?: unknown }).crit !== undefined) malformed('The batch JWS uses "crit", which is not supported.');
  const pl = payload as Partial<BatchRootPayload> | null;
  if (
    typeof pl !== 'object' ||
    pl === null ||
    typeof pl.root !== 'string' ||
    !B64URL.test(pl.root) ||
    !Number.isSafeInteger(pl.size) ||
    (pl.size as number) < 1 ||
    (pl.digestAlgorithm !== 'SHA-256' && pl.digestAlgorithm !== 'SHA-512') ||
    !Number.isSafeInteger(pl.signedAt)
  ) {
    malformed('The batch JWS payload must have root (base64url), size (>= 1), digestAlgorithm and signedAt.');
  }
  return {
    header: header as BatchJwsHeader,
    payload: pl as BatchRootPayload,
    signingInput: `${h}.${p}`,
    signature: new Uint8Array(Buffer.from(s, 'base64url')),
  };
}

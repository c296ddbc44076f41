import type { HeaderPair } from '@tonle/protocol';

/**
 * Tonle transport v1 framing (docs/protocol.md "Framing"): the HTTP body of every security-server-to-
 * security-server request and successful response is
 *
 *   u32 big-endian length N || N bytes of envelope JSON (UTF-8) || the message body, raw
 *
 * so the body is never re-encoded and its digest can be checked as it arrives.
 */
export const TRANSPORT_CONTENT_TYPE = 'application/vnd.tonle.transport.v1';
export const TRANSPORT_PATH = '/tonle/v1/message';
/** Longest envelope a frame may carry (signature, certificates, OCSP, headers): what a frame adds to its body. */
export const MAX_ENVELOPE_BYTES = 1024 * 1024;

/** A Merkle inclusion proof for a batch-signed message (RFC 9162 §2.1.3). */
export interface BatchProof {
  readonly index: number;
  readonly size: number;
  /** Sibling hashes, base64url, leaf to root. */
  readonly path: readonly string[];
}

/**
 * A batch proof as the message log records it: with the message's descriptor (base64url), the leaf the
 * proof starts from, so an auditor can check that the signed root covers exactly this record's content.
 */
export interface RecordedBatchProof extends BatchProof {
  readonly descriptor: string;
}

/** The envelope JSON. */
export interface Envelope {
  readonly v: 1;
  /** The compact JWS (docs/protocol.md "JWS"). */
  readonly jws: string;
  /** Stapled OCSP responses (standard base64 DER) for the signing certificate chain, leaf first. */
  readonly ocsp: readonly string[];
  /** The transported headers, in order, exactly as they enter the header part. */
  readonly headers: readonly HeaderPair[];
  /** Responses only: the HTTP reason phrase (part of the response header part). */
  readonly reason?: string;
  /** For batch signatures only: the message descriptor (base64url) and its inclusion proof. */
  readonly descriptor?: string;
  readonly proof?: BatchProof;
}

/** The framing or the envelope JSON is malformed. */
export class EnvelopeError extends Error {
  readonly code = 'TONLE_ERR_TRANSPORT_ENVELOPE';
  constructor(message: string) {
    super(message);
    this.name = 'EnvelopeError';
  }
}

/** The frame up to the body: length prefix and envelope JSON. The body follows it raw. */
export function encodeFrameHead(envelope: Envelope): Buffer {
  const json = Buffer.from(JSON.stringify(envelope), 'utf8');
  const head = Buffer.allocUnsafe(4 + json.length);
  head.writeUInt32BE(json.length, 0);
  json.copy(head, 4);
  return head;
}

export function encodeFrame(envelope: Envelope, body: Uint8Array): Buffer {
  return Buffer.concat([encodeFrameHead(envelope), body]);
}

const B64URL = /^[A-Za-z0-9_-]*$/;
const B64 = /^[A-Za-z0-9+/]*={0,2}$/;

function isStringPair(value: unknown): value is HeaderPair {
  return Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && typeof value[1] === 'string';
}

function checkEnvelope(value: unknown): Envelope {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new EnvelopeError('the envelope is not a JSON object');
  const e = value as Record<string, unknown>;
  if (e['v'] !== 1) throw new EnvelopeError('unsupported envelope version');
  if (typeof e['jws'] !== 'string') throw new EnvelopeError('jws is missing');
  if (!Array.isArray(e['ocsp']) || !e['ocsp'].every((o) => typeof o === 'string' && B64.test(o))) throw new EnvelopeError('ocsp must be a list of base64 strings');
  if (!Array.isArray(e['headers']) || !e['headers'].every(isStringPair)) throw new EnvelopeError('headers must be a list of [name, value] pairs');
  if (e['reason'] !== undefined && (typeof e['reason'] !== 'string' || e['reason'].length > 512)) throw new EnvelopeError('reason must be a short string');
  const hasDescriptor = e['descriptor'] !== undefined;
  const hasProof = e['proof'] !== undefined;
  if (hasDescriptor !== hasProof) throw new EnvelopeError('descriptor and proof come together');
  if (hasDescriptor) {
    if (typeof e['descriptor'] !== 'string' || !B64URL.test(e['descriptor'])) throw new EnvelopeError('descriptor must be base64url');
    const p = e['proof'] as Record<string, unknown> | null;
    if (
      p === null || typeof p !== 'object' ||
      !Number.isSafeInteger(p['index']) || !Number.isSafeInteger(p['size']) ||
      (p['index'] as number) < 0 || (p['size'] as number) < 1 || (p['index'] as number) >= (p['size'] as number) ||
      !Array.isArray(p['path']) || p['path'].length > 64 || !p['path'].every((x) => typeof x === 'string' && B64URL.test(x))
    ) {
      throw new EnvelopeError('proof must be {index, size, path[]} with 0 <= index < size');
    }
  }
  return e as unknown as Envelope;
}

function parseEnvelope(json: Buffer): Envelope {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json.toString('utf8'));
  } catch {
    throw new EnvelopeError('the envelope is not JSON');
  }
  return checkEnvelope(parsed);
}

/** Splits a received frame into envelope and body; throws {@link EnvelopeError} on any malformation. */
export function decodeFrame(frame: Uint8Array): { envelope: Envelope; body: Uint8Array } {
  if (frame.length < 4) throw new EnvelopeError('the frame is shorter than its length prefix');
  const buf = Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength);
  const n = buf.readUInt32BE(0);
  if (n > MAX_ENVELOPE_BYTES || 4 + n > buf.length) throw new EnvelopeError('the envelope length is out of range');
  return { envelope: parseEnvelope(buf.subarray(4, 4 + n)), body: buf.subarray(4 + n) };
}

/**
 * Reads a frame as it arrives: the length prefix and the envelope (at most 1 MiB) are read and checked
 * first, so the signature can be verified before the body is taken in; `body` yields the rest of the
 * frame as it comes. Throws {@link EnvelopeError} when the frame ends inside its head or the head is
 * malformed.
 */
export async function readFrame(source: AsyncIterable<Uint8Array>): Promise<{ envelope: Envelope; body: AsyncIterable<Uint8Array> }> {
  const it = source[Symbol.asyncIterator]();
  const chunks: Buffer[] = [];
  let have = 0;
  let need = 4;
  let n: number | undefined;
  for (;;) {
    while (have < need) {
      const next = await it.next();
      if (next.done === true) throw new EnvelopeError('the frame ends inside its head');
      const c = next.value;
      chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c.buffer, c.byteOffset, c.byteLength));
      have += c.byteLength;
    }
    if (n !== undefined) break;
    const joined = Buffer.concat(chunks, have);
    chunks.length = 0;
    chunks.push(joined);
    n = joined.readUInt32BE(0);
    if (n > MAX_ENVELOPE_BYTES) throw new EnvelopeError('the envelope length is out of range');
    need = 4 + n;
  }
  const head = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, have);
  const envelope = parseEnvelope(head.subarray(4, 4 + n));
  const rest = head.subarray(4 + n);
  async function* body(): AsyncGenerator<Uint8Array> {
    if (rest.length > 0) yield rest;
    for (;;) {
      const next = await it.next();
      if (next.done === true) return;
      yield next.value;
    }
  }
  return { envelope, body: body() };
}

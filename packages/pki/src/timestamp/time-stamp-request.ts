import { randomBytes } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { PkiError, parseGuard } from '../errors/index.ts';
import { algorithmIdentifier, digest as hashData, hashFromOid, hashLength, hashOid, type HashAlgorithm } from '../keys/index.ts';

/**
 * Inputs of {@link buildTimeStampRequest}: give the `digest` (with its algorithm) or the `data` to hash.
 *
 * @example
 * ```ts
 * const options: BuildTimeStampRequestOptions = { hashAlgorithm: 'SHA-256', data: checkpointBytes, nonce: true };
 * const { der, nonce } = buildTimeStampRequest(options);
 * ```
 */
export interface BuildTimeStampRequestOptions {
  readonly hashAlgorithm: HashAlgorithm;
  /** The message imprint, already hashed with `hashAlgorithm`. */
  readonly digest?: Uint8Array;
  /** Alternatively the data itself; it is hashed here. */
  readonly data?: Uint8Array;
  /** A nonce (INTEGER content bytes), or `true` for 8 random bytes (RFC 3161 §2.4.1). */
  readonly nonce?: Uint8Array | true;
  /** Ask the TSA to include its certificate (default true: verifiers then need nothing else). */
  readonly certReq?: boolean;
  /** A TSA policy OID to request. */
  readonly policy?: string;
}

/**
 * A built request and the nonce it carries (pass it to `verifyTimeStampToken`).
 *
 * @example
 * ```ts
 * const { der, nonce }: BuiltTimeStampRequest = buildTimeStampRequest({ hashAlgorithm: 'SHA-256', data });
 * ```
 */
export interface BuiltTimeStampRequest {
  readonly der: Uint8Array;
  readonly nonce?: Uint8Array;
}

/**
 * A parsed TimeStampReq (what a TSA needs).
 *
 * @example
 * ```ts
 * const req: ParsedTimeStampRequest = parseTimeStampRequest(body);
 * const includeCertificate = req.certReq;
 * ```
 */
export interface ParsedTimeStampRequest {
  readonly hashAlgorithm: HashAlgorithm;
  readonly digest: Uint8Array;
  /** The nonce INTEGER's content bytes, echoed byte for byte in the token. */
  readonly nonce?: Uint8Array;
  readonly certReq: boolean;
  readonly policy?: string;
}

/** Positive INTEGER content bytes (DER: no redundant leading zero, a zero byte before a set high bit). */
export function positiveIntegerBytes(bytes: Uint8Array): Uint8Array {
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0 && ((bytes[i + 1] ?? 0) & 0x80) === 0) i++;
  const trimmed = bytes.subarray(i);
  return (trimmed[0] ?? 0) & 0x80 ? new Uint8Array([0, ...trimmed]) : new Uint8Array(trimmed);
}

/**
 * Builds a DER TimeStampReq (RFC 3161 §2.4.1) over a SHA-256/384/512 imprint.
 *
 * @example
 * ```ts
 * import { buildTimeStampRequest } from '@tonle/pki';
 * const { der, nonce } = buildTimeStampRequest({ hashAlgorithm: 'SHA-256', data: checkpointBytes, nonce: true });
 * const res = await fetch(tsaUrl, { method: 'POST', body: der, headers: { 'content-type': 'application/timestamp-query' } });
 * ```
 */
export function buildTimeStampRequest(options: BuildTimeStampRequestOptions): BuiltTimeStampRequest {
  const { hashAlgorithm } = options;
  if (hashAlgorithm !== 'SHA-256' && hashAlgorithm !== 'SHA-384' && hashAlgorithm !== 'SHA-512') {
    throw new TypeError('buildTimeStampRequest: hashAlgorithm must be SHA-256, SHA-384 or SHA-512');
  }
  if ((options.digest === undefined) === (options.data === undefined)) {
    throw new TypeError('buildTimeStampRequest: give exactly one of digest or data');
  }
  const imprint = options.digest ?? hashData(hashAlgorithm, options.data as Uint8Array);
  if (!(imprint instanceof Uint8Array) || imprint.length !== hashLength(hashAlgorithm)) {
    throw new TypeError(`buildTimeStampRequest: a ${hashAlgorithm} digest is ${hashLength(hashAlgorithm)} bytes`);
  }
  let nonce: Uint8Array | undefined;
  if (options.nonce === true) {
    const r = randomBytes(8);
    r[0] = ((r[0] ?? 0) & 0x7f) | 0x01; // positive and exactly 8 bytes
    nonce = new Uint8Array(r);
  } else if (options.nonce !== undefined) {
    if (!(options.nonce instanceof Uint8Array) || options.nonce.length === 0 || options.nonce.length > 32) {
      throw new TypeError('buildTimeStampRequest: nonce must be 1-32 bytes or true');
    }
    nonce = positiveIntegerBytes(options.nonce);
  }
  const req = new pkijs.TimeStampReq({
    version: 1,
    messageImprint: new pkijs.MessageImprint({
      hashAlgorithm: algorithmIdentifier(hashOid(hashAlgorithm), true),
      hashedMessage: new asn1js.OctetString({ valueHex: imprint }),
    }),
    ...(options.policy === undefined ? {} : { reqPolicy: options.policy }),
    ...(nonce ? { nonce: new asn1js.Integer({ valueHex: nonce }) } : {}),
    certReq: options.certReq ?? true,
  });
  const der = new Uint8Array(req.toSchema().toBER(false));
  return Object.freeze(nonce ? { der, nonce } : { der });
}

/**
 * Parses a DER TimeStampReq for a TSA. Undecodable input -> `TONLE_ERR_PKI_MALFORMED` (badDataFormat);
 * an imprint hash other than SHA-256/384/512 -> `TONLE_ERR_PKI_TSP_BAD_ALGORITHM` (badAlg); a wrong
 * version, imprint length or any extension -> `TONLE_ERR_PKI_TSP_BAD_REQUEST` (badRequest).
 *
 * @example
 * ```ts
 * import { parseTimeStampRequest } from '@tonle/pki';
 * const { hashAlgorithm, digest, nonce, certReq } = parseTimeStampRequest(body);
 * ```
 */
export function parseTimeStampRequest(der: Uint8Array): ParsedTimeStampRequest {
  if (!(der instanceof Uint8Array)) throw new TypeError('parseTimeStampRequest: expected DER bytes');
  const req = parseGuard('time-stamp request', () => {
    const asn = asn1js.fromBER(der);
    if (asn.offset === -1 || asn.offset !== der.byteLength) throw new Error('not a single DER value');
    return new pkijs.TimeStampReq({ schema: asn.result });
  });
  if (req.version !== 1) throw new PkiError('TONLE_ERR_PKI_TSP_BAD_REQUEST', `unsupported TimeStampReq version ${req.version}; use 1`);
  const hashAlgorithm = hashFromOid(req.messageImprint.hashAlgorithm.algorithmId);
  if (hashAlgorithm === undefined) {
    throw new PkiError(
      'TONLE_ERR_PKI_TSP_BAD_ALGORITHM',
      `imprint hash ${req.messageImprint.hashAlgorithm.algorithmId} is not accepted; use SHA-256, SHA-384 or SHA-512`,
    );
  }
  const digest = new Uint8Array(req.messageImprint.hashedMessage.valueBlock.valueHexView);
  if (digest.length !== hashLength(hashAlgorithm)) {
    throw new PkiError('TONLE_ERR_PKI_TSP_BAD_REQUEST', `a ${hashAlgorithm} imprint must be ${hashLength(hashAlgorithm)} bytes, got ${digest.length}`);
  }
  if (req.extensions && req.extensions.length > 0) {
    // RFC 3161 §2.4.1: unrecognised extensions must be refused; this TSA recognises none.
    throw new PkiError('TONLE_ERR_PKI_TSP_BAD_REQUEST', 'time-stamp request extensions are not supported');
  }
  const nonce = req.nonce ? new Uint8Array(req.nonce.valueBlock.valueHexView) : undefined;
  return Object.freeze({
    hashAlgorithm,
    digest,
    ...(nonce ? { nonce } : {}),
    certReq: req.certReq === true,
    ...(req.reqPolicy === undefined ? {} : { policy: req.reqPolicy }),
  });
}

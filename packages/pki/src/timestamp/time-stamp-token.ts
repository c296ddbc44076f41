import type { KeyObject } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { PkiError, parseGuard } from '../errors/index.ts';
import { formatDistinguishedName, hex, parseCertificateInternal, serialHex, type ParsedCertificate } from '../certificates/index.ts';
import {
  OID,
  algorithmIdentifier,
  digest as hashData,
  hashFromOid,
  hashLength,
  hashOid,
  schemeForKey,
  signX509,
  verifyX509,
  type HashAlgorithm,
} from '../keys/index.ts';
import { positiveIntegerBytes } from './time-stamp-request.ts';

/**
 * RFC 3161 §2.4.2 PKIFailureInfo names with their bit numbers.
 *
 * @example
 * ```ts
 * TSP_FAILURE_BITS.badAlg; // 0
 * ```
 */
export const TSP_FAILURE_BITS = {
  badAlg: 0,
  badRequest: 2,
  badDataFormat: 5,
  timeNotAvailable: 14,
  unacceptedPolicy: 15,
  unacceptedExtension: 16,
  addInfoNotAvailable: 17,
  systemFailure: 25,
} as const;

/**
 * A PKIFailureInfo name (RFC 3161 §2.4.2).
 *
 * @example
 * ```ts
 * const failure: TimeStampFailureInfo = 'badAlg';
 * reply.send(buildTimeStampRejection(failure));
 * ```
 */
export type TimeStampFailureInfo = keyof typeof TSP_FAILURE_BITS;

/**
 * RFC 3161 §2.4.2 PKIStatus names.
 *
 * @example
 * ```ts
 * const { status }: { status: TimeStampStatus } = parseTimeStampResponse(body);
 * ```
 */
export type TimeStampStatus = 'granted' | 'grantedWithMods' | 'rejection' | 'waiting' | 'revocationWarning' | 'revocationNotification';
const STATUS_NAMES: readonly TimeStampStatus[] = ['granted', 'grantedWithMods', 'rejection', 'waiting', 'revocationWarning', 'revocationNotification'];

/**
 * Inputs of {@link buildTimeStampResponse}.
 *
 * @example
 * ```ts
 * const options: BuildTimeStampResponseOptions = { tsaCertificate, privateKey, policy: '1.3.6.1.4.1.99999.1', serialNumber: 1n, genTime: clock.now(), hashAlgorithm: req.hashAlgorithm, digest: req.digest, includeCertificate: req.certReq };
 * const der = buildTimeStampResponse(options);
 * ```
 */
export interface BuildTimeStampResponseOptions {
  /** The TSA certificate (critical EKU id-kp-timeStamping, RFC 3161 §2.3). */
  readonly tsaCertificate: Uint8Array;
  readonly privateKey: KeyObject;
  /** The TSA policy OID (RFC 3161 §2.4.2 `policy`). */
  readonly policy: string;
  /** Unique per token, never reused (RFC 3161 §2.4.2). */
  readonly serialNumber: bigint;
  /** Time of stamping, epoch ms (truncated to the second; accuracy is declared as 1 s). */
  readonly genTime: number;
  readonly hashAlgorithm: HashAlgorithm;
  readonly digest: Uint8Array;
  /** The request nonce, echoed byte for byte. */
  readonly nonce?: Uint8Array;
  /** Include the TSA certificate (when the request had certReq). */
  readonly includeCertificate: boolean;
  /** Further certificates to include with it (e.g. the TSA's issuing CA). */
  readonly chain?: readonly Uint8Array[];
}

/**
 * A parsed TimeStampResp.
 *
 * @example
 * ```ts
 * const { status, failInfo, token }: ParsedTimeStampResponse = parseTimeStampResponse(body);
 * ```
 */
export interface ParsedTimeStampResponse {
  readonly status: TimeStampStatus;
  readonly failInfo?: readonly TimeStampFailureInfo[];
  readonly statusText?: string;
  /** The TimeStampToken (DER ContentInfo) when granted. */
  readonly token?: Uint8Array;
}

/**
 * Inputs of {@link verifyTimeStampToken}: give the stamped `data` or its `digest`.
 *
 * @example
 * ```ts
 * const options: VerifyTimeStampTokenOptions = { token, data: checkpointBytes, trustedTsaCertificates: approvedTsaCerts };
 * verifyTimeStampToken(options);
 * ```
 */
export interface VerifyTimeStampTokenOptions {
  /** DER TimeStampToken (a CMS ContentInfo), e.g. `parseTimeStampResponse(res).token`. */
  readonly token: Uint8Array;
  readonly data?: Uint8Array;
  /** The imprint, hashed with the token's hash algorithm. */
  readonly digest?: Uint8Array;
  /** Approved TSA certificates (global configuration `approvedTSAs[].cert`). */
  readonly trustedTsaCertificates: readonly Uint8Array[];
  /** The nonce of the request; when given the token must carry it. */
  readonly nonce?: Uint8Array;
}

/**
 * What a verified token says.
 *
 * @example
 * ```ts
 * const { genTime, serialNumber }: TimeStampVerification = verifyTimeStampToken({ token, data, trustedTsaCertificates });
 * ```
 */
export interface TimeStampVerification {
  /** Epoch ms. */
  readonly genTime: number;
  readonly serialNumber: bigint;
  readonly policy: string;
  readonly hashAlgorithm: HashAlgorithm;
  readonly digest: Uint8Array;
  readonly nonce?: Uint8Array;
  /** The TSA certificate that signed it (one of `trustedTsaCertificates`). */
  readonly tsaCertificate: Uint8Array;
}

const ATTR_CONTENT_TYPE = OID.contentTypeAttr;
const ATTR_MESSAGE_DIGEST = OID.messageDigestAttr;
const ATTR_SIGNING_CERT_V2 = OID.signingCertificateV2Attr;
const ATTR_SIGNING_CERT_V1 = '1.2.840.113549.1.9.16.2.12';

function namedBits(bits: readonly number[]): asn1js.BitString {
  const last = Math.max(...bits);
  const bytes = new Uint8Array((last >> 3) + 1);
  for (const b of bits) bytes[b >> 3] = (bytes[b >> 3] ?? 0) | (0x80 >> (b & 7));
  return new asn1js.BitString({ valueHex: bytes, unusedBits: 7 - (last & 7) });
}

function bigintBytes(value: bigint): Uint8Array {
  if (typeof value !== 'bigint' || value <= 0n) throw new TypeError('serialNumber must be a positive bigint');
  let h = value.toString(16);
  if (h.length % 2) h = `0${h}`;
  const bytes = positiveIntegerBytes(new Uint8Array(Buffer.from(h, 'hex')));
  if (bytes.length > 20) throw new TypeError('serialNumber must fit in 160 bits (RFC 3161 §2.4.2)');
  return bytes;
}

/** RFC 5035 §5.4 SigningCertificateV2 { certs SEQUENCE OF ESSCertIDv2 } with SHA-256 (the DEFAULT, so omitted). */
function signingCertificateV2(tsa: ParsedCertificate): asn1js.Sequence {
  const issuerSerial = new asn1js.Sequence({
    value: [
      new asn1js.Sequence({ value: [new pkijs.GeneralName({ type: 4, value: tsa.pkijs.issuer }).toSchema()] }),
      new asn1js.Integer({ valueHex: tsa.pkijs.serialNumber.valueBlock.valueHexView }),
    ],
  });
  const essCertIdV2 = new asn1js.Sequence({
    value: [new asn1js.OctetString({ valueHex: hashData('SHA-256', tsa.info.der) }), issuerSerial],
  });
  return new asn1js.Sequence({ value: [new asn1js.Sequence({ value: [essCertIdV2] })] });
}

/** DER SET OF ordering (X.690 §11.6): attributes sorted by their encodings. */
function sortedAttributes(attrs: pkijs.Attribute[]): pkijs.Attribute[] {
  return attrs
    .map((a) => ({ a, enc: Buffer.from(a.toSchema().toBER(false)) }))
    .sort((x, y) => Buffer.compare(x.enc, y.enc))
    .map((x) => x.a);
}

/** The bytes CMS signs: the signed attributes re-tagged as a universal SET (RFC 5652 §5.4). */
function signedAttributesForSignature(encoded: ArrayBuffer | Uint8Array): Uint8Array {
  const bytes = new Uint8Array(encoded instanceof Uint8Array ? encoded : new Uint8Array(encoded)).slice();
  bytes[0] = 0x31;
  return bytes;
}

function buildToken(options: BuildTimeStampResponseOptions): pkijs.ContentInfo {
  if (options.privateKey?.type !== 'private') throw new TypeError('buildTimeStampResponse: privateKey must be a private KeyObject');
  if (options.digest?.length !== hashLength(options.hashAlgorithm)) {
    throw new TypeError(`buildTimeStampResponse: a ${options.hashAlgorithm} digest is ${hashLength(options.hashAlgorithm)} bytes`);
  }
  if (!/^\d+(\.\d+)+$/.test(options.policy)) throw new TypeError('buildTimeStampResponse: policy must be a dotted OID');
  const tsa = parseCertificateInternal(options.tsaCertificate);
  const tstInfo = new pkijs.TSTInfo({
    version: 1,
    policy: options.policy,
    messageImprint: new pkijs.MessageImprint({
      hashAlgorithm: algorithmIdentifier(hashOid(options.hashAlgorithm), true),
      hashedMessage: new asn1js.OctetString({ valueHex: options.digest }),
    }),
    serialNumber: new asn1js.Integer({ valueHex: bigintBytes(options.serialNumber) }),
    genTime: new Date(Math.floor(options.genTime / 1000) * 1000),
    accuracy: new pkijs.Accuracy({ seconds: 1 }),
    ...(options.nonce ? { nonce: new asn1js.Integer({ valueHex: options.nonce }) } : {}),
  });
  const tstDer = new Uint8Array(tstInfo.toSchema().toBER(false));
  const scheme = schemeForKey(options.privateKey);
  const signedAttrs = new pkijs.SignedAndUnsignedAttributes({
    type: 0,
    attributes: sortedAttributes([
      new pkijs.Attribute({ type: ATTR_CONTENT_TYPE, values: [new asn1js.ObjectIdentifier({ value: OID.tstInfo })] }),
      new pkijs.Attribute({ type: ATTR_MESSAGE_DIGEST, values: [new asn1js.OctetString({ valueHex: hashData(scheme.cmsDigest, tstDer) })] }),
      // RFC 5816 §2.2.1 / RFC 3161 §2.4.1: identifies the TSA certificate; `openssl ts -verify` requires it.
      new pkijs.Attribute({ type: ATTR_SIGNING_CERT_V2, values: [signingCertificateV2(tsa)] }),
    ]),
  });
  const attrsDer = new Uint8Array(signedAttrs.toSchema().toBER(false));
  const { algorithm, signature } = signX509(options.privateKey, signedAttributesForSignature(attrsDer));
  const signerInfo = new pkijs.SignerInfo({
    version: 1,
    sid: new pkijs.IssuerAndSerialNumber({ issuer: tsa.pkijs.issuer, serialNumber: tsa.pkijs.serialNumber }),
    digestAlgorithm: algorithmIdentifier(hashOid(scheme.cmsDigest), true),
    signedAttrs,
    signatureAlgorithm: algorithm,
    signature: new asn1js.OctetString({ valueHex: signature }),
  });
  const encap = new pkijs.EncapsulatedContentInfo({ eContentType: OID.tstInfo });
  // Assigned after construction: pkijs would otherwise split eContent into a BER constructed string.
  encap.eContent = new asn1js.OctetString({ valueHex: tstDer });
  const certificates = options.includeCertificate
    ? [tsa.pkijs, ...(options.chain ?? []).map((c) => parseCertificateInternal(c).pkijs)]
    : undefined;
  const signedData = new pkijs.SignedData({
    version: 3,
    digestAlgorithms: [algorithmIdentifier(hashOid(scheme.cmsDigest), true)],
    encapContentInfo: encap,
    ...(certificates ? { certificates } : {}),
    signerInfos: [signerInfo],
  });
  return new pkijs.ContentInfo({ contentType: OID.signedData, content: signedData.toSchema(true) });
}

/**
 * Builds a granted DER TimeStampResp (RFC 3161 §2.4.2) whose token is a CMS SignedData over TSTInfo,
 * signed with node:crypto, with the ESS signing-certificate-v2 attribute (RFC 5816), the nonce echoed
 * and the TSA certificate included when `includeCertificate`.
 *
 * @example
 * ```ts
 * import { parseTimeStampRequest, buildTimeStampResponse } from '@tonle/pki';
 * const req = parseTimeStampRequest(body);
 * const der = buildTimeStampResponse({
 *   tsaCertificate, privateKey, policy: '1.3.6.1.4.1.99999.1', serialNumber: 42n, genTime: clock.now(),
 *   hashAlgorithm: req.hashAlgorithm, digest: req.digest, includeCertificate: req.certReq,
 *   ...(req.nonce ? { nonce: req.nonce } : {}),
 * });
 * ```
 */
export function buildTimeStampResponse(options: BuildTimeStampResponseOptions): Uint8Array {
  const token = buildToken(options);
  const resp = new pkijs.TimeStampResp({ status: new pkijs.PKIStatusInfo({ status: 0 }), timeStampToken: token });
  return new Uint8Array(resp.toSchema().toBER(false));
}

/**
 * A rejected TimeStampResp with one PKIFailureInfo bit (RFC 3161 §2.4.2).
 *
 * @example
 * ```ts
 * import { buildTimeStampRejection } from '@tonle/pki';
 * reply.send(buildTimeStampRejection('badAlg', 'use SHA-256, SHA-384 or SHA-512'));
 * ```
 */
export function buildTimeStampRejection(failInfo: TimeStampFailureInfo, statusText?: string): Uint8Array {
  const bit = TSP_FAILURE_BITS[failInfo];
  if (bit === undefined) throw new TypeError(`buildTimeStampRejection: unknown failInfo ${String(failInfo)}`);
  const status = new pkijs.PKIStatusInfo({
    status: 2,
    failInfo: namedBits([bit]),
    ...(statusText === undefined ? {} : { statusStrings: [new asn1js.Utf8String({ value: statusText })] }),
  });
  return new Uint8Array(new pkijs.TimeStampResp({ status }).toSchema().toBER(false));
}

/**
 * Parses a DER TimeStampResp without verifying the token. Garbage gives `TONLE_ERR_PKI_MALFORMED`.
 *
 * @example
 * ```ts
 * import { parseTimeStampResponse } from '@tonle/pki';
 * const { status, failInfo, token } = parseTimeStampResponse(body);
 * ```
 */
export function parseTimeStampResponse(der: Uint8Array): ParsedTimeStampResponse {
  if (!(der instanceof Uint8Array)) throw new TypeError('parseTimeStampResponse: expected DER bytes');
  return parseGuard('time-stamp response', () => {
    const asn = asn1js.fromBER(der);
    if (asn.offset === -1 || asn.offset !== der.byteLength) throw new Error('not a single DER value');
    const resp = new pkijs.TimeStampResp({ schema: asn.result });
    const status = STATUS_NAMES[resp.status.status];
    if (status === undefined) throw new Error('unknown PKIStatus');
    const failInfo: TimeStampFailureInfo[] = [];
    if (resp.status.failInfo) {
      const bytes = resp.status.failInfo.valueBlock.valueHexView;
      for (const [name, bit] of Object.entries(TSP_FAILURE_BITS)) {
        if ((bytes[bit >> 3] ?? 0) & (0x80 >> (bit & 7))) failInfo.push(name as TimeStampFailureInfo);
      }
    }
    const text = resp.status.statusStrings?.map((s) => s.valueBlock.value).join('; ');
    const granted = status === 'granted' || status === 'grantedWithMods';
    if (granted && !resp.timeStampToken) throw new Error('granted without a token');
    return Object.freeze({
      status,
      ...(resp.status.failInfo ? { failInfo: Object.freeze(failInfo) } : {}),
      ...(text ? { statusText: text } : {}),
      ...(granted && resp.timeStampToken ? { token: new Uint8Array(resp.timeStampToken.toSchema().toBER(false)) } : {}),
    });
  });
}

/**
 * The token of a granted TimeStampResp; any other status throws `TONLE_ERR_PKI_TSP_REJECTED` (with the
 * TSA's failure info in the message), garbage `TONLE_ERR_PKI_MALFORMED`. The token still needs
 * {@link verifyTimeStampToken}.
 *
 * @example
 * ```ts
 * import { timeStampTokenFromResponse, verifyTimeStampToken } from '@tonle/pki';
 * const token = timeStampTokenFromResponse(new Uint8Array(await res.arrayBuffer()));
 * verifyTimeStampToken({ token, data, trustedTsaCertificates, nonce });
 * ```
 */
export function timeStampTokenFromResponse(der: Uint8Array): Uint8Array {
  const parsed = parseTimeStampResponse(der);
  if (parsed.token === undefined) {
    throw new PkiError(
      'TONLE_ERR_PKI_TSP_REJECTED',
      `the TSA answered ${parsed.status}${parsed.failInfo?.length ? ` (${parsed.failInfo.join(', ')})` : ''}${parsed.statusText ? `: ${parsed.statusText}` : ''}`,
    );
  }
  return parsed.token;
}

function octets(s: asn1js.OctetString): Uint8Array {
  // BER may split eContent into a constructed OCTET STRING (RFC 5652 §5.2); join the pieces.
  if (s.idBlock.isConstructed) {
    const parts = (s.valueBlock.value as asn1js.OctetString[]).map(octets);
    return new Uint8Array(Buffer.concat(parts));
  }
  return new Uint8Array(s.valueBlock.valueHexView);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a).equals(Buffer.from(b));
}

function attribute(attrs: readonly pkijs.Attribute[], type: string): asn1js.AsnType | undefined {
  const found = attrs.filter((a) => a.type === type);
  if (found.length > 1 || (found[0] && found[0].values.length !== 1)) {
    throw new PkiError('TONLE_ERR_PKI_MALFORMED', `signed attribute ${type} must occur once with one value (RFC 5652 §5.3)`);
  }
  return found[0]?.values[0];
}

interface DecodedToken {
  readonly signedData: pkijs.SignedData;
  readonly signer: pkijs.SignerInfo;
  readonly tstDer: Uint8Array;
  readonly tstInfo: pkijs.TSTInfo;
}

function decodeToken(token: Uint8Array): DecodedToken {
  if (!(token instanceof Uint8Array)) throw new TypeError('verifyTimeStampToken: token must be DER bytes');
  return parseGuard('time-stamp token', () => {
    const asn = asn1js.fromBER(token);
    if (asn.offset === -1 || asn.offset !== token.byteLength) throw new Error('not a single DER value');
    const ci = new pkijs.ContentInfo({ schema: asn.result });
    if (ci.contentType !== OID.signedData) throw new Error('not SignedData');
    const signedData = new pkijs.SignedData({ schema: ci.content });
    if (signedData.encapContentInfo.eContentType !== OID.tstInfo || !signedData.encapContentInfo.eContent) throw new Error('not a TSTInfo');
    if (signedData.signerInfos.length !== 1) throw new Error('a time-stamp token has exactly one signer (RFC 3161 §2.4.2)');
    const tstDer = octets(signedData.encapContentInfo.eContent);
    const tstAsn = asn1js.fromBER(tstDer);
    if (tstAsn.offset === -1 || tstAsn.offset !== tstDer.byteLength) throw new Error('bad TSTInfo');
    const tstInfo = new pkijs.TSTInfo({ schema: tstAsn.result });
    return { signedData, signer: signedData.signerInfos[0] as pkijs.SignerInfo, tstDer, tstInfo };
  });
}

function findTsaCertificate(decoded: DecodedToken, trusted: readonly ParsedCertificate[]): ParsedCertificate {
  const sid: unknown = decoded.signer.sid;
  const embedded = (decoded.signedData.certificates ?? [])
    .filter((c): c is pkijs.Certificate => c instanceof pkijs.Certificate)
    .map((c) => parseCertificateInternal(new Uint8Array(c.toSchema(false).toBER(false))));
  const matches = (c: ParsedCertificate): boolean => {
    if (sid instanceof pkijs.IssuerAndSerialNumber) {
      return (
        sameBytes(new Uint8Array(sid.issuer.toSchema().toBER(false)), c.issuerDer) &&
        serialHex(sid.serialNumber.valueBlock.valueHexView) === c.info.serialNumber
      );
    }
    // sid [0] SubjectKeyIdentifier
    if (sid instanceof asn1js.Constructed || sid instanceof asn1js.Primitive) {
      const raw = sid instanceof asn1js.Primitive ? sid.valueBlock.valueHexView : undefined;
      return raw !== undefined && c.info.subjectKeyIdentifier === hex(raw);
    }
    return false;
  };
  const signer = trusted.find(matches);
  if (signer) return signer;
  const named = embedded.find(matches);
  throw new PkiError(
    'TONLE_ERR_PKI_TSP_UNTRUSTED_TSA',
    named
      ? `the time-stamp was signed by ${formatDistinguishedName(named.info.subject)}, which is not an approved TSA`
      : 'the time-stamp signer is not among the approved TSA certificates',
  );
}

/**
 * Verifies an RFC 3161 time-stamp token: CMS signature by one of `trustedTsaCertificates` (which must have
 * EKU id-kp-timeStamping and be valid at genTime), signed attributes consistent (content type, message
 * digest, ESS signing certificate naming that certificate), the imprint equal to `digest` or to the hash
 * of `data`, and the nonce when given.
 *
 * Errors: `TONLE_ERR_PKI_MALFORMED`, `_TSP_UNTRUSTED_TSA`, `_KEY_USAGE`, `_BAD_SIGNATURE`,
 * `_TSP_IMPRINT_MISMATCH`, `_TSP_NONCE_MISMATCH`, `_CERT_EXPIRED`, `_CERT_NOT_YET_VALID`, `_UNSUPPORTED_ALGORITHM`.
 *
 * @example
 * ```ts
 * import { verifyTimeStampToken } from '@tonle/pki';
 * const { genTime } = verifyTimeStampToken({ token, data: checkpointBytes, trustedTsaCertificates: approvedTsaCerts });
 * ```
 */
export function verifyTimeStampToken(options: VerifyTimeStampTokenOptions): TimeStampVerification {
  if ((options.data === undefined) === (options.digest === undefined)) {
    throw new TypeError('verifyTimeStampToken: give exactly one of data or digest');
  }
  if (!Array.isArray(options.trustedTsaCertificates)) throw new TypeError('verifyTimeStampToken: trustedTsaCertificates must be an array');
  const trusted = options.trustedTsaCertificates.map((c) => parseCertificateInternal(c));
  const decoded = decodeToken(options.token);
  const { signer, tstDer, tstInfo } = decoded;
  const tsa = findTsaCertificate(decoded, trusted);

  // RFC 3161 §2.3: the TSA certificate carries id-kp-timeStamping (and only it, critical).
  if (!tsa.info.extendedKeyUsage?.includes(OID.ekuTimeStamping)) {
    throw new PkiError('TONLE_ERR_PKI_KEY_USAGE', 'the TSA certificate lacks extended key usage id-kp-timeStamping');
  }
  const attrs = signer.signedAttrs?.attributes;
  if (!signer.signedAttrs || !attrs) throw new PkiError('TONLE_ERR_PKI_MALFORMED', 'the time-stamp token has no signed attributes');
  const digestAlg = hashFromOid(signer.digestAlgorithm.algorithmId);
  if (digestAlg === undefined) {
    throw new PkiError('TONLE_ERR_PKI_UNSUPPORTED_ALGORITHM', `CMS digest algorithm ${signer.digestAlgorithm.algorithmId} is not accepted`);
  }
  const contentType = attribute(attrs, ATTR_CONTENT_TYPE);
  const messageDigest = attribute(attrs, ATTR_MESSAGE_DIGEST);
  if (!(contentType instanceof asn1js.ObjectIdentifier) || contentType.valueBlock.toString() !== OID.tstInfo) {
    throw new PkiError('TONLE_ERR_PKI_BAD_SIGNATURE', 'the signed content-type attribute is not id-ct-TSTInfo (RFC 5652 §11.1)');
  }
  if (!(messageDigest instanceof asn1js.OctetString) || !sameBytes(octets(messageDigest), hashData(digestAlg, tstDer))) {
    throw new PkiError('TONLE_ERR_PKI_BAD_SIGNATURE', 'the signed message-digest attribute does not match the TSTInfo');
  }
  const signedBytes = signedAttributesForSignature(signer.signedAttrs.encodedValue);
  const sig = new Uint8Array(signer.signature.valueBlock.valueHexView);
  if (!verifyX509(signer.signatureAlgorithm, tsa.info.publicKey, signedBytes, sig, digestAlg)) {
    throw new PkiError('TONLE_ERR_PKI_BAD_SIGNATURE', 'the time-stamp token signature does not verify');
  }
  checkEssCertificate(attrs, tsa);

  const hashAlgorithm = hashFromOid(tstInfo.messageImprint.hashAlgorithm.algorithmId);
  if (hashAlgorithm === undefined) {
    throw new PkiError('TONLE_ERR_PKI_UNSUPPORTED_ALGORITHM', `imprint hash ${tstInfo.messageImprint.hashAlgorithm.algorithmId} is not accepted`);
  }
  const imprint = new Uint8Array(tstInfo.messageImprint.hashedMessage.valueBlock.valueHexView);
  const expected = options.digest ?? hashData(hashAlgorithm, options.data as Uint8Array);
  if (!sameBytes(imprint, expected)) {
    throw new PkiError('TONLE_ERR_PKI_TSP_IMPRINT_MISMATCH', 'the time-stamp is over other data than given');
  }
  const nonce = tstInfo.nonce ? new Uint8Array(tstInfo.nonce.valueBlock.valueHexView) : undefined;
  if (options.nonce !== undefined && (nonce === undefined || !sameBytes(positiveIntegerBytes(options.nonce), nonce))) {
    throw new PkiError('TONLE_ERR_PKI_TSP_NONCE_MISMATCH', 'the time-stamp does not carry the request nonce');
  }
  const genTime = tstInfo.genTime.getTime();
  if (genTime < tsa.info.notBefore) {
    throw new PkiError('TONLE_ERR_PKI_CERT_NOT_YET_VALID', 'the TSA certificate was not yet valid at genTime');
  }
  if (genTime > tsa.info.notAfter) throw new PkiError('TONLE_ERR_PKI_CERT_EXPIRED', 'the TSA certificate had expired at genTime');
  return Object.freeze({
    genTime,
    serialNumber: tstInfo.serialNumber.toBigInt(),
    policy: tstInfo.policy,
    hashAlgorithm,
    digest: imprint,
    ...(nonce ? { nonce } : {}),
    tsaCertificate: tsa.info.der,
  });
}

/** RFC 5035 / RFC 2634 §5.4: the first ESSCertID(v2) must hash to the signer's certificate. */
function checkEssCertificate(attrs: readonly pkijs.Attribute[], tsa: ParsedCertificate): void {
  const v2 = attribute(attrs, ATTR_SIGNING_CERT_V2);
  const v1 = attribute(attrs, ATTR_SIGNING_CERT_V1);
  const value = v2 ?? v1;
  if (!(value instanceof asn1js.Sequence)) {
    throw new PkiError('TONLE_ERR_PKI_TSP_UNTRUSTED_TSA', 'the time-stamp token lacks the ESS signing-certificate attribute (RFC 3161 §2.4.1)');
  }
  const certs = value.valueBlock.value[0];
  const first = certs instanceof asn1js.Sequence ? certs.valueBlock.value[0] : undefined;
  if (!(first instanceof asn1js.Sequence)) throw new PkiError('TONLE_ERR_PKI_MALFORMED', 'bad ESS signing-certificate attribute');
  const parts = first.valueBlock.value;
  let alg: HashAlgorithm | 'SHA-1' = v2 ? 'SHA-256' : 'SHA-1';
  let hashIndex = 0;
  if (v2 && parts[0] instanceof asn1js.Sequence) {
    const algId = new pkijs.AlgorithmIdentifier({ schema: parts[0] });
    const h = hashFromOid(algId.algorithmId);
    if (h === undefined) throw new PkiError('TONLE_ERR_PKI_UNSUPPORTED_ALGORITHM', `ESSCertIDv2 hash ${algId.algorithmId} is not accepted`);
    alg = h;
    hashIndex = 1;
  }
  const certHash = parts[hashIndex];
  if (!(certHash instanceof asn1js.OctetString) || !sameBytes(octets(certHash), hashData(alg, tsa.info.der))) {
    throw new PkiError('TONLE_ERR_PKI_TSP_UNTRUSTED_TSA', 'the ESS signing-certificate attribute names another certificate than the signer');
  }
}
